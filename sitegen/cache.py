"""What a build may reuse from earlier builds: parsed documents and rendered outputs.

A cache only ever saves work: every entry is keyed by everything its value depends on, so a
build with a cache gives exactly the bytes a clean build gives (tests/test_incremental.py).
"""

from __future__ import annotations

import dataclasses
import functools
import os
import pickle
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


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
    items: dict[str, tuple] = field(default_factory=dict)
    """Source path -> (document, settings, link targets, expired, the Post/Page/Offer made of them)."""
    digests: dict[int, tuple[Any, bytes]] = field(default_factory=dict)
    """id -> (object, digest) of values digested last build; reused objects keep their digest."""
    heads: dict[tuple, Any] = field(default_factory=dict)
    """(kind, item origin, digest of settings and feed links) -> the item page's Head."""
    plan_parts: dict[tuple, tuple] = field(default_factory=dict)
    """What plan_outputs() made last build (outputs, lists of outputs, feed links), with what they were made of."""
    outputs: dict[str, Any] = field(default_factory=dict)
    """Output path -> last build's Output, reused when the new one is equal."""
    renders: dict[str, RenderRecord] = field(default_factory=dict)
    """Output path -> its last rendering."""
    feed_html: dict[tuple[str, str], str] = field(default_factory=dict)
    """(page URL, HTML) -> the HTML as feeds carry it (absolute links)."""
    written: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)
    """Output folder -> path -> (size, mtime_ns) of each file written there, to skip re-reading them."""
    strings: dict[int, tuple[str, bytes]] = field(default_factory=dict)
    """Digests of long strings (post bodies) by object, handed from one build's fingerprints to the next."""
    folder: Path | None = None
    """Where the cache is saved, if it is (compiled templates are kept there too)."""
    loaded: dict[str, Any] | None = field(default=None, repr=False)
    """What load_cache() read (inner dicts copied): save_cache() writes nothing when that is still the state."""
    environments: dict[tuple, Any] = field(default_factory=dict)
    """(site root, theme folder, template files) -> its Jinja environment, whose compiled templates stay
    valid while no template file is added or removed (Jinja reloads changed ones itself)."""


# ---------------------------------------------------------------------------------
# On disk, between commands
# ---------------------------------------------------------------------------------

CACHE_DIR = ".sitegen-cache"
"""The cache folder, in the site folder beside output/."""
CACHE_FILE = "build.pickle"
FORMAT = 3


@functools.cache
def cache_versions() -> dict[str, str]:
    """Everything whose version changes what a cached value would be."""
    import sys
    from importlib.metadata import PackageNotFoundError, version

    from . import __version__

    versions = {"format": str(FORMAT), "sitegen": __version__, "python": sys.version.split()[0]}
    for package in ("markdown", "pygments", "pyyaml", "pydantic", "jinja2", "feedgen"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = "?"
    return versions


def load_cache(folder: Path) -> tuple[Cache, tuple[str, ...]]:
    """The cache saved in folder, or an empty one (with a warning saying why) when it is unusable."""
    path = folder / CACHE_FILE
    try:
        with path.open("rb") as file:
            header = pickle.load(file)
            if not isinstance(header, dict) or header != cache_versions():
                return Cache(folder=folder), (f"{path}: made by other versions ({_describe(header)}); rebuilding it",)
            state = pickle.load(file)
        cache = Cache(**{name: state[name] for name in _SAVED}, folder=folder)
        cache.loaded = _snapshot(cache)
    except FileNotFoundError:
        return Cache(folder=folder), ()
    except Exception as error:  # noqa: BLE001 - a cache must never break a build: any damage means "start over"
        return Cache(folder=folder), (f"{path}: unreadable ({type(error).__name__}: {error}); ignoring it and rebuilding",)
    return cache, ()


def save_cache(folder: Path, cache: Cache) -> None:
    """Write the cache atomically; values tied to this process (object identities, environments) stay behind.

    A build that changed nothing leaves the file alone: writing 80 MB for 10,000 posts costs half a second.
    """
    if cache.loaded is not None and (folder / CACHE_FILE).is_file() and _unchanged(cache.loaded, _snapshot(cache)):
        return
    prepare_cache_folder(folder)
    # Only records made this build hold bytes; the output folder holds them (dataclasses.replace is slow).
    renders = {path: record if record.data is None else dataclasses.replace(record, data=None) for path, record in cache.renders.items()}
    state = {name: getattr(cache, name) for name in _SAVED} | {"renders": renders}
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".build.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            pickle.dump(cache_versions(), file, protocol=5)
            pickle.dump(state, file, protocol=5)
        os.replace(temporary, folder / CACHE_FILE)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


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


# What survives between processes: values keyed by content, never by object identity.
_SAVED = ("documents", "stats", "heads", "renders", "written", "feed_html")


def _snapshot(cache: Cache) -> dict[str, Any]:
    """The saved parts of the cache, copied deep enough that later changes do not reach the copy."""
    copied = {name: dict(getattr(cache, name)) for name in _SAVED}
    copied["written"] = {folder: dict(files) for folder, files in cache.written.items()}  # updated in place
    return copied


def _unchanged(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Whether two snapshots hold the same entries: documents and renders the same objects, the rest equal."""
    for name in _SAVED:
        old, new = before[name], after[name]
        if name in ("documents", "heads", "renders"):  # big values: made anew means changed
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
