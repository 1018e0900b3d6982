"""What is in the site and what is at the destination: each file's size and content hash.

The destination keeps a manifest (MANIFEST, a JSON file beside the site it lists) of every file
`sitegen publish` put there; nothing else there is ever replaced or removed. Hosts serve it with the
site, so, like the build's own manifest (write.manifest_digest), it names each file by a digest of its
path, not the path: it tells nobody the address of an unlisted offer. The paths of files to remove
are known here (the site's, and those the last publish sent, in the publish memo); a digest known
nowhere is looked for at the destination (Store.find).

The local side is the output folder, hashed file by file; the publish memo remembers each file's hash
by its size, time and inode, so a publish after a one-post edit reads only the files that build rewrote.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Problem, SitegenError
from ..memo import kept
from ..write import manifest_digest

MANIFEST = ".sitegen-publish.json"
"""The destination's manifest, at the top of the published folder (or prefix)."""
FORMAT = 1


@dataclass(frozen=True)
class Entry:
    """One file: its size and the SHA-256 of its bytes (hex); digest None while an upload of it is under
    way (the file at the destination may be the old one, the new one or missing: the next publish sends it)."""

    size: int
    digest: str | None


def render_manifest(files: Mapping[str, Entry]) -> bytes:
    """The manifest's bytes (files: path -> entry): JSON, one file a line, by the digest of its path."""
    lines = sorted(f'"{path_digest(path)}": [{entry.size}, {json.dumps(entry.digest)}]' for path, entry in files.items())
    return ('{"generator": "sitegen publish", "format": 1, "path": "blake2b-128", "hash": "sha256", "files": {\n' + ",\n".join(lines) + "\n}}\n").encode("utf-8")


def parse_manifest(data: bytes | None, where: str) -> dict[str, Entry]:
    """The files a manifest lists, by the digest of their path (none when there is no manifest yet); an
    unreadable one is an error: without it sitegen cannot tell its files from the owner's."""
    if data is None:
        return {}
    try:
        parsed = json.loads(data)
        if parsed.get("format") != FORMAT:
            raise ValueError(f"format {parsed.get('format')!r}, expected {FORMAT}")
        files = {
            key: Entry(int(size), digest if isinstance(digest, str) else None)
            for key, (size, digest) in parsed["files"].items()
            if isinstance(key, str) and re.fullmatch("[0-9a-f]{32}", key)
        }
    except (ValueError, TypeError, KeyError, AttributeError, UnicodeDecodeError) as error:
        raise SitegenError(
            [Problem(where, message=f"{MANIFEST} is unreadable ({error}): it lists what sitegen published there, so nothing was changed",
                     hint="if it was damaged, delete it; the next publish then asks to take over the files it finds (--take-over)")],
            nothing_written=False,
        ) from None
    return files


def path_digest(path: str) -> str:
    """How the manifest names a path: the digest the build's manifest uses too."""
    return manifest_digest(path)


@dataclass(frozen=True)
class PublishMemo:
    """What publishing may reuse from the last time: the hashes of the output files."""

    digests: Mapping[str, Mapping[str, tuple[int, int, int, str]]] = kept()
    """Output folder -> path -> (size, mtime_ns, inode, SHA-256) of each file hashed there."""
    sent: Mapping[str, tuple[str, ...]] = kept()
    """Destination address -> the paths the last publish there left in its manifest: the names of the
    files a later publish may have to remove, which the manifest keeps only as digests."""


@dataclass(frozen=True)
class PublishMemos:
    """The memos of `sitegen publish`, as cache.DiskCache stores them."""

    publish: PublishMemo = field(default_factory=PublishMemo)


def published(name: str) -> bool:
    """Whether a file or folder name is ever published: dotfiles never are (.sitegen-manifest.json, the
    build's own record; .nojekyll, for hosts that deploy from git; editors' and systems' files)."""
    return not name.startswith(".")


def scan_site(folder: Path, memo: PublishMemo) -> tuple[dict[str, Entry], PublishMemo]:
    """Every file under the output folder that is published, with its size and hash; hashes of files
    whose size, time and inode are those of last time are taken from the memo."""
    key = str(folder.resolve())
    known = memo.digests.get(key, {})
    found: dict[str, Entry] = {}
    seen: dict[str, tuple[int, int, int, str]] = {}
    pending = [(os.fspath(folder), "")]
    while pending:
        directory, prefix = pending.pop()
        with os.scandir(directory) as entries:
            for item in entries:
                if not published(item.name):
                    continue
                path = prefix + item.name
                if item.is_dir(follow_symlinks=True):
                    pending.append((item.path, path + "/"))
                    continue
                status = item.stat()
                record = known.get(path)
                if record is None or record[:3] != (status.st_size, status.st_mtime_ns, status.st_ino):
                    record = (status.st_size, status.st_mtime_ns, status.st_ino, hash_file(item.path))
                seen[path] = record
                found[path] = Entry(record[0], record[3])
    return dict(sorted(found.items())), PublishMemo({**memo.digests, key: seen}, memo.sent)


def hash_file(path: str) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()
