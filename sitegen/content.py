"""Find and read content files into documents: front matter through meta.py, Markdown -> HTML."""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from .config import Settings
from .errors import Problem, SitegenError
from .foreign import foreign_syntax, foreign_syntax_warning
from .frontmatter import parse_yaml, split_front_matter
from .memo import kept
from .markdown import MARKDOWN_SUFFIXES, MarkdownRenderer, Rendered, plain_text, site_links_of, word_count
from .meta import Meta, PostMeta, slug_from_filename, validate_meta
from .pool import counted, run_parallel

CONTENT_DIR = "content"
DESCRIPTION_LENGTH = 160
"""Characters of plain text in a meta description."""
STATIC_DIR = "static"
KINDS = {"posts": "post", "pages": "page", "offers": "offer", "newsletter": "newsletter"}


# ---------------------------------------------------------------------------------
# Documents
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """One content file, read and validated: the input of build_site()."""

    source_path: str
    """Relative to the site root: 'content/posts/2026-03-01-spring.md'."""
    kind: Literal["post", "page", "offer", "newsletter"]
    meta: Meta
    """The validated front matter (PostMeta, PageMeta or OfferMeta)."""
    rendered: Rendered
    """The body as HTML."""
    summary_html: str
    """From front matter, else from the body."""
    file_slug: str
    """The slug the file name gives."""
    body_line: int
    """The line the Markdown body starts on, for messages about it."""
    words: int
    """How many words the body has."""
    description: str
    """The summary as plain text, for meta descriptions."""
    digest: bytes
    """Hash of the file's bytes: what the Document was made of, with its path, kind and the time zone."""
    front_digest: bytes = b""
    """Hash of the front matter's text: while it is unchanged, an edit to the body reuses meta as it is."""
    site_urls: tuple[tuple[str | None, str, str], ...] = ()
    """(front matter field or None for the body, 'link', 'image' or 'file', URL) of each site URL the item
    refers to ('/static/a.jpg'), for the check that each is a page or file of the site."""
    foreign: tuple[str, ...] = ()
    """Liquid tags and Hugo shortcodes the page shows as written (foreign.foreign_syntax), each a warning."""

    @property
    def content_path(self) -> str:
        """The path under content/ ('posts/x.md'), as internal links name it."""
        return self.source_path.removeprefix(CONTENT_DIR + "/")

    @property
    def slug(self) -> str:
        """The slug: front matter's, else the file name's."""
        return self.meta.slug or self.file_slug

    def line_of(self, root: Path, needle: str) -> int | None:
        """The first line of the file (under the site root) containing `needle` (1-based), for messages.

        Read again when needed rather than kept: a Document is cached and sent between processes.
        """
        try:
            text = (root / self.source_path).read_text(encoding="utf-8-sig", errors="replace")
        except OSError:
            return None
        index = text.find(needle)
        return None if index < 0 else text.count("\n", 0, index) + 1


@dataclass(frozen=True)
class StaticFile:
    """A file copied as it is."""

    source: Path
    """Where it is on disk."""
    path: str
    """Where it goes, relative to the output folder ('static/images/a.png')."""
    source_path: str
    """For messages: relative to the site root, or the theme's own path."""


@dataclass(frozen=True)
class Content:
    """Everything read from content/."""

    documents: tuple[Document, ...]
    static_files: tuple[StaticFile, ...]
    problems: tuple[Problem, ...] = ()
    """What could not be read; later steps add theirs, so one build reports everything."""
    unreadable: frozenset[str] = frozenset()
    """Paths under content/ of files with problems (links to them are not reported again)."""
    root: Path = Path()
    """The site folder the files were read from."""
    warnings: tuple[Problem, ...] = ()
    """What builds, but should be looked at (a post too large for feeds); found anew every build, cache or not."""


@dataclass(frozen=True)
class ContentMemo:
    """What read_content() may reuse: files parsed before, and the status they had. The same under any
    settings but the time zone (part of each key) and any base URL, so every build of the site shares it."""

    SHARED = True
    documents: Mapping[tuple, Any] = kept(per_file=True)
    """(source path, kind, content hash, time zone) -> the Document, or the SitegenError it raised."""
    stats: Mapping[str, tuple] = kept(per_file=True)
    """Source path -> ((size, mtime, ctime, inode), content hash): a file with the same status is not read again."""


def read_content(
    root: Path,
    config: Settings,
    memo: ContentMemo = ContentMemo(),
    progress: Callable[[str, int, int], None] | None = None,
    jobs: int = 1,
    wall_clock_ns: int | None = None,
) -> tuple[Content, ContentMemo]:
    """Read every content file under root/content; problems are collected in Content.problems.

    A file whose bytes did not change since the memo was made is not parsed again; with jobs > 1,
    the files that must be parsed are parsed across processes (same result). wall_clock_ns is the
    time now on the clock file times use (time.time_ns(), read by the command): the memo trusts the
    status of files older than that by 2 s to tell their changes, so later builds need not hash
    them. Without it, no file's status is trusted.
    """
    content_root = root / CONTENT_DIR
    known, stats = memo.documents, memo.stats
    found = []  # (source_path, kind, path on disk, content hash or None, status), in a stable order
    unread = _files_elsewhere(content_root)
    for folder, kind in KINDS.items():
        for relative in _markdown_files(content_root / folder, unread, f"{CONTENT_DIR}/{folder}"):
            source_path = f"{CONTENT_DIR}/{folder}/{relative}"
            path = os.path.join(content_root, folder, relative)
            status = os.stat(path)
            earlier = stats.get(source_path)
            if earlier is not None and earlier[0] == _signature(status):
                digest = earlier[1]  # unchanged since it was hashed, as git's index and make judge files
            elif known:
                digest = hashlib.blake2b(_read(path), digest_size=16).digest()
            else:
                digest = None  # nothing is cached: the file is read once, where it is parsed
            found.append((source_path, kind, path, digest, status))

    def key_of(source_path: str, kind: str, digest: bytes) -> tuple:
        return (source_path, kind, digest, config.timezone)

    stale = [(path, source_path, kind) for source_path, kind, path, digest, _ in found if digest is None or key_of(source_path, kind, digest) not in known]
    # Each changed file's last version (same kind and zone), whose front matter may be unchanged.
    last_versions = {key[:2]: d for key, d in known.items() if key[3] == config.timezone and isinstance(d, Document)} if stale else {}
    missing = [(path, source_path, kind, _front_of(last_versions.get((source_path, kind)))) for path, source_path, kind in stale]
    parse = functools.partial(_parse, config=config)
    parsed = run_parallel(parse, missing, jobs)
    if parsed is None:
        parsed = map(parse, missing)  # the Markdown converter is made at the first file that needs it
    fresh = dict(zip((job[1] for job in missing), counted(parsed, progress, "reading", len(missing)), strict=True))

    seen: dict[tuple, Any] = {}
    documents: list[Document] = []
    problems: list[Problem] = []
    unreadable: set[str] = set()
    fresh_stats: dict[str, tuple] = {}
    for source_path, kind, _, digest, status in found:
        if source_path in fresh:
            digest, result = fresh[source_path]
        else:
            result = known[key_of(source_path, kind, digest)]
        if wall_clock_ns is not None and status.st_ctime_ns < wall_clock_ns - _SETTLED_NS:
            fresh_stats[source_path] = (_signature(status), digest)
        seen[key_of(source_path, kind, digest)] = result
        if isinstance(result, SitegenError):
            problems.extend(result.problems)
            unreadable.add(source_path.removeprefix(CONTENT_DIR + "/"))
        else:
            documents.append(result)
    static = tuple(find_static(content_root / STATIC_DIR, STATIC_DIR, f"{CONTENT_DIR}/{STATIC_DIR}"))
    warnings = tuple(_large_post(source_path, status.st_size) for source_path, kind, _, _, status in found if kind == "post" and status.st_size > LARGE_POST)
    warnings += tuple(_unread_warning(source_path) for source_path in sorted(unread))
    for document in documents:
        if document.foreign:  # rare: the file is read again for the lines
            text = _read(os.path.join(root, document.source_path)).decode("utf-8-sig", "replace")
            warnings += tuple(foreign_syntax_warning(document.source_path, text, document.body_line, found) for found in document.foreign)
    content = Content(tuple(documents), static, tuple(problems), frozenset(unreadable), root, warnings)
    return content, ContentMemo(seen, fresh_stats)  # only what is still there: the memo does not grow with every edit


LARGE_POST = 1_000_000
"""Bytes of a post file above which a build warns: feeds carry whole posts, and readers drop or cut huge entries."""


def _large_post(source_path: str, size: int) -> Problem:
    return Problem(
        source_path,
        message=f"{size / 1_000_000:.1f} MB of Markdown: its page, and its entry in every feed it is in, are as large; "
        "feed readers may cut or drop entries that big",
        hint="split it into several posts, or set full_content = false under [feeds] to send summaries",
    )


_SETTLED_NS = 2_000_000_000
"""A file's status is trusted to show changes only once it is this old: file times are coarse, so a
file changed twice within one clock tick could keep its size and times ("racy git")."""


def _signature(status: os.stat_result) -> tuple[int, int, int, int]:
    return (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino)


def _read(path: str) -> bytes:
    with open(path, "rb") as file:
        return file.read()


def _markdown_files(folder: Path, unread: list[str], shown_as: str) -> list[str]:
    """Paths under folder ('2026/x.md') of its Markdown files, hidden ones left out, in path order;
    the others are added to unread, as shown_as/<path>."""
    found = []
    for directory, subdirectories, files in os.walk(folder):  # symlinked folders are not followed (as rglob)
        subdirectories[:] = [d for d in subdirectories if not _hidden_name(d)]
        prefix = os.path.relpath(directory, folder).replace(os.sep, "/")
        prefix = "" if prefix == "." else prefix + "/"
        for name in files:
            if _hidden_name(name):
                continue
            if name.endswith(MARKDOWN_SUFFIXES):
                found.append(prefix + name)
            else:
                unread.append(f"{shown_as}/{prefix}{name}")
    return sorted(found, key=lambda path: path.split("/"))


def _files_elsewhere(content_root: Path) -> list[str]:
    """Source paths of the files in content/ outside posts/, pages/, offers/ and static/: none is built."""
    if not content_root.is_dir():
        return []
    found: list[str] = []
    for entry in sorted(os.scandir(content_root), key=lambda e: e.name):
        if _hidden_name(entry.name) or entry.name in KINDS or entry.name == STATIC_DIR:
            continue
        if entry.is_dir(follow_symlinks=False):
            for directory, subdirectories, files in os.walk(entry.path):
                subdirectories[:] = sorted(d for d in subdirectories if not _hidden_name(d))
                relative = os.path.relpath(directory, content_root).replace(os.sep, "/")
                found.extend(f"{CONTENT_DIR}/{relative}/{name}" for name in sorted(files) if not _hidden_name(name))
        else:
            found.append(f"{CONTENT_DIR}/{entry.name}")
    return found


def _unread_warning(source_path: str) -> Problem:
    """A file in content/ that no build reads: said, so that nothing the owner wrote is left out unnoticed."""
    folder, _, name = source_path.partition("/")[2].partition("/")
    if not name:  # straight in content/
        where = "it is straight in content/; a post goes in content/posts/, a page in content/pages/"
    elif folder not in KINDS:
        where = f"sitegen reads content/posts/, content/pages/, content/offers/ and content/static/, not content/{folder}/"
    else:
        where = f"sitegen reads {', '.join(MARKDOWN_SUFFIXES)} files here (a picture or download goes in content/static/)"
    hint = "to move a site made with WordPress, Jekyll or Hugo, use `sitegen import`" if name.endswith((".html", ".textile", ".rst", ".adoc", ".org")) else None
    return Problem(source_path, message=f"not built: {where}", hint=hint)


def _hidden_name(name: str) -> bool:
    return name.startswith((".", "_")) or name.endswith("~")


def _front_of(document: Document | None) -> tuple[bytes, Meta] | None:
    return (document.front_digest, document.meta) if document is not None else None


def _parse(job: tuple, config: Settings) -> tuple[bytes, "Document | SitegenError"]:
    """One file's content hash and Document, or the SitegenError it raised (a value, so it can cross processes).

    job: (path on disk, source path, kind, (front matter digest, meta) of the file's last version or None).
    """
    path, source_path, kind, earlier = job
    data = _read(path)
    digest = hashlib.blake2b(data, digest_size=16).digest()
    try:
        return digest, read_document(data, digest, source_path, kind, config, _worker_renderer(), earlier)
    except SitegenError as error:
        return digest, error


@functools.cache
def _worker_renderer() -> MarkdownRenderer:
    """One Markdown converter per process (each worker makes its own)."""
    return MarkdownRenderer()


def find_static(folder: Path, prefix: str, shown_as: str) -> list[StaticFile]:
    """Every non-hidden file under folder, to be copied to prefix/<relative path>; shown_as names folder in messages."""
    if not folder.is_dir():
        return []
    files = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and not _hidden(relative):
            files.append(StaticFile(path, f"{prefix}/{relative.as_posix()}", f"{shown_as}/{relative.as_posix()}"))
    return files


def _hidden(relative: Path) -> bool:
    return any(_hidden_name(part) for part in relative.parts)


def read_document(
    data: bytes,
    digest: bytes,
    source_path: str,
    kind: str,
    config: Settings,
    renderer: MarkdownRenderer,
    earlier: tuple[bytes, Meta] | None = None,
) -> Document:
    """Parse one content file's bytes (whose hash is digest) into a Document, or raise SitegenError naming its problems.

    earlier: (front matter digest, meta) of the file's last version, read with the same kind and time zone;
    when the front matter is the same text, its meta is reused instead of parsed and validated again.
    """
    text = decode(data, source_path)
    front, body, body_line = split_front_matter(text, source_path)
    front_digest = hashlib.blake2b(front.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    if earlier is not None and earlier[0] == front_digest:
        meta = earlier[1]
    else:
        raw, key_lines = parse_yaml(front, source_path)
        meta = validate_meta(raw, key_lines, source_path, kind, config)
    base_dir = source_path.removeprefix(CONTENT_DIR + "/").rsplit("/", 1)[0]
    rendered = renderer.render(body, base_dir)
    summary_html = renderer.render_inline(meta.summary, base_dir) if meta.summary else rendered.summary_html
    file_slug = slug_from_filename(source_path.rsplit("/", 1)[-1], kind)
    words = word_count(rendered.html)
    description = plain_text(summary_html, DESCRIPTION_LENGTH)
    site_urls = _site_urls(meta, rendered, summary_html)
    foreign = foreign_syntax(rendered.html)
    return Document(source_path, kind, meta, rendered, summary_html, file_slug, body_line, words, description, digest, front_digest, site_urls, foreign)


def _site_urls(meta: Meta, rendered: Rendered, summary_html: str) -> tuple[tuple[str | None, str, str], ...]:
    """What Document.site_urls holds: the body's and summary's links and images, then those of front matter fields."""
    found = [(None, what, url) for what, url in rendered.site_links]
    if meta.summary:
        found += [(None, what, url) for what, url in site_links_of(summary_html) if (what, url) not in rendered.site_links]
    audio = meta.audio.url if isinstance(meta, PostMeta) and meta.audio else None
    for field, what, url in (("image", "image", meta.image), ("audio.url", "file", audio)):
        if url and is_site_path(url):
            found.append((field, what, url))
    return tuple(found)


def is_site_path(url: str) -> bool:
    """Whether a URL names a place on this site: '/static/a.jpg', or 'static/a.jpg' (read from the site root)."""
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and bool(parts.path)


def decode(data: bytes, source_path: str) -> str:
    """Bytes to text: UTF-8 (a byte-order mark is allowed), else a problem naming the line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise SitegenError(
            [Problem(source_path, line=line, message=f"not valid UTF-8 (byte 0x{data[error.start]:02x}); save the file as UTF-8")]
        ) from None
