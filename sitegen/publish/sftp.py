"""sftp://user@host[:port]/path: a folder on a server reached over SSH (paramiko), for the shared hosts
and small servers most small businesses have.

The server must be one the owner's known_hosts already knows: an unknown host key is refused with its
fingerprint and the command that accepts it, a changed one as a possible attack; never accepted silently.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import io
import posixpath
import socket
import stat
from collections.abc import Callable, Sequence
from pathlib import Path

import paramiko

from ..errors import Problem, SitegenError
from ..hosting import Destination
from .manifest import path_digest, published
from .sync import Upload

TIMEOUT = 15.0
"""Seconds to wait for the server to answer, before saying it cannot be reached."""
PART = ".sitegen-upload"
"""An upload is written beside its file as .<name>.sitegen-upload, then renamed over it."""


class _UnknownHostKey(Exception):
    def __init__(self, key: paramiko.PKey) -> None:
        self.key = key


class _Refuse(paramiko.MissingHostKeyPolicy):
    """Refuse a server whose key known_hosts lacks, keeping its key to show the owner."""

    def missing_host_key(self, client, hostname, key):
        raise _UnknownHostKey(key)


def fingerprint(key: paramiko.PKey) -> str:
    """A key's fingerprint as OpenSSH shows it (SHA256:...)."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(key.asbytes()).digest()).decode().rstrip("=")


def connect_sftp(destination: Destination, environment: dict[str, str], known_hosts: Sequence[Path], key_files: Sequence[Path]) -> "SftpFolder":
    """Log in and open the SFTP session; SitegenError with one clear problem when that fails."""
    address = str(destination)

    def fail(message: str, hint: str | None = None) -> SitegenError:
        return SitegenError([Problem(address, message=message + "; nothing was changed", hint=hint)], nothing_written=False)

    host, port, user = destination.host, destination.port, destination.user
    ssh = f"ssh -p {port} {user}@{host}" if port != 22 else f"ssh {user}@{host}"
    client = paramiko.SSHClient()
    for path in known_hosts:
        if path.is_file():
            client.load_system_host_keys(str(path))  # read only: sitegen never adds a key by itself
    client.set_missing_host_key_policy(_Refuse())
    password = environment.get("SITEGEN_SSH_PASSWORD")
    tried = ["your SSH agent's keys"] if environment.get("SSH_AUTH_SOCK") else []
    pkey = None
    if environment.get("SITEGEN_SSH_KEY"):
        pkey = _load_key(environment["SITEGEN_SSH_KEY"], environment.get("SITEGEN_SSH_KEY_PASSPHRASE"), fail)
        tried.append("the key in SITEGEN_SSH_KEY")
    files = [str(path) for path in key_files if path.is_file()]
    if files:
        tried.append(" and ".join(Path(path).name for path in files))
    if password:
        tried.append("the password in SITEGEN_SSH_PASSWORD")
    try:
        client.connect(
            host, port, user, password=password, pkey=pkey, key_filename=files or None, passphrase=environment.get("SITEGEN_SSH_KEY_PASSPHRASE"),
            allow_agent=bool(environment.get("SSH_AUTH_SOCK")), look_for_keys=False,
            timeout=TIMEOUT, banner_timeout=TIMEOUT, auth_timeout=TIMEOUT, channel_timeout=TIMEOUT,
        )
    except _UnknownHostKey as unknown:
        client.close()
        raise fail(
            f"the server's host key is not in your known_hosts, so sitegen cannot tell that it is really {host}",
            f"its {unknown.key.get_name()} key has the fingerprint {fingerprint(unknown.key)}: if your host's control panel or "
            f"support shows the same, accept it by connecting once with `{ssh}` and answering yes, then publish again",
        ) from None
    except paramiko.BadHostKeyException as bad:
        client.close()
        name = f"[{host}]:{port}" if port != 22 else host
        raise fail(
            f"the server's host key ({fingerprint(bad.key)}) is not the one your known_hosts has for {host}: someone may be "
            "between you and your server, or the server was reinstalled",
            f"ask your host whether its key changed; if it did, remove the old one with `ssh-keygen -R '{name}'` and connect once with `{ssh}`",
        ) from None
    except paramiko.AuthenticationException:
        client.close()
        means = ", ".join(tried) if tried else "nothing: no key and no password was given"
        raise fail(
            f"the server refused the login of '{user}' (tried {means})",
            "check the user name; put the key your host accepts in your SSH agent or in SITEGEN_SSH_KEY (a path, or the key itself), "
            "or the password in SITEGEN_SSH_PASSWORD",
        ) from None
    except socket.gaierror:
        client.close()
        raise fail(f"could not find the server '{host}'", "check the host name in the address") from None
    except (OSError, paramiko.SSHException, EOFError) as error:
        client.close()
        causes = list(getattr(error, "errors", {}).values())  # paramiko's NoValidConnectionsError: one per address tried
        reason = getattr(causes[0] if causes else error, "strerror", None) or str(error) or type(error).__name__
        raise fail(f"could not reach {host} on port {port} ({reason})", "check the host and port, and that you are online") from None
    try:
        sftp = client.open_sftp()
        sftp.get_channel().settimeout(TIMEOUT * 4)
    except (OSError, paramiko.SSHException) as error:
        client.close()
        raise fail(f"the server let '{user}' in but offers no SFTP ({error})", "ask your host to enable SFTP for this account") from None
    return SftpFolder(client, sftp, destination, address)


def _load_key(value: str, passphrase: str | None, fail) -> paramiko.PKey:
    """SITEGEN_SSH_KEY: the key itself (as CI secrets hold it) or the path of its file."""
    try:
        if value.lstrip().startswith("-----BEGIN"):
            for kind in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
                try:
                    return kind.from_private_key(io.StringIO(value.strip() + "\n"), passphrase)
                except paramiko.PasswordRequiredException:
                    raise
                except paramiko.SSHException:
                    continue
            raise paramiko.SSHException("not an Ed25519, ECDSA or RSA private key")
        return paramiko.PKey.from_path(value, passphrase)
    except paramiko.PasswordRequiredException:
        raise fail("the key in SITEGEN_SSH_KEY has a passphrase", "give it in SITEGEN_SSH_KEY_PASSPHRASE, or add the key to your SSH agent") from None
    except (OSError, ValueError, paramiko.SSHException) as error:
        raise fail(f"could not read the key in SITEGEN_SSH_KEY ({getattr(error, 'strerror', None) or error})", "give the path of a private key file, or the key's text") from None


class SftpFolder:
    """A folder on an SFTP server; each file is written beside its place and renamed over it."""

    def __init__(self, client: paramiko.SSHClient, sftp: paramiko.SFTPClient, destination: Destination, address: str) -> None:
        self.client, self.sftp, self.address = client, sftp, address
        home = sftp.normalize(".")
        self.root = destination.path if destination.path.startswith("/") else posixpath.join(home, destination.path)
        self._folders: set[str] = set()
        """Folders known to exist."""
        parent = posixpath.dirname(self.root)
        if not (self._is_folder(self.root) or self._is_folder(parent)):
            raise self._error(f"neither {self.root} nor its parent folder {parent} exists on the server", "check the path; /~/folder is a folder in your login folder")

    def _error(self, message: str, hint: str | None = None) -> SitegenError:
        return SitegenError([Problem(self.address, message=message, hint=hint)], nothing_written=False)

    def _failed(self, action: str, path: str, error: OSError) -> SitegenError:
        if isinstance(error, PermissionError) or error.errno == errno.EACCES:
            return self._error(f"could not {action} {path}: permission denied", "check that this user may write to the folder")
        return self._error(f"could not {action} {path}: {error.strerror or error}")

    def _place(self, path: str) -> str:
        return posixpath.join(self.root, path)

    def _is_folder(self, folder: str) -> bool:
        if folder in self._folders:
            return True
        try:
            if not stat.S_ISDIR(self.sftp.stat(folder).st_mode or 0):
                return False
        except OSError:
            return False
        self._folders.add(folder)
        return True

    def _make_folder(self, folder: str) -> None:
        if folder in self._folders or folder in ("", "/"):
            return
        self._make_folder(posixpath.dirname(folder))
        try:
            self.sftp.mkdir(folder, 0o755)
        except OSError:
            if not self._is_folder(folder):  # it exists already, or cannot be made: say which
                raise
        self._folders.add(folder)

    def read(self, path: str) -> bytes | None:
        try:
            with self.sftp.open(self._place(path), "rb") as file:
                file.prefetch()
                return file.read()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise self._failed("read", path, error) from None

    def existing(self, paths: Sequence[str]) -> set[str]:
        listed: dict[str, set[str]] = {}
        found = set()
        for path in paths:
            folder, name = posixpath.split(self._place(path))
            if folder not in listed:
                try:
                    listed[folder] = set(self.sftp.listdir(folder))
                except OSError:
                    listed[folder] = set()
            if name in listed[folder]:
                found.add(path)
        return found

    def find(self, digests: set[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        folders = [""]
        while folders:
            relative = folders.pop()
            try:
                entries = self.sftp.listdir_attr(posixpath.join(self.root, relative) if relative else self.root)
            except OSError:
                continue
            for item in entries:
                if not published(item.filename):
                    continue
                path = f"{relative}/{item.filename}" if relative else item.filename
                if stat.S_ISDIR(item.st_mode or 0):
                    folders.append(path)
                elif (digest := path_digest(path)) in digests:
                    found[digest] = path
        return found

    def _put(self, path: str, file: io.BufferedIOBase, size: int) -> None:
        place = self._place(path)
        folder, name = posixpath.split(place)
        part = posixpath.join(folder, f".{name}{PART}")
        try:
            self._make_folder(folder)
            self.sftp.putfo(file, part, file_size=size, confirm=False)
            self.sftp.posix_rename(part, place)  # OpenSSH's posix-rename@openssh.com: replaces the file at once
        except OSError as error:
            raise self._failed("write", path, error) from None

    def upload(self, files: Sequence[Upload], done: Callable[[Upload], None]) -> None:
        for upload in files:
            with open(upload.source, "rb") as file:
                self._put(upload.path, file, upload.source.stat().st_size)
            done(upload)

    def write(self, path: str, data: bytes) -> None:
        self._put(path, io.BytesIO(data), len(data))

    def delete(self, paths: Sequence[str]) -> None:
        for path in paths:
            place = self._place(path)
            folder, name = posixpath.split(place)
            for target in (place, posixpath.join(folder, f".{name}{PART}")):  # and what a killed upload left
                try:
                    self.sftp.remove(target)
                except FileNotFoundError:
                    pass
                except OSError as error:
                    if target == place:
                        raise self._failed("delete", path, error) from None
            while folder != self.root and folder.startswith(self.root + "/"):
                try:
                    self.sftp.rmdir(folder)  # only when empty: the owner's files keep their folder
                except OSError:
                    break
                self._folders.discard(folder)
                folder = posixpath.dirname(folder)

    def close(self) -> None:
        self.sftp.close()
        self.client.close()
