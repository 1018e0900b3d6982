"""Where the site is published: [publish] in sitegen.toml, and the destination addresses `sitegen publish`
understands (sftp://, s3://, file://). Secrets never go here: sitegen reads them from the environment
(PUBLISH_SECRETS)."""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from pydantic import field_validator, model_validator

from .schema import Strict

PUBLISH_SECRETS = {
    "SITEGEN_SSH_KEY": "the SSH private key for sftp:// (a key file's path, or the key itself as text), when not in your SSH agent",
    "SITEGEN_SSH_KEY_PASSPHRASE": "the passphrase of that key, if it has one",
    "SITEGEN_SSH_PASSWORD": "the SFTP password, for hosts that give a password rather than a key",
    "AWS_ACCESS_KEY_ID": "the S3 access key (AWS, Cloudflare R2, Backblaze B2, MinIO)",
    "AWS_SECRET_ACCESS_KEY": "its secret",
    "AWS_ENDPOINT_URL": "the S3 endpoint, for a store other than AWS (https://<account>.r2.cloudflarestorage.com)",
    "AWS_REGION": "the bucket's region (auto for R2)",
}
"""The environment variables `sitegen publish` reads, and what each holds."""

EXAMPLES = "sftp://user@host/path, s3://bucket/prefix or file:///path"

_SECRET_KEY = re.compile(r"pass|secret|token|key|credential", re.IGNORECASE)


@dataclass(frozen=True)
class Destination:
    """A place to publish to, parsed from its address."""

    scheme: typing.Literal["sftp", "s3", "file"]
    """How it is reached: SFTP, the S3 API, or as a folder of this computer."""
    path: str
    """sftp: the folder on the server (relative to the login folder when the address says /~/);
    s3: the key prefix, '' or ending in '/'; file: the absolute folder."""
    host: str = ""
    """sftp: the server; s3: the bucket."""
    user: str = ""
    """sftp: the user name to log in as."""
    port: int = 22
    """sftp: the server's SSH port."""

    def __str__(self) -> str:
        if self.scheme == "sftp":
            port = f":{self.port}" if self.port != 22 else ""
            place = self.path if self.path.startswith("/") else f"/~/{self.path}"
            return f"sftp://{self.user}@{self.host}{port}{place}"
        if self.scheme == "s3":
            return f"s3://{self.host}/{self.path}"
        return f"file://{self.path}"


def parse_destination(address: str) -> Destination:
    """A destination from its address; ValueError saying what is wrong and what is expected."""
    text = address.strip()
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in ("sftp", "s3", "file"):
        guess = " (for a folder on this computer write file:// and its absolute path)" if not scheme and text.startswith("/") else ""
        raise ValueError(f"expected {EXAMPLES}, got {address!r}{guess}")
    if parts.password is not None:
        raise ValueError(
            f"{address!r} holds a password: secrets never go in sitegen.toml or on the command line; "
            "give sitegen the password in SITEGEN_SSH_PASSWORD, or better, a key (SITEGEN_SSH_KEY or your SSH agent)"
        )
    if parts.query or parts.fragment:
        raise ValueError(f"expected {EXAMPLES} with no ?query or #fragment, got {address!r}")
    path = unquote(parts.path)
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ValueError(f"expected file:///absolute/path (three slashes: a folder on this computer), got {address!r}")
        if not path.startswith("/") or path.rstrip("/") == "":
            raise ValueError(f"expected file:/// and the absolute path of a folder that is not / itself, got {address!r}")
        return Destination("file", str(PurePosixPath(path)))
    if scheme == "s3":
        bucket = parts.netloc
        if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", bucket):
            raise ValueError(f"expected s3://bucket/prefix with a bucket name of 3-63 lower-case letters, digits, dots and hyphens, got {address!r}")
        prefix = "/".join(part for part in path.split("/") if part)
        if any(part in (".", "..") for part in prefix.split("/")):
            raise ValueError(f"expected a prefix without . or .. folders, got {address!r}")
        return Destination("s3", prefix + "/" if prefix else "", host=bucket)
    if not parts.username or not parts.hostname:
        raise ValueError(f"expected sftp://user@host/path (the user name and server your host gave you), got {address!r}")
    try:
        port = parts.port or 22
    except ValueError:
        raise ValueError(f"expected a port number from 1 to 65535 after the host, got {address!r}") from None
    if path.startswith("/~/") or path in ("/~", ""):
        folder = path.removeprefix("/~").strip("/")
    else:
        folder = path.rstrip("/") or "/"
    if folder in ("", "/"):
        raise ValueError(f"expected the folder to publish into after the host (sftp://{parts.username}@{parts.hostname}/~/public_html), got {address!r}")
    return Destination("sftp", folder, host=parts.hostname, user=unquote(parts.username), port=port)


class PublishSettings(Strict):
    """Where `sitegen publish` puts the site. Only the address goes here: passwords and keys come from
    the environment (SITEGEN_SSH_KEY, SITEGEN_SSH_PASSWORD, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)."""

    to: str = ""
    """The destination `sitegen publish` uses without --to. One of:
    sftp://user@host[:port]/path, a folder on a server you reach over SSH (most shared hosts and small
    servers): /var/www/site is absolute, /~/public_html is in the login folder;
    s3://bucket/prefix, an S3-compatible store (AWS S3, Cloudflare R2, Backblaze B2, MinIO), with the
    endpoint and keys in the AWS_* environment variables;
    file:///path, a folder on this computer that a web server serves, or a mounted share.
    Empty: `sitegen publish` needs --to."""

    @model_validator(mode="before")
    @classmethod
    def _no_secrets(cls, data: typing.Any) -> typing.Any:
        if isinstance(data, dict):
            for key in data:
                if key != "to" and _SECRET_KEY.search(str(key)):
                    where = ", ".join(f"{name} ({what})" for name, what in PUBLISH_SECRETS.items() if name != "AWS_ENDPOINT_URL")
                    raise ValueError(
                        f"'{key}': secrets never go in sitegen.toml, which is shared and often kept in git; "
                        f"`sitegen publish` reads them from the environment: {where}"
                    )
        return data

    @field_validator("to")
    @classmethod
    def _to(cls, value: str) -> str:
        if value:
            parse_destination(value)
        return value.strip()
