"""What each published file is to a web server: its Content-Type and how long caches may keep it; and
the `_headers` file that tells hosts which read one (Netlify, Cloudflare Pages) the same.

One table for both: `sitegen publish` sets these on every object it puts in S3, and the build writes
them into `_headers`, so a site gets the same headers wherever it is served from.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass

FEED_TYPES = {
    "atom": "application/atom+xml; charset=utf-8",
    "rss": "application/rss+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
}
"""A feed's Content-Type by its format (plan.Output.format). Feed readers and WebSub hubs tell a feed
by it; a generic application/xml makes some of them guess."""

FEED_NAMES = {"atom.xml": "atom", "rss.xml": "rss", "podcast.xml": "rss", "feed.json": "json"}
"""The file names sitegen gives feeds (feeds.py), for a path seen without its plan."""

TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".ics": "text/calendar; charset=utf-8",
    ".vcf": "text/vcard; charset=utf-8",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/vnd.microsoft.icon",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
    ".wav": "audio/wav",
    ".flac": "audio/flac",
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".webm": "video/webm",
    ".pdf": "application/pdf",
    ".zip": "application/zip",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
}
"""Content-Type by file extension (lower case). Spelled out rather than taken from Python's mimetypes,
which reads the machine's /etc/mime.types: the same site must get the same headers from any computer."""

UNKNOWN = "application/octet-stream"

SHORT = "public, max-age=300"
"""Pages and other files at URLs whose content changes (HTML, robots.txt, the sitemap): five minutes, so a
new post is on every visitor's screen soon after publishing."""
FEEDS = "public, max-age=60"
"""Feeds: one minute, so a WebSub hub told of a change and readers polling get the new entries at once,
even through a CDN."""
STATIC = "public, max-age=86400"
"""Files under static/ at a plain name (images, audio, the theme's CSS): a day. An owner may replace a
picture under the same name, so not forever."""
IMMUTABLE = "public, max-age=31536000, immutable"
"""Files whose name carries a digest of their content (app.3f9a1c2e.css): a year, never revalidated,
since new content always gets a new name."""

_FINGERPRINTED = re.compile(r"[.-][0-9a-f]{8,}\.[A-Za-z0-9]+$")


@dataclass(frozen=True)
class Media:
    """The HTTP headers a file is served with."""

    content_type: str
    cache_control: str


def media_of(path: str, feed_format: str | None = None) -> Media:
    """The headers for the file at path (relative to the output folder); feed_format (atom, rss, json)
    when the plan says it is a feed, else feeds are told by the names sitegen gives them."""
    name = posixpath.basename(path)
    feed = feed_format or FEED_NAMES.get(name)
    if feed in FEED_TYPES:
        return Media(FEED_TYPES[feed], FEEDS)
    extension = posixpath.splitext(name)[1].lower()
    content_type = TYPES.get(extension, UNKNOWN)
    if name == "feeds.opml":
        return Media(content_type, FEEDS)
    if _FINGERPRINTED.search(name):
        return Media(content_type, IMMUTABLE)
    if path.startswith("static/"):
        return Media(content_type, STATIC)
    return Media(content_type, SHORT)


SECURITY = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "SAMEORIGIN"),
)
"""Sent with every file by hosts that read `_headers`: no type sniffing, no full URLs leaked to other
sites, no framing of the site by others (clickjacking)."""


def render_headers(feeds: Iterable[tuple[str, str]]) -> bytes:
    """The `_headers` file: security headers for every path, a day's caching for static/, and each
    feed's Content-Type and short caching. feeds: (path, format) of every feed output.

    Feed paths under topics (tags/bread/atom.xml) become one rule with a placeholder
    (/tags/:name/atom.xml): Cloudflare Pages reads at most 100 rules, and a site has a feed per tag.
    No path gets the same header from two rules: both hosts would join the values with a comma.
    HTML keeps the host's own caching (both revalidate pages on every visit).
    """
    lines = [
        "# Written by sitegen for hosts that read it (Netlify, Cloudflare Pages); others ignore it.",
        "/*",
        *(f"  {name}: {value}" for name, value in SECURITY),
        "/static/*",
        f"  Cache-Control: {STATIC}",
    ]
    rules: dict[str, str] = {}
    for path, format in sorted(feeds):
        parts = path.split("/")
        if len(parts) > 2:  # keep the first folder and the name, any folder between is a placeholder
            parts = [parts[0], *(":name" if i == 1 else f":name{i}" for i in range(1, len(parts) - 1)), parts[-1]]
        rules.setdefault("/" + "/".join(parts), FEED_TYPES.get(format, FEED_TYPES["atom"]))
    rules["/feeds.opml"] = TYPES[".opml"]
    for pattern, content_type in rules.items():
        lines += [pattern, f"  Content-Type: {content_type}", f"  Cache-Control: {FEEDS}"]
    return ("\n".join(lines) + "\n").encode("utf-8")
