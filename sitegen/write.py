"""write_site(): write only changed bytes, atomically; remove only files an earlier build wrote."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISGID
from typing import BinaryIO

from .content import StaticFile
from .files import hold_lock, write_atomically, write_new_file
from .memo import kept

try:
    import fcntl
except ImportError:  # no flock (Windows): builds write from one process, as with --jobs 1
    fcntl = None  # type: ignore[assignment]

MANIFEST = ".sitegen-manifest.json"


@dataclass(frozen=True)
class Staged:
    """An output a render worker already wrote: to the staging folder, or found in place with the same bytes."""

    staged: str | None
    """The staged file, moved into place by write_site(); None when the output folder holds these bytes already."""
    size: int
    mtime_ns: int


class Stager:
    """Lets render workers write their outputs in parallel, without touching the output folder before the
    build succeeds: each output goes to a private staging folder beside it, and write_site() moves it in.

    The staging folder holds a lock (flock) for as long as its build runs, so a later build can tell
    a folder left by a killed build from a live one, even one in another container.
    """

    LOCK = ".lock"

    def __init__(self, output_dir: Path):
        self.output = os.fspath(output_dir)
        self.folder = os.path.join(os.path.dirname(os.path.abspath(self.output)), f"{staging_prefix(output_dir)}{os.getpid()}")
        self._lock: int | None = None
        self._output_existed = True

    @classmethod
    def beside(cls, output_dir: Path) -> "Stager | None":
        """A Stager for output_dir, or None when files staged beside it could not simply be renamed into it:
        another file system or mount (renaming fails), or an output folder whose files take another group
        than its parent's (setgid folders of a web server)."""
        if fcntl is None:
            return None
        stager = cls(output_dir)
        parent = os.path.dirname(stager.folder)
        try:
            if os.path.isdir(stager.output):
                inside, beside = os.stat(stager.output), os.stat(parent)
                if inside.st_mode & S_ISGID or inside.st_gid != beside.st_gid:
                    return None
            os.makedirs(stager.folder)
            stager._lock = hold_lock(os.path.join(stager.folder, cls.LOCK))
            if stager._lock is None:  # the folder is this process's own: only a failing platform gets here
                stager.remove()
                return None
            stager._output_existed = os.path.isdir(stager.output)  # else nothing in it can hold an output's bytes
            if stager._output_existed and not stager._can_rename_into_output():
                stager.remove()
                return None
        except OSError:
            stager.remove()
            return None
        return stager

    def _can_rename_into_output(self) -> bool:
        """Whether a file renames from the staging folder into the output folder (not so across mounts,
        even bind mounts of one disk)."""
        probe = os.path.join(self.folder, ".probe")
        target = os.path.join(self.output, f".sitegen-probe-{os.getpid()}")
        with open(probe, "wb"):
            pass
        try:
            os.rename(probe, target)
        except OSError:
            return False
        os.unlink(target)
        return True

    def place(self, path: str, data: bytes) -> Staged:
        """Stage one output (in a worker process): unless the output folder already holds exactly these bytes."""
        if self._output_existed:
            status = _holding(os.path.join(self.output, path), data)
            if status is not None:
                return Staged(None, status.st_size, status.st_mtime_ns)
        staged = os.path.join(self.folder, path)
        status = write_new_file(staged, data)
        return Staged(staged, status.st_size, status.st_mtime_ns)

    def remove(self) -> None:
        """Delete the staging folder and whatever is left in it (everything, when the build failed)."""
        shutil.rmtree(self.folder, ignore_errors=True)
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None


def staging_prefix(output_dir: Path) -> str:
    """Staging folders of output_dir are named this plus a process id, beside it."""
    return f".{os.path.basename(os.path.abspath(output_dir))}.staging-"


def remove_abandoned_staging(output_dir: Path) -> None:
    """Delete staging folders beside output_dir left by builds that were killed: nobody holds their lock."""
    parent, prefix = os.path.dirname(os.path.abspath(output_dir)), staging_prefix(output_dir)
    if fcntl is None:
        return
    try:
        names = [name for name in os.listdir(parent) if name.startswith(prefix) and name.removeprefix(prefix).isdigit()]
    except OSError:
        return
    for name in names:
        folder = os.path.join(parent, name)
        try:
            handle = os.open(os.path.join(folder, Stager.LOCK), os.O_RDWR | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            continue  # gone, being created this instant, or not ours
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue  # a live build holds it
        finally:
            os.close(handle)
        shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class WriteReport:
    """What write_site() did."""

    written: tuple[str, ...]
    """Paths whose bytes changed (or are new)."""
    unchanged: int
    """Files left as they were."""
    removed: tuple[str, ...]
    """Paths an earlier build wrote that this one no longer does."""
    files: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    """Path -> (size, mtime_ns) of each output file as written (write_site() only): the next build's `known`."""


@dataclass(frozen=True)
class WriteMemo:
    """What writing may reuse: the files it wrote, to tell them unchanged without reading them."""

    written: Mapping[str, Mapping[str, tuple[int, int]]] = kept()
    """Output folder -> path -> (size, mtime_ns) of each file written there."""


def write_site(
    output_dir: Path,
    rendered: dict[str, bytes | Staged | None],
    static: tuple[StaticFile, ...],
    *,
    reused: frozenset[str] = frozenset(),
    known: Mapping[str, tuple[int, int]] = {},  # noqa: B006 - read only
) -> WriteReport:
    """Bring output_dir to exactly rendered + static, touching only what differs.

    `known` maps paths this writer wrote before to their (size, mtime_ns) then (the last report's
    `files`); a `reused` output (same bytes as last time) whose file still has that size and time
    is not read again, as make and rsync judge files.
    """
    output_dir.mkdir(parents=True, exist_ok=True)
    known = dict(known)
    written: list[str] = []
    unchanged = 0
    folder = os.fspath(output_dir)
    moved = _move_new_folders(folder, rendered)
    for path, data in sorted(rendered.items()):
        if data is None:  # unchanged, and the caller checked the file is intact
            unchanged += 1
            continue
        target = os.path.join(folder, path)
        if isinstance(data, Staged):
            if data.staged is None:
                unchanged += 1
            else:
                if path not in moved:
                    _move(data.staged, target)
                written.append(path)
            known[path] = (data.size, data.mtime_ns)  # renaming keeps both
            continue
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
    removed = _prune_and_record(output_dir, set(rendered) | {f.path for f in static})
    return WriteReport(tuple(written), unchanged, tuple(removed), known)


def write_files(folder: Path, files: dict[str, bytes]) -> WriteReport:
    """Bring what we wrote into folder to exactly `files` (path -> bytes): changed files are written
    atomically, files an earlier call wrote and `files` no longer has are removed (the manifest says
    which), and nothing else in folder is touched. Nothing is created for no files and no earlier ones."""
    if not files and not (folder / MANIFEST).is_file():
        return WriteReport((), 0, ())
    written: list[str] = []
    for path, data in sorted(files.items()):
        if write_if_changed(folder / path, data)[0]:  # the atomic write makes missing folders
            written.append(path)
    removed = _prune_and_record(folder, set(files))
    return WriteReport(tuple(written), len(files) - len(written), tuple(removed))


def _prune_and_record(folder: Path, ours: set[str]) -> list[str]:
    """Remove what the manifest says an earlier build wrote and this one did not; record this one's paths."""
    digests = {path: manifest_digest(path) for path in ours}
    stale = read_manifest(folder) - set(digests.values())
    removed = prune(folder, _paths_of(folder, stale)) if stale else []
    manifest = {"blake2b-128": sorted(digests.values())}
    write_if_changed(folder / MANIFEST, (json.dumps(manifest, indent=0) + "\n").encode())
    return removed


def manifest_digest(path: str) -> str:
    """A path as the manifest keeps it. The manifest is published with the site (hosts serve what is
    in the output folder), so it names no page: it tells nothing a visitor could not learn by trying
    the URL itself, an unlisted offer's say."""
    return hashlib.blake2b(path.encode("utf-8"), digest_size=16).hexdigest()


def _paths_of(folder: Path, digests: set[str]) -> set[str]:
    """The files under folder whose paths have these digests (a walk, done only when some are stale)."""
    found = set()
    for parent, _, names in os.walk(folder):
        relative = os.path.relpath(parent, folder).replace(os.sep, "/")
        for name in names:
            path = name if relative == "." else f"{relative}/{name}"
            if manifest_digest(path) in digests:
                found.add(path)
    return found


def write_if_changed(target: Path | str, data: bytes) -> tuple[bool, os.stat_result]:
    """Write data to target atomically unless it already holds those bytes.

    Returns whether it wrote, and the file's status after.
    """
    name = os.fspath(target)
    stat = _holding(name, data)
    if stat is not None:
        return False, stat
    return True, write_atomically(name, data)


def _holding(target: str, data: bytes) -> os.stat_result | None:
    """target's status if it holds exactly data, else None (missing, or other bytes)."""
    try:
        status = os.stat(target)
        if status.st_size == len(data):
            with open(target, "rb") as file:
                if file.read() == data:
                    return status
    except (FileNotFoundError, NotADirectoryError):
        pass
    return None


def _move_new_folders(folder: str, rendered: dict[str, object]) -> set[str]:
    """Rename whole staged folders (posts/, tags/, ...) that the output folder does not have yet.

    On a first build that is one rename per top-level folder instead of one per file and folder.
    The staging folder holds only what this build's workers staged, and every staged file is in
    `rendered` (a build with a failed output stops before writing), so the folder is moved unseen.
    Returns the paths moved that way.
    """
    groups: dict[tuple[str, str], list[str]] = {}
    for path, data in rendered.items():
        if isinstance(data, Staged) and data.staged is not None and "/" in path:
            top = path.split("/", 1)[0]
            stage_root = data.staged[: len(data.staged) - len(path)]
            groups.setdefault((stage_root, top), []).append(path)
    moved: set[str] = set()
    for (stage_root, top), paths in groups.items():
        target = os.path.join(folder, top)
        if os.path.lexists(target):
            continue
        os.rename(os.path.join(stage_root, top), target)
        moved.update(paths)
    return moved


def _move(source: str, target: str) -> None:
    """Rename source over target, making target's folders when missing."""
    try:
        os.replace(source, target)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.replace(source, target)


def copy_if_changed(source: Path, target: Path) -> bool:
    """Copy source over target atomically unless both hold the same bytes."""
    try:
        if target.stat().st_size == source.stat().st_size and _same_bytes(source, target):
            return False
    except (FileNotFoundError, NotADirectoryError):
        pass

    def copy(file: BinaryIO) -> None:
        with source.open("rb") as handle:
            shutil.copyfileobj(handle, file, 1 << 20)

    write_atomically(target, copy)
    return True


def _same_bytes(a: Path, b: Path, chunk: int = 1 << 20) -> bool:
    with a.open("rb") as fa, b.open("rb") as fb:
        while True:
            block = fa.read(chunk)
            if block != fb.read(chunk):
                return False
            if not block:
                return True


def read_manifest(output_dir: Path) -> set[str]:
    """The digests (manifest_digest) of the paths the last build wrote; empty when there is no readable manifest."""
    try:
        data = json.loads((output_dir / MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError, UnicodeDecodeError):
        return set()
    if isinstance(data, list):  # written by sitegen before manifests kept digests: a list of paths
        return {manifest_digest(p) for p in data if isinstance(p, str)}
    digests = data.get("blake2b-128") if isinstance(data, dict) else None
    return {d for d in digests if isinstance(d, str)} if isinstance(digests, list) else set()


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
