"""The on-disk cache: each step's memo (memo.py), stored between commands and loaded again.

A cache only ever saves work: every memo entry is keyed by everything its value depends on, so a
build with a cache gives exactly the bytes a clean build gives (tests/test_incremental.py). This
module stores and loads memos by what their fields declare (per content file, saved or not, shared
by every base URL or not) and knows no step's fields: a new step's memo needs nothing here.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import pickle
import zlib
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from .files import write_atomically
from .memo import is_per_file, is_saved, is_shared, source_path_of

CACHE_DIR = ".sitegen-cache"
"""The cache folder, in the site folder beside output/."""
SHARDS = 16
"""Entries kept per content file are split by source path into this many files of each kind, so a
build that re-parsed one file rewrites two small files, not all of them (70 MB for 10,000 posts)."""
FORMAT = 8
SHARED_FILES, DERIVED_FILES = "files", "derived"
"""How the files kept per content file are named (files-NN.pickle, derived-NN.pickle): those of memos
that are the same under any settings and base URL, and the rest."""
SHARED_FILE = "shared.pickle"
"""What shared memos keep that is not per content file."""
BUILD_FILE = "build.pickle"
"""What is saved that is not kept per content file (render records, written files, QR codes, settings)."""

M = TypeVar("M")


@functools.cache
def cache_versions() -> dict[str, str]:
    """Everything whose version changes what a cached value would be."""
    import sys

    import feedgen.version
    import jinja2
    import markdown
    import pydantic
    import pygments

    from .version import __version__

    # The versions of the code that runs, from the modules themselves: asking importlib.metadata
    # scans every installed package's metadata (7 ms, and 18 ms to import it), so it is only the
    # fallback for a module that stops carrying its version.
    return {
        "format": str(FORMAT),
        "sitegen": f"{__version__}+{_code_digest()}",
        "python": sys.version.split()[0],
        "markdown": _module_version(markdown) or _distribution_version("markdown"),
        "pygments": _module_version(pygments) or _distribution_version("pygments"),
        "pyyaml": _unimported_version("yaml") or _distribution_version("pyyaml"),
        "pydantic": _module_version(pydantic, "VERSION") or _distribution_version("pydantic"),
        "jinja2": _module_version(jinja2) or _distribution_version("jinja2"),
        "feedgen": _module_version(feedgen.version, "version_str") or _distribution_version("feedgen"),
        "segno": _unimported_version("segno") or _distribution_version("segno"),  # QR codes are kept (campaign.py)
    }


def _code_digest() -> str:
    """A digest of sitegen's own modules (name, size, modification time): a cache made by other code
    is rebuilt even when the version number did not change (a development checkout, a reinstall)."""
    import hashlib

    folder = os.path.dirname(__file__)
    entries = sorted((entry.name, entry.stat().st_size, entry.stat().st_mtime_ns) for entry in os.scandir(folder) if entry.name.endswith(".py"))
    return hashlib.blake2b(repr(entries).encode(), digest_size=6).hexdigest()


def _module_version(module: object, attribute: str = "__version__") -> str | None:
    """The version a module defines itself, if it does. Read from its namespace, not with getattr:
    a module-level __getattr__ may serve a deprecated attribute with a warning (Jinja 3.2)."""
    value = vars(module).get(attribute)
    return value if isinstance(value, str) else None


def _distribution_version(distribution: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "?"


def _unimported_version(package: str) -> str | None:
    """A package's __version__, read from its __init__.py without running it unless it already ran:
    PyYAML takes 10 ms to import and segno 50 ms, and a rebuild that changes nothing does without them."""
    import importlib.util
    import re
    import sys

    if package in sys.modules:
        return _module_version(sys.modules[package])
    spec = importlib.util.find_spec(package)
    try:
        with open(spec.origin, encoding="utf-8") as file:  # type: ignore[union-attr, arg-type]
            match = re.search(r"""^__version__\s*=\s*['"]([^'"]+)['"]""", file.read(), re.M)
    except (AttributeError, TypeError, OSError):  # no such package, or no source file
        return None
    return match.group(1) if match else None


class DiskCache:
    """A cache folder: the memos saved there, and saving new ones file by file.

    Files: per content file, "files-NN.pickle" (memos that are the same under any settings and
    base URL: parsed documents) and "derived-NN.pickle" (what a build made of each file under its
    settings); the rest of what is saved in "build.pickle". `variant` names a subfolder for the
    files that depend on the settings and base URL: the dev server keeps its own there, so it and
    `sitegen build` never evict each other's; the shared files stay in the folder itself.
    """

    def __init__(self, folder: Path, variant: str | None = None) -> None:
        self.folder = Path(folder)
        self.variant = variant
        self._on_disk: dict[str, dict[str, dict]] = {}
        """File name -> what it holds now (as loaded or last saved): a file whose part did not change is left alone."""

    def load(self, kind: type[M]) -> tuple[M, tuple[str, ...]]:
        """The memos saved here, as a `kind` (a dataclass of memos); each unusable file is left
        out, with a warning saying why."""
        layout = _layout(kind)
        found: dict[str, dict[str, dict]] = {}
        warnings: list[str] = []
        outdated: dict[str, list[Path]] = {}  # what made them -> the files: after an upgrade, every file at once
        for name, expected in layout.items():
            path = self._location(name)
            try:
                with path.open("rb") as file:
                    header = pickle.load(file)
                    if not isinstance(header, dict) or header != cache_versions():
                        outdated.setdefault(_describe(header), []).append(path)
                        continue
                    state = pickle.load(file)
                if not isinstance(state, dict) or set(state) != expected:
                    raise ValueError(f"holds {sorted(state) if isinstance(state, dict) else type(state).__name__}, expected {sorted(expected)}")
            except FileNotFoundError:
                continue
            except Exception as error:  # noqa: BLE001 - a cache must never break a build: any damage means "start over"
                warnings.append(f"{path}: unreadable ({type(error).__name__}: {error}); ignoring it and rebuilding")
                continue
            found[name] = state
        self._on_disk = dict(found)
        for made_by, paths in outdated.items():
            where = str(paths[0]) if len(paths) == 1 else f"{self.folder}{os.sep} ({len(paths)} files)"
            warnings.append(f"{where}: made by other versions ({made_by}); rebuilding {'it' if len(paths) == 1 else 'them'}")

        merged: dict[str, dict] = {}
        for state in found.values():
            for place, entries in state.items():
                if place in merged:
                    merged[place].update(entries)
                else:
                    merged[place] = dict(entries)
        memos = {}
        for step in dataclasses.fields(kind):  # type: ignore[arg-type]
            memo_type = _type_of(kind, step)
            memos[step.name] = memo_type(**{f.name: merged[f"{step.name}.{f.name}"] for f in dataclasses.fields(memo_type) if f"{step.name}.{f.name}" in merged})
        return kind(**memos), tuple(warnings)

    def save(self, memos: Any) -> None:
        """Write the memos atomically, file by file; fields that are not saved stay behind.

        A file whose part nothing changed is left alone: writing 80 MB for 10,000 posts costs half a second.
        """
        for name, state in _parts(memos).items():
            path = self._location(name)
            before = self._on_disk.get(name)
            if before is not None and _same(before, state) and path.is_file():
                continue
            if before is None and not any(state.values()) and not path.exists():
                continue  # an empty shard that never held anything
            prepare_cache_folder(self.folder)
            write_atomically(path, functools.partial(_pickle_part, state), mode=0o600)
            self._on_disk[name] = state

    def _location(self, name: str) -> Path:
        """Where the cache file `name` is kept: in the folder if it is shared, else in the variant's subfolder."""
        shared = name.startswith(SHARED_FILES + "-") or name == SHARED_FILE
        return self.folder / name if self.variant is None or shared else self.folder / self.variant / name


def _type_of(kind: type, field: dataclasses.Field) -> type:
    """A memo field's class (annotations are strings under `from __future__ import annotations`)."""
    default = field.default_factory if field.default_factory is not dataclasses.MISSING else None  # type: ignore[misc]
    if isinstance(default, type):
        return default
    raise TypeError(f"{kind.__name__}.{field.name}: a memo field needs default_factory=<its memo class>")


def _file_of(memo_type: type, field: dataclasses.Field) -> str:
    """The cache file a field is kept in; for a per-file field, the start of its files' names."""
    if is_per_file(field):
        return SHARED_FILES if is_shared(memo_type) else DERIVED_FILES
    return SHARED_FILE if is_shared(memo_type) else BUILD_FILE


def _saved_fields(kind: type) -> list[tuple[str, type, dataclasses.Field]]:
    """(place name "step.field", memo class, field) of every saved field of a dataclass of memos."""
    return [
        (f"{step.name}.{field.name}", memo_type, field)
        for step in dataclasses.fields(kind)  # type: ignore[arg-type]
        for memo_type in (_type_of(kind, step),)
        for field in dataclasses.fields(memo_type)
        if is_saved(field)
    ]


@functools.cache
def _layout(kind: type) -> dict[str, frozenset[str]]:
    """Cache file name -> the places ("step.field") it holds."""
    layout: dict[str, set[str]] = {}
    for place, memo_type, field in _saved_fields(kind):
        if is_per_file(field):
            names = [f"{_file_of(memo_type, field)}{_shard_suffix(shard)}" for shard in range(SHARDS)]
        else:
            names = [_file_of(memo_type, field)]
        for name in names:
            layout.setdefault(name, set()).add(place)
    return {name: frozenset(places) for name, places in layout.items()}


def _parts(memos: Any) -> dict[str, dict[str, dict]]:
    """What each cache file holds: per content file by shard, the rest whole."""
    kind = type(memos)
    parts: dict[str, dict[str, dict]] = {name: {place: {} for place in places} for name, places in _layout(kind).items()}
    shards: dict[str, str] = {}  # source path -> its shard's suffix
    for place, memo_type, field in _saved_fields(kind):
        step, name = place.split(".")
        entries = getattr(getattr(memos, step), name)
        if not is_per_file(field):
            parts[_file_of(memo_type, field)][place] = entries
            continue
        prefix = _file_of(memo_type, field)
        for key, value in entries.items():
            source_path = source_path_of(key)
            suffix = shards.get(source_path)
            if suffix is None:
                suffix = shards[source_path] = _shard_suffix(zlib.crc32(source_path.encode("utf-8")) % SHARDS)
            parts[prefix + suffix][place][key] = value
    return parts


def files_of(source_path: str) -> tuple[str, str]:
    """The two cache files that keep what is kept for one content file: its parsed document's, and
    what the build made of it."""
    suffix = _shard_suffix(zlib.crc32(source_path.encode("utf-8")) % SHARDS)
    return SHARED_FILES + suffix, DERIVED_FILES + suffix


def _shard_suffix(shard: int) -> str:
    return f"-{shard:02d}.pickle"


def _same(before: dict[str, dict], after: dict[str, dict]) -> bool:
    """Whether a file's places hold the entries they held: the same objects (values reused from the
    last build), or equal ones."""
    for place, new in after.items():
        old = before.get(place)
        if old is new:
            continue
        if old is None or old.keys() != new.keys():
            return False
        for key, value in new.items():
            earlier = old[key]
            if earlier is not value and earlier != value:
                return False
    return True


def _pickle_part(state: dict[str, Any], file: BinaryIO) -> None:
    """One cache file: the versions it was made by, then its part of the memos."""
    pickle.dump(cache_versions(), file, protocol=5)
    pickle.dump(state, file, protocol=5)


def prepare_cache_folder(folder: Path) -> None:
    """Make the cache folder, with a .gitignore that keeps all of it out of version control."""
    folder.mkdir(parents=True, exist_ok=True)
    gitignore = folder / ".gitignore"
    if not gitignore.exists():
        gitignore.write_text("# sitegen's cache: safe to delete\n*\n", encoding="utf-8")


def versions_digest() -> str:
    """A short digest of cache_versions(), to name folders of version-bound files."""
    import hashlib
    import json

    return hashlib.blake2b(json.dumps(cache_versions(), sort_keys=True).encode(), digest_size=6).hexdigest()


def _describe(header: object) -> str:
    if not isinstance(header, dict):
        return "not a sitegen cache"
    mine = cache_versions()
    return ", ".join(f"{key} {header.get(key)} here {mine[key]}" for key in mine if header.get(key) != mine[key])
