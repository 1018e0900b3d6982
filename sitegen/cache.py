"""What a build may reuse from earlier builds: parsed documents and rendered outputs.

A cache only ever saves work: every entry is keyed by everything its value depends on, so a
build with a cache gives exactly the bytes a clean build gives (tests/test_incremental.py).
"""

from __future__ import annotations

import dataclasses
import functools
import os
import pickle
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from .files import write_atomically


@dataclass(frozen=True)
class RenderRecord:
    """One output's last rendering and what it depended on."""

    global_key: bytes
    """The settings, theme and sitegen version it was rendered under."""
    own: bytes
    """Fingerprint of the Output itself (its item, page of posts, head)."""
    reads: tuple[tuple[tuple, bytes], ...]
    """Each site value and template the render read, with its fingerprint then."""
    data: bytes | None
    """None when loaded from disk: the file in the output folder holds the bytes."""


@dataclass
class Cache:
    """Mutable by design, and passed explicitly: one per dev server, or loaded from disk per command."""

    documents: dict[tuple, Any] = field(default_factory=dict)
    """(source path, kind, content hash, time zone) -> Document, or the SitegenError it raised."""
    stats: dict[str, tuple] = field(default_factory=dict)
    """Source path -> ((size, mtime, ctime, inode), content hash): a file with the same status is not read again."""
    settings: dict[tuple[str, str | None], Any] = field(default_factory=dict)
    """(sitegen.toml's text, --base-url) -> the Settings validated from them."""
    items: dict[str, tuple] = field(default_factory=dict)
    """Source path -> (document, settings, link targets, an offer's phase, the Post/Page/Offer made of them)."""
    digests: dict[int, tuple[Any, bytes]] = field(default_factory=dict)
    """id -> (object, digest) of values digested last build; reused objects keep their digest."""
    heads: dict[tuple, Any] = field(default_factory=dict)
    """(source path, kind, item origin, digest of settings and feed links) -> the item page's Head."""
    plan_parts: dict[tuple, tuple] = field(default_factory=dict)
    """What plan_outputs() made last build (outputs, lists of outputs, feed links), with what they were made of."""
    outputs: dict[str, Any] = field(default_factory=dict)
    """Output path -> last build's Output, reused when the new one is equal."""
    renders: dict[str, RenderRecord] = field(default_factory=dict)
    """Output path -> its last rendering."""
    feed_html: dict[tuple[str, bytes, str], str] = field(default_factory=dict)
    """(source path, item origin, which part) -> that part of the item's HTML as feeds carry it (absolute links)."""
    written: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)
    """Output folder -> path -> (size, mtime_ns) of each file written there, to skip re-reading them."""
    qr_codes: dict[tuple[str, str, str], bytes] = field(default_factory=dict)
    """(the link it carries, its title, 'svg' or 'png') -> an offer's QR code as last drawn: drawing them
    (segno) would be most of the time of a build that changes nothing."""
    strings: dict[int, tuple[str, bytes]] = field(default_factory=dict)
    """Digests of long strings (post bodies) by object, handed from one build's fingerprints to the next."""
    folder: Path | None = None
    """Where the cache is saved, if it is (compiled templates are kept there too)."""
    variant: str | None = None
    """A subfolder of `folder` for the files whose values depend on the settings and base URL (render
    records, written files, page heads, feed HTML): the dev server keeps its own there, so it and
    `sitegen build` never evict each other's. Parsed documents depend on neither and stay shared."""
    loaded: dict[str, Any] | None = field(default=None, repr=False)
    """File name -> what load_cache() read from it (inner dicts copied): save_cache() leaves a file alone while that is still its part."""
    environments: dict[tuple, Any] = field(default_factory=dict)
    """(site root, theme folder, template files) -> its Jinja environment, whose compiled templates stay
    valid while no template file is added or removed (Jinja reloads changed ones itself)."""


# ---------------------------------------------------------------------------------
# On disk, between commands
# ---------------------------------------------------------------------------------

CACHE_DIR = ".sitegen-cache"
"""The cache folder, in the site folder beside output/."""
CACHE_FILE = "build.pickle"
"""What rendering left: render records, written files and QR codes; and the validated settings."""
SHARDS = 16
"""What is kept per content file is split by source path into this many files of each kind, so a
build that re-parsed one file rewrites two small files, not all of them (70 MB for 10,000 posts)."""
SHARDED = {
    "documents": ("documents", "stats"),
    "derived": ("heads", "feed_html"),
}
"""Cache fields kept per content file, each keyed by source path (first in a tuple key), by file kind:
a content file's parsed document and status ("documents-NN.pickle"), and what the build made of it
under the settings: its page's head and its HTML as feeds carry it ("derived-NN.pickle"). A
settings edit changes every derived value, and then leaves the documents files alone."""
SHARED = ("documents",)
"""Kinds of files whose values depend neither on the settings nor on the base URL: always kept in the
cache folder itself, whatever the cache's variant."""
FORMAT = 7


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
        "segno": _unimported_version("segno") or _distribution_version("segno"),  # Cache.qr_codes
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


def load_cache(folder: Path, variant: str | None = None) -> tuple[Cache, tuple[str, ...]]:
    """The cache saved in folder (its settings-dependent part from folder/variant, if given); each file
    that is unusable is left out, with a warning saying why."""
    cache, warnings, loaded = Cache(folder=folder, variant=variant), [], {}
    outdated: dict[str, list[Path]] = {}  # what made them -> the files: after an upgrade, every file at once
    for name in _file_names():
        path = _location(folder, variant, name)
        try:
            with path.open("rb") as file:
                header = pickle.load(file)
                if not isinstance(header, dict) or header != cache_versions():
                    outdated.setdefault(_describe(header), []).append(path)
                    continue
                state = pickle.load(file)
            if set(state) != set(_fields_of(name)):
                raise ValueError(f"holds {sorted(state)}, expected {sorted(_fields_of(name))}")
        except FileNotFoundError:
            continue
        except Exception as error:  # noqa: BLE001 - a cache must never break a build: any damage means "start over"
            warnings.append(f"{path}: unreadable ({type(error).__name__}: {error}); ignoring it and rebuilding")
            continue
        for attribute, value in state.items():
            if name == CACHE_FILE:
                setattr(cache, attribute, value)
            else:
                getattr(cache, attribute).update(value)
        loaded[name] = _snapshot(state)
    cache.loaded = loaded
    for made_by, paths in outdated.items():
        where = str(paths[0]) if len(paths) == 1 else f"{folder}{os.sep} ({len(paths)} files)"
        warnings.append(f"{where}: made by other versions ({made_by}); rebuilding {'it' if len(paths) == 1 else 'them'}")
    return cache, tuple(warnings)


def save_cache(folder: Path, cache: Cache) -> None:
    """Write the cache atomically, file by file; values tied to this process (object identities,
    environments) stay behind.

    A file whose part nothing changed is left alone: writing 80 MB for 10,000 posts costs half a second.
    """
    for name, state in _parts(cache).items():
        path = _location(folder, cache.variant, name)
        if cache.loaded is not None and name in cache.loaded and path.is_file() and _same(cache.loaded[name], state):
            continue
        if name != CACHE_FILE and not any(state.values()) and not path.exists():
            continue  # an empty shard that never held anything
        saved = state
        if name == CACHE_FILE:
            # Only records made this build hold bytes; the output folder holds them (dataclasses.replace is slow).
            saved = state | {"renders": {key: r if r.data is None else dataclasses.replace(r, data=None) for key, r in cache.renders.items()}}
        prepare_cache_folder(folder)
        write_atomically(path, functools.partial(_pickle_part, saved), mode=0o600)
        if cache.loaded is not None:  # a process that saves again (the dev server) rewrites only what changed since
            cache.loaded[name] = _snapshot(state)


def _pickle_part(state: dict[str, Any], file: BinaryIO) -> None:
    """One cache file: the versions it was made by, then its part of the cache."""
    pickle.dump(cache_versions(), file, protocol=5)
    pickle.dump(state, file, protocol=5)


def documents_file(source_path: str, kind: str = "documents") -> str:
    """The cache file of this kind ("documents" or "derived") that holds what is kept for this content file."""
    return _shard_name(kind, _shard_of(source_path))


def _shard_of(source_path: str) -> int:
    return zlib.crc32(source_path.encode("utf-8")) % SHARDS


def _shard_name(kind: str, shard: int) -> str:
    return f"{kind}-{shard:02d}.pickle"


def _location(folder: Path, variant: str | None, name: str) -> Path:
    """Where the cache file `name` is kept: in folder if it is shared, else in the variant's subfolder."""
    shared = name != CACHE_FILE and name.split("-", 1)[0] in SHARED
    return folder / name if variant is None or shared else folder / variant / name


def _file_names() -> list[str]:
    return [*(_shard_name(kind, shard) for kind in SHARDED for shard in range(SHARDS)), CACHE_FILE]


def _fields_of(name: str) -> tuple[str, ...]:
    return ("settings", "renders", "written", "qr_codes") if name == CACHE_FILE else SHARDED[name.split("-", 1)[0]]


def _parts(cache: Cache) -> dict[str, dict[str, Any]]:
    """What each cache file holds: what is kept per content file by shard, and the rest in CACHE_FILE."""
    parts: dict[str, dict[str, Any]] = {name: {field: {} for field in _fields_of(name)} for name in _file_names()}
    shards: dict[str, int] = {}  # source path -> its shard
    for kind, fields in SHARDED.items():
        for attribute in fields:
            for key, value in getattr(cache, attribute).items():
                source_path = key if type(key) is str else key[0]
                shard = shards.get(source_path)
                if shard is None:
                    shard = shards[source_path] = _shard_of(source_path)
                parts[_shard_name(kind, shard)][attribute][key] = value
    parts[CACHE_FILE] = {field: getattr(cache, field) for field in _fields_of(CACHE_FILE)}
    return parts


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


def _snapshot(state: dict[str, Any]) -> dict[str, Any]:
    """A file's fields as loaded, copied deep enough that later changes to the cache do not reach the copy."""
    copied = {field: dict(value) for field, value in state.items()}
    if "written" in copied:
        copied["written"] = {folder: dict(files) for folder, files in state["written"].items()}  # updated in place
    return copied


def _same(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Whether a file's fields hold the entries they held when loaded: documents, heads and renders the
    same objects (big values: made anew means changed), the rest equal."""
    for name, new in after.items():
        old = before[name]
        if name in ("documents", "heads", "renders"):
            if old.keys() != new.keys() or any(old[key] is not value for key, value in new.items()):
                return False
        elif old != new:
            return False
    return True


def _describe(header: object) -> str:
    if not isinstance(header, dict):
        return "not a sitegen cache"
    mine = cache_versions()
    return ", ".join(f"{key} {header.get(key)} here {mine[key]}" for key in mine if header.get(key) != mine[key])
