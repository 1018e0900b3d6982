"""What a build may reuse from earlier builds: parsed documents and rendered outputs.

A cache only ever saves work: every entry is keyed by everything its value depends on, so a
build with a cache gives exactly the bytes a clean build gives (tests/test_incremental.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    data: bytes


@dataclass
class Cache:
    """Mutable by design, and passed explicitly: one per dev server, or loaded from disk per command."""

    documents: dict[tuple, Any] = field(default_factory=dict)
    """(source path, kind, content hash, time zone) -> Document, or the SitegenError it raised."""
    renders: dict[str, RenderRecord] = field(default_factory=dict)
    """Output path -> its last rendering."""
    feed_html: dict[tuple[str, str], str] = field(default_factory=dict)
    """(page URL, HTML) -> the HTML as feeds carry it (absolute links)."""
    written: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)
    """Output folder -> path -> (size, mtime_ns) of each file written there, to skip re-reading them."""
    strings: dict[int, tuple[str, bytes]] = field(default_factory=dict)
    """Digests of long strings (post bodies) by object, handed from one build's fingerprints to the next."""
    environments: dict[tuple, Any] = field(default_factory=dict)
    """(site root, theme folder, template files) -> its Jinja environment, whose compiled templates stay
    valid while no template file is added or removed (Jinja reloads changed ones itself)."""
