"""Real places to publish to, for the publish tests: a folder; a real OpenSSH server (Debian's
openssh-server, started on a free 127.0.0.1 port with a throwaway host key, user key and sshd_config);
and moto's standalone server, an emulator of the S3 protocol (not AWS itself) on 127.0.0.1.

Each is a Place: the address to publish to, the environment the command line needs for it, and a way
to read back what is there.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .conftest import require_tool

MANIFEST = ".sitegen-publish.json"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Place:
    """A destination as the tests see it."""

    address: str
    env: dict[str, str] = field(default_factory=dict)
    folder: Path | None = None
    """Where the files land on this machine (folder and SFTP destinations)."""
    bucket: str = ""
    client: object = None
    """A boto3 client of the S3 emulator."""
    prefix: str = ""

    def files(self) -> dict[str, bytes]:
        """Every file at the destination by path, the manifest included."""
        if self.folder is not None:
            if not self.folder.is_dir():
                return {}
            return {p.relative_to(self.folder).as_posix(): p.read_bytes() for p in sorted(self.folder.rglob("*")) if p.is_file()}
        found = {}
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get("Contents", ()):
                found[item["Key"][len(self.prefix):]] = self.client.get_object(Bucket=self.bucket, Key=item["Key"])["Body"].read()
        return found

    def put_by_hand(self, path: str, data: bytes) -> None:
        """A file the owner put there themselves."""
        if self.folder is not None:
            target = self.folder / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        else:
            self.client.put_object(Bucket=self.bucket, Key=self.prefix + path, Body=data)

    def headers(self, path: str) -> tuple[str, str]:
        """(Content-Type, Cache-Control) of an S3 object."""
        head = self.client.head_object(Bucket=self.bucket, Key=self.prefix + path)
        return head["ContentType"], head.get("CacheControl", "")


@dataclass
class SSHServer:
    port: int
    user: str
    host_key_line: str
    """The server's public host key, as known_hosts has it for 127.0.0.1 on this port."""
    user_key: Path
    process: subprocess.Popen


@pytest.fixture(scope="session")
def sshd(tmp_path_factory) -> SSHServer:
    """A real OpenSSH server on a free port of 127.0.0.1, for this test session only."""
    require_tool("/usr/sbin/sshd" if os.path.isfile("/usr/sbin/sshd") else None, "OpenSSH's server", "apt-get install openssh-server")
    require_tool(shutil.which("ssh-keygen"), "ssh-keygen", "apt-get install openssh-client")
    server = start_sshd(tmp_path_factory.mktemp("sshd"))
    yield server
    server.process.terminate()
    server.process.wait(10)


def start_sshd(folder: Path, binary: str = "/usr/sbin/sshd") -> SSHServer:
    """Start OpenSSH's server on a free port of 127.0.0.1 with throwaway keys and its own sshd_config in
    folder, letting in the user running this with the user key (or any password the system knows)."""
    for name in ("host", "user"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"sitegen-test-{name}", "-f", str(folder / name)], check=True)
    shutil.copyfile(folder / "user.pub", folder / "authorized_keys")
    try:
        os.makedirs("/run/sshd", exist_ok=True)  # sshd's privilege separation folder; Debian makes it when the service starts
    except PermissionError:
        pass  # not root: sshd then says what it lacks, and the error below shows it
    port = free_port()
    (folder / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {folder / 'host'}\nPidFile {folder / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {folder / 'authorized_keys'}\nStrictModes no\nPubkeyAuthentication yes\n"
        "PasswordAuthentication yes\nKbdInteractiveAuthentication no\nPermitRootLogin yes\nUsePAM no\n"
        "Subsystem sftp internal-sftp\nLogLevel ERROR\n",
        encoding="utf-8",
    )
    process = subprocess.Popen([binary, "-D", "-e", "-f", str(folder / "sshd_config")], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
                if connection.recv(64).startswith(b"SSH-"):
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"sshd did not start: {process.stderr.read().decode(errors='replace')}")
        time.sleep(0.05)
    key_type, key = (folder / "host.pub").read_text().split()[:2]
    return SSHServer(port, getpass.getuser(), f"[127.0.0.1]:{port} {key_type} {key}", folder / "user", process)


@pytest.fixture(scope="session")
def s3_server():
    """moto's standalone server: an emulator of the S3 protocol on 127.0.0.1 (not AWS), as a boto3 client
    and the environment a publish to it needs."""
    import boto3
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    env = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1"}
    client = boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
    yield client, env
    server.stop()


def known_hosts(home: Path, line: str) -> None:
    """Accept a host key as `ssh` does when the owner answers yes."""
    (home / ".ssh").mkdir(mode=0o700, parents=True, exist_ok=True)
    (home / ".ssh" / "known_hosts").write_text(line + "\n", encoding="utf-8")


def make_place(kind: str, tmp_path: Path, home: Path, request) -> Place:
    """A fresh destination of this kind under tmp_path, reachable with home as HOME."""
    if kind == "folder":
        return Place(f"file://{tmp_path / 'www'}", folder=tmp_path / "www")
    if kind == "sftp":
        server: SSHServer = request.getfixturevalue("sshd")
        known_hosts(home, server.host_key_line)
        return Place(f"sftp://{server.user}@127.0.0.1:{server.port}{tmp_path / 'www'}", {"SITEGEN_SSH_KEY": str(server.user_key)}, folder=tmp_path / "www")
    client, env = request.getfixturevalue("s3_server")
    bucket = f"site-{tmp_path.name.lower().replace('_', '-')[-40:]}".rstrip("-")
    client.create_bucket(Bucket=bucket)
    return Place(f"s3://{bucket}/www", dict(env), bucket=bucket, client=client, prefix="www/")
