"""write_site(): write only changed bytes, atomically; remove only files an earlier build wrote."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from .content import StaticFile

MANIFEST = ".sitegen-manifest.json"


@dataclass(frozen=True)
class WriteReport:
    """What write_site() did."""

    written: tuple[str, ...]
    """Paths whose bytes changed (or are new)."""
    unchanged: int
    """Files left as they were."""
    removed: tuple[str, ...]
    """Paths an earlier build wrote that this one no longer does."""


def write_site(
    output_dir: Path,
    rendered: dict[str, bytes | None],
    static: tuple[StaticFile, ...],
    *,
    reused: frozenset[str] = frozenset(),
    known: dict[str, tuple[int, int]] | None = None,
) -> WriteReport:
    """Bring output_dir to exactly rendered + static, touching only what differs.

    `known` maps paths this writer wrote before to their (size, mtime_ns) then; a `reused` output
    (same bytes as last time) whose file still has that size and time is not read again, as make
    and rsync judge files. It is updated in place.
    """
    output_dir.mkdir(parents=True, exist_ok=True)
    known = known if known is not None else {}
    written: list[str] = []
    unchanged = 0
    folder = os.fspath(output_dir)
    for path, data in sorted(rendered.items()):
        if data is None:  # unchanged, and the caller checked the file is intact
            unchanged += 1
            continue
        target = os.path.join(folder, path)
        if path in reused and path in known:
            try:
                stat = os.stat(target)
                if (stat.st_size, stat.st_mtime_ns) == known[path]:
                    unchanged += 1
                    continue
            except OSError:
                pass
        changed, stat = write_if_changed(target, data)
        if changed:
            written.append(path)
        else:
            unchanged += 1
        known[path] = (stat.st_size, stat.st_mtime_ns)
    for path in set(known) - set(rendered):
        del known[path]
    for file in static:
        if copy_if_changed(file.source, output_dir / file.path):
            written.append(file.path)
        else:
            unchanged += 1
    ours = set(rendered) | {f.path for f in static}
    removed = prune(output_dir, read_manifest(output_dir) - ours)
    write_if_changed(output_dir / MANIFEST, (json.dumps(sorted(ours), indent=0) + "\n").encode())
    return WriteReport(tuple(written), unchanged, tuple(removed))


def write_if_changed(target: Path | str, data: bytes) -> tuple[bool, os.stat_result]:
    """Write data to target atomically (temporary file + rename) unless it already holds those bytes.

    Returns whether it wrote, and the file's status after. Plain os calls: a cold build writes
    thousands of files, and pathlib's and tempfile's conveniences were a third of the writing time.
    """
    name = os.fspath(target)
    try:
        stat = os.stat(name)
        if stat.st_size == len(data):
            with open(name, "rb") as file:
                if file.read() == data:
                    return False, stat
    except (FileNotFoundError, NotADirectoryError):
        pass
    handle, temporary = _open_temporary(name)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(handle, view) :]
            stat = os.fstat(handle)  # the mtime is final: renaming does not change it
        finally:
            os.close(handle)
        os.replace(temporary, name)
    except BaseException:
        _unlink_quietly(temporary)
        raise
    return True, stat


def copy_if_changed(source: Path, target: Path) -> bool:
    """Copy source over target atomically unless both hold the same bytes."""
    try:
        if target.stat().st_size == source.stat().st_size and _same_bytes(source, target):
            return False
    except (FileNotFoundError, NotADirectoryError):
        pass
    handle, temporary = _open_temporary(os.fspath(target))
    os.close(handle)
    try:
        shutil.copyfile(source, temporary)
        os.replace(temporary, target)
    except BaseException:
        _unlink_quietly(temporary)
        raise
    return True


def _open_temporary(target: str) -> tuple[int, str]:
    """A new, empty file (mode 644) beside target to write it into; target's folders are made when missing."""
    folder, name = os.path.split(target)
    temporary = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    try:
        handle = os.open(temporary, flags, 0o644)
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)
        handle = os.open(temporary, flags, 0o644)
    except FileExistsError:  # left by a killed build that had this process id
        os.unlink(temporary)
        handle = os.open(temporary, flags, 0o644)
    os.fchmod(handle, 0o644)  # whatever the umask: a site is meant to be read by the web server
    return handle, temporary


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _same_bytes(a: Path, b: Path, chunk: int = 1 << 20) -> bool:
    with a.open("rb") as fa, b.open("rb") as fb:
        while True:
            block = fa.read(chunk)
            if block != fb.read(chunk):
                return False
            if not block:
                return True


def read_manifest(output_dir: Path) -> set[str]:
    """The paths the last build wrote (empty when there is no readable manifest)."""
    try:
        paths = json.loads((output_dir / MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError, UnicodeDecodeError):
        return set()
    return {p for p in paths if isinstance(p, str)} if isinstance(paths, list) else set()


def prune(output_dir: Path, stale: set[str]) -> list[str]:
    """Remove stale files we wrote before, then any folders that left empty; never follow a path outside."""
    removed = []
    root = output_dir.resolve()
    for path in sorted(stale):
        target = (output_dir / path).resolve()
        if root not in target.parents or not target.is_file():
            continue
        target.unlink()
        removed.append(path)
        parent = target.parent
        while parent != root:
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent
    return removed
