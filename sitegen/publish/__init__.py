"""Publishing: the destinations (folder.py, sftp.py, s3.py), what is where (manifest.py) and making a
destination equal to the built site (sync.py). `sitegen publish` (cli/publish.py) builds, then calls these."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..hosting import Destination
from .sync import Store


@dataclass(frozen=True)
class Access:
    """What the command line read for connecting: the environment variables sitegen publish uses
    (hosting.PUBLISH_SECRETS, SSH_AUTH_SOCK, the AWS_* ones) and the owner's SSH files."""

    environment: Mapping[str, str] = field(default_factory=dict)
    known_hosts: Sequence[Path] = ()
    """known_hosts files, the owner's first."""
    key_files: Sequence[Path] = ()
    """The owner's usual private keys (~/.ssh/id_ed25519, ...), tried after the agent and SITEGEN_SSH_KEY."""


def open_store(destination: Destination, access: Access) -> Store:
    """Connect to the destination; SitegenError with one clear problem when that fails."""
    if destination.scheme == "file":
        from .folder import Folder

        return Folder(Path(destination.path), str(destination))
    if destination.scheme == "sftp":
        from .sftp import connect_sftp  # here: paramiko takes a fifth of a second to import

        return connect_sftp(destination, dict(access.environment), access.known_hosts, access.key_files)
    from .s3 import connect_s3  # boto3, likewise

    return connect_s3(destination, access.environment)
