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
import zlib
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
    settings: dict[tuple[str, str | None], Any] = field(default_factory=dict)
    """(sitegen.toml's text, --base-url) -> the Settings validated from them."""
    items: dict[str, tuple] = field(default_factory=dict)
    """Source path -> (document, settings, link targets, expired, the Post/Page/Offer made of them)."""
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
    feed_html: dict[tuple[str, str, str], str] = field(default_factory=dict)
    """(source path, permalink, HTML) -> the HTML as feeds carry it (absolute links)."""
    written: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)
    """Output folder -> path -> (size, mtime_ns) of each file written there, to skip re-reading them."""
    strings: dict[int, tuple[str, bytes]] = field(default_factory=dict)
    """Digests of long strings (post bodies) by object, handed from one build's fingerprints to the next."""
    folder: Path | None = None
    """Where the cache is saved, if it is (compiled templates are kept there too)."""
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
"""What rendering left: render records and written files; and the validated settings."""
DOCUMENT_SHARDS = 16
"""What is kept per content file (its parsed document and status, its page's head, its HTML as
feeds carry it) is split by source path into this many files, so a build that re-parsed one file
rewrites one small file, not all of them (70 MB for 10,000 posts)."""
SHARD_FIELDS = ("documents", "stats", "heads", "feed_html")
"""The Cache fields kept in the files of documents, each keyed by source path (first in a tuple key)."""
FORMAT = 6


@functools.cache
def cache_versions() -> dict[str, str]:
    """Everything whose version changes what a cached value would be."""
    import sys

    import feedgen.version
    import jinja2
    import markdown
    import pydantic
    import pygments

    from . import __version__

    # The versions of the code that runs, from the modules themselves: asking importlib.metadata
    # scans every installed package's metadata (7 ms, and 18 ms to import it).
    return {
        "format": str(FORMAT),
        "sitegen": __version__,
        "python": sys.version.split()[0],
        "markdown": markdown.__version__,
        "pygments": pygments.__version__,
        "pyyaml": _unimported_version("yaml"),
        "pydantic": pydantic.VERSION,
        "jinja2": jinja2.__version__,
        "feedgen": feedgen.version.version_str,
    }


def _unimported_version(package: str) -> str:
    """A package's __version__, read from its __init__.py without running it unless it already ran:
    PyYAML takes 10 ms to import, and a rebuild whose front matter is unchanged does without it."""
    import importlib
    import importlib.util
    import re
    import sys

    if package not in sys.modules:
        spec = importlib.util.find_spec(package)
        try:
            with open(spec.origin, encoding="utf-8") as file:  # type: ignore[union-attr, arg-type]
                match = re.search(r"""^__version__\s*=\s*['"]([^'"]+)['"]""", file.read(), re.M)
        except (AttributeError, TypeError, OSError):
            match = None
        if match:
            return match.group(1)
    return importlib.import_module(package).__version__


def load_cache(folder: Path) -> tuple[Cache, tuple[str, ...]]:
    """The cache saved in folder; each file that is unusable is left out, with a warning saying why."""
    cache, warnings, loaded = Cache(folder=folder), [], {}
    for name in _file_names():
        path = folder / name
        try:
            with path.open("rb") as file:
                header = pickle.load(file)
                if not isinstance(header, dict) or header != cache_versions():
                    warnings.append(f"{path}: made by other versions ({_describe(header)}); rebuilding it")
                    continue
                state = pickle.load(file)
            if set(state) != set(_fields_of(name)):
                raise ValueError(f"holds {sorted(state)}, expected {sorted(_fields_of(name))}")
        except FileNotFoundError:
            continue
        except Exception as error:  # noqa: BLE001 - a cache must never break a build: any damage means "start over"
            warnings.append(f"{path}: unreadable ({type(error).__name__}: {error}); ignoring it and rebuilding")
            continue
        if name == CACHE_FILE:
            for field, value in state.items():
                setattr(cache, field, value)
        else:
            for field, value in state.items():
                getattr(cache, field).update(value)
        loaded[name] = _snapshot(state)
    cache.loaded = loaded
    return cache, tuple(warnings)


def save_cache(folder: Path, cache: Cache) -> None:
    """Write the cache atomically, file by file; values tied to this process (object identities,
    environments) stay behind.

    A file whose part nothing changed is left alone: writing 80 MB for 10,000 posts costs half a second.
    """
    for name, state in _parts(cache).items():
        path = folder / name
        if cache.loaded is not None and name in cache.loaded and path.is_file() and _same(cache.loaded[name], state):
            continue
        if name != CACHE_FILE and not any(state.values()) and not path.exists():
            continue  # an empty shard that never held anything
        if name == CACHE_FILE:
            # Only records made this build hold bytes; the output folder holds them (dataclasses.replace is slow).
            state = state | {"renders": {key: r if r.data is None else dataclasses.replace(r, data=None) for key, r in cache.renders.items()}}
        prepare_cache_folder(folder)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as file:
                pickle.dump(cache_versions(), file, protocol=5)
                pickle.dump(state, file, protocol=5)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def documents_file(source_path: str) -> str:
    """The cache file that holds this content file's parsed document and status."""
    return _shard_name(zlib.crc32(source_path.encode("utf-8")) % DOCUMENT_SHARDS)


def _shard_name(shard: int) -> str:
    return f"documents-{shard:02d}.pickle"


def _file_names() -> list[str]:
    return [*(_shard_name(shard) for shard in range(DOCUMENT_SHARDS)), CACHE_FILE]


def _fields_of(name: str) -> tuple[str, ...]:
    return ("settings", "renders", "written") if name == CACHE_FILE else SHARD_FIELDS


def _parts(cache: Cache) -> dict[str, dict[str, Any]]:
    """What each cache file holds: what is kept per content file by shard, and the rest in CACHE_FILE."""
    parts: dict[str, dict[str, Any]] = {name: {field: {} for field in SHARD_FIELDS} for name in _file_names()[:-1]}
    files: dict[str, str] = {}  # source path -> its file
    for field in SHARD_FIELDS:
        for key, value in getattr(cache, field).items():
            source_path = key if type(key) is str else key[0]
            name = files.get(source_path) or files.setdefault(source_path, documents_file(source_path))
            parts[name][field][key] = value
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
