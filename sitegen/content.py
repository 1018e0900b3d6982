"""Find and read content files: front matter -> typed meta, Markdown -> HTML."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator

from .cache import Cache
from .config import ZONE_ABBREVIATIONS, Settings, Strict, problems_from_validation
from .errors import Problem, SitegenError, did_you_mean
from .markdown import MarkdownRenderer, Rendered, plain_text, site_links_of, word_count
from .pool import counted, run_parallel

CONTENT_DIR = "content"
DESCRIPTION_LENGTH = 160
"""Characters of plain text in a meta description."""
STATIC_DIR = "static"
KINDS = {"posts": "post", "pages": "page", "offers": "offer"}

# ---------------------------------------------------------------------------------
# Front matter schemas
# ---------------------------------------------------------------------------------


class _Meta(Strict):
    title: str = Field(min_length=1)
    """The title (required)."""
    summary: str | None = None
    """A one or two sentence summary (Markdown); else the text before <!-- more -->, else the first paragraph."""
    slug: str | None = None
    """The last part of the URL; default: the file name without a date prefix."""
    image: str | None = None
    """A picture for social previews and feeds: a site URL (/static/...) or an absolute URL."""
    template: str | None = None
    """A template to render this item with, instead of the default for its kind."""
    draft: bool = False
    """Never built unless `sitegen build --drafts`."""
    extra: dict[str, Any] = {}
    """Anything else; templates receive it untouched as item.extra."""

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str | None) -> str | None:
        if value is not None:
            check_slug(value)
        return value

    @field_validator("date", "updated", "valid_from", "valid_until", mode="before", check_fields=False)
    @classmethod
    def _datetime(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None:
            return None
        end_of_day = info.field_name == "valid_until"
        return parse_datetime(value, info.context["tz"], end_of_day=end_of_day)


class Audio(Strict):
    """A podcast episode's media file."""

    url: str
    """The file: a site URL (/static/ep1.mp3) or an absolute URL."""
    length: int = Field(ge=0)
    """Its size in bytes."""
    type: str = "audio/mpeg"
    """Its media type."""
    duration: str | None = None
    """Its duration, HH:MM:SS."""


class PostMeta(_Meta):
    """A post's front matter."""

    date: dt.datetime
    """When it was published (required); in the site's zone unless the value has one."""
    updated: dt.datetime | None = None
    """When it last changed in a way readers should know about."""
    tags: tuple[str, ...] = ()
    """Topics; each gets an archive page and feeds."""
    categories: tuple[str, ...] = ()
    """Sections (`category: News` or `categories: [News, Recipes]`)."""
    author: str | None = None
    """A key into [authors] in sitegen.toml, or just a name."""
    id: str | None = None
    """The feed entry id; default: derived once from the first date and slug."""
    audio: Audio | None = None
    """A podcast episode attached to the post."""
    offer: str | None = None
    """The slug of an offer this post promotes."""

    @field_validator("tags", "categories", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class PageMeta(_Meta):
    """A page's front matter."""

    menu: int | None = None
    """Position in the site navigation (1 first); leave out to keep the page out of it."""
    updated: dt.datetime | None = None
    """When the page last changed in a way readers should know about."""


class Cta(Strict):
    """An offer's one call to action."""

    label: str = Field(min_length=1)
    """The button text ("Order now")."""
    url: str = Field(min_length=1)
    """Where the button goes: an https:// address (a shop, a payment page), or a mailto: or tel: link ("Call to order")."""

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        scheme = value.split(":", 1)[0].lower() if ":" in value else ""
        if re.match(r"https://[^/\s]+", value, re.I) or (scheme in ("mailto", "tel") and value.split(":", 1)[1].strip()):
            return value
        if scheme == "http":
            suggestion = " (did you mean " + repr("https" + value[4:]) + "?)"
        elif not scheme and re.match(r"[\w-]+(\.[\w-]+)+(/|$)", value):
            suggestion = f" (did you mean 'https://{value}'?)"
        else:
            suggestion = ""
        raise ValueError(
            f"expected an https:// address (customers' order and payment links must be secure), "
            f"or a mailto: or tel: link, got {value!r}{suggestion}"
        )


class OfferMeta(_Meta):
    """An offer's front matter."""

    price: float | None = Field(default=None, ge=0)
    """The offer price."""
    currency: str = "USD"
    """ISO 4217 currency code of the prices."""
    was: float | None = Field(default=None, ge=0)
    """The former price, shown struck through."""
    cta: Cta
    """The one call to action: {label, url} (required)."""
    valid_from: dt.datetime | None = None
    """The offer's page is built from this time on (date-only: the start of that day)."""
    valid_until: dt.datetime | None = None
    """After this time the page says the offer has ended (date-only: the end of that day)."""
    code: str | None = None
    """A coupon code, shown so it is easy to copy."""
    terms: str | None = None
    """The fine print."""
    listed: bool = True
    """False: reachable by link only, not on the home page, /offers/ or feeds."""
    featured: bool = False
    """Shown first among current offers."""

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Z]{3}", value):
            raise ValueError(f"expected a three-letter ISO 4217 code like 'USD', got {value!r}")
        return value

    @model_validator(mode="after")
    def _dates_in_order(self) -> "OfferMeta":
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValueError(
                f"valid_until {self.valid_until:%Y-%m-%d %H:%M} is before valid_from {self.valid_from:%Y-%m-%d %H:%M}"
            )
        return self


SCHEMAS: dict[str, type[_Meta]] = {"post": PostMeta, "page": PageMeta, "offer": OfferMeta}

# Keys written for Jekyll, Hugo or Pelican, and the key they mean here.
ALIASES = {"category": "categories", "lastmod": "updated", "modified": "updated", "description": "summary"}


# ---------------------------------------------------------------------------------
# Documents
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """One content file, read and validated: the input of build_site()."""

    source_path: str
    """Relative to the site root: 'content/posts/2026-03-01-spring.md'."""
    kind: Literal["post", "page", "offer"]
    meta: _Meta
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


def read_content(
    root: Path,
    config: Settings,
    cache: Cache | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    jobs: int = 1,
    wall_clock_ns: int | None = None,
) -> Content:
    """Read every content file under root/content; problems are collected in Content.problems.

    With a cache, a file whose bytes did not change is not parsed again; with jobs > 1, the files
    that must be parsed are parsed across processes (same result). wall_clock_ns is the time now
    on the clock file times use (time.time_ns(), read by the command): the cache trusts the status
    of files older than that by 2 s to tell their changes, so later builds need not hash them.
    Without it, no file's status is trusted.
    """
    content_root = root / CONTENT_DIR
    known = cache.documents if cache is not None else {}
    stats = cache.stats if cache is not None else {}
    found = []  # (source_path, kind, path on disk, content hash or None, status), in a stable order
    for folder, kind in KINDS.items():
        for relative in _markdown_files(content_root / folder):
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
    if cache is not None:  # keep only what is still there, so the cache does not grow with every edit
        cache.documents = seen
        cache.stats = fresh_stats
    static = tuple(find_static(content_root / STATIC_DIR, STATIC_DIR, f"{CONTENT_DIR}/{STATIC_DIR}"))
    warnings = tuple(_large_post(source_path, status.st_size) for source_path, kind, _, _, status in found if kind == "post" and status.st_size > LARGE_POST)
    return Content(tuple(documents), static, tuple(problems), frozenset(unreadable), root, warnings)


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


def _markdown_files(folder: Path) -> list[str]:
    """Paths under folder ('2026/x.md') of its Markdown files, hidden ones left out, in path order."""
    found = []
    for directory, subdirectories, files in os.walk(folder):  # symlinked folders are not followed (as rglob)
        subdirectories[:] = [d for d in subdirectories if not _hidden_name(d)]
        prefix = os.path.relpath(directory, folder).replace(os.sep, "/")
        prefix = "" if prefix == "." else prefix + "/"
        found.extend(prefix + name for name in files if name.endswith(".md") and not _hidden_name(name))
    return sorted(found, key=lambda path: path.split("/"))


def _hidden_name(name: str) -> bool:
    return name.startswith((".", "_")) or name.endswith("~")


def _front_of(document: Document | None) -> tuple[bytes, _Meta] | None:
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
    earlier: tuple[bytes, _Meta] | None = None,
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
    return Document(source_path, kind, meta, rendered, summary_html, file_slug, body_line, words, description, digest, front_digest, site_urls)


def _site_urls(meta: _Meta, rendered: Rendered, summary_html: str) -> tuple[tuple[str | None, str, str], ...]:
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


_FENCE = re.compile(r"^---[ \t]*\r?$", re.M)


def split_front_matter(text: str, source_path: str) -> tuple[str, str, int]:
    """Split '---' front matter from the body; returns (front, body, line the body starts on)."""
    if not text.startswith("---"):
        raise SitegenError(
            [Problem(source_path, line=1, message="expected front matter between '---' lines at the top of the file (at least a title)")]
        )
    first = text.find("\n") + 1
    match = _FENCE.search(text, first)
    if not first or match is None:
        raise SitegenError([Problem(source_path, line=1, message="front matter starts with '---' but has no closing '---' line")])
    front = text[first : match.start()]
    body_start = match.end() + 1
    return front, text[body_start:], text.count("\n", 0, body_start) + 1


@functools.cache
def _loaders() -> tuple[type, type]:
    """(fast, exact) YAML loaders: safe YAML that leaves timestamps as text, so every date is parsed
    one way, with the site's zone. PyYAML is imported here, at the first front matter that must be
    parsed: a rebuild whose front matter is unchanged does without it (10 ms).

    The fast one runs on libyaml when PyYAML has it (10x faster); its error messages differ, so
    errors are read again by the exact one, in PyYAML's own words.
    """
    import yaml

    resolvers = {
        first: [(tag, regexp) for tag, regexp in found if tag != "tag:yaml.org,2002:timestamp"]
        for first, found in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    exact = type("_Loader", (yaml.SafeLoader,), {"yaml_implicit_resolvers": resolvers})
    fast = type("_FastLoader", (getattr(yaml, "CSafeLoader", exact),), {"yaml_implicit_resolvers": resolvers})
    return fast, exact


def parse_yaml(front: str, source_path: str) -> tuple[dict, dict[str, int]]:
    """Parse front matter YAML into a dict and the 1-based file line of each top-level key."""
    import yaml

    fast, exact = _loaders()
    try:
        data, node = _load_yaml(fast, front)
    except yaml.YAMLError:
        try:
            data, node = _load_yaml(exact, front)  # the same error, in PyYAML's own words
        except yaml.YAMLError as error:
            raise SitegenError(yaml_problems(front, error, source_path)) from None
    if not isinstance(data, dict):
        raise SitegenError([Problem(source_path, line=2, message=f"expected front matter of 'key: value' lines, got {type(data).__name__}")])
    key_lines = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            key_lines[str(key_node.value)] = key_node.start_mark.line + 2
    return data, key_lines


_MAX_YAML_PROBLEMS = 20
"""Fixable mistakes reported per file: each is fixed in memory to look for the next one."""


def yaml_problems(front: str, error: Exception, source_path: str) -> list[Problem]:
    """Plain problems for a YAML error in front matter, with the fixed line where the mistake is a common one.

    A line the explanation can fix is fixed in memory and the front matter read again, so one build
    names every such line, and the first mistake it cannot fix.
    """
    import yaml

    exact = _loaders()[1]
    problems = []
    while len(problems) < _MAX_YAML_PROBLEMS:
        problem, fixed = _explain_yaml_error(front, error, source_path)
        problems.append(problem)
        if fixed is None:
            break
        try:
            _load_yaml(exact, fixed)
            break
        except yaml.YAMLError as next_error:
            mark, next_mark = getattr(error, "problem_mark", None), getattr(next_error, "problem_mark", None)
            if mark is None or next_mark is None or next_mark.line <= mark.line:
                break  # the fix did not get past the line: what follows would only confuse
            front, error = fixed, next_error
    return problems


# A `key: value` line of a block mapping (or of a list item), with the value as written.
_KEY_VALUE = re.compile(r"^(?P<indent> *(?:- +)?)(?P<key>[^\s:#'\"\[\]{},&*!|>%@`-][^:#]*?):[ ]+(?P<value>\S.*?)\s*$")


def _explain_yaml_error(front: str, error: Exception, source_path: str) -> tuple[Problem, str | None]:
    """A problem for one YAML error, and the front matter with the line fixed when there is a checked fix."""
    mark = getattr(error, "problem_mark", None)
    parser_says = getattr(error, "problem", None) or str(error)
    if mark is None:
        return Problem(source_path, message=f"invalid YAML in front matter: {parser_says}"), None
    lines = front.split("\n")
    text = lines[mark.line] if mark.line < len(lines) else ""
    line = mark.line + 2  # +1 for 1-based, +1 for the opening '---'
    if "\t" in text:
        indent = text[: len(text) - len(text.lstrip())]
        where = "for indenting" if "\t" in indent else f"after '{text.split(chr(9), 1)[0].strip()}'"
        return Problem(source_path, line, message=f"a tab is used {where}; YAML needs spaces. Replace the tab with spaces."), None
    found = _KEY_VALUE.match(text)
    following = next((later for later in lines[mark.line + 1 :] if later.strip()), "")
    if found and not _indent_of(following) > _indent_of(text):  # a value going on to the next lines is left alone
        indent, key, value = found.group("indent", "key", "value")
        value, comment = _split_comment(value)
        intended, why = _intended_value(value)
        if why is not None:
            fixed_value = _quoted(intended)
            if _parses_to(f"{key}: {fixed_value}", key, intended):
                fixed_line = f"{indent}{key}: {fixed_value}" + (f" {comment}" if comment else "")
                message = f"the value of '{key}' {why}:\n    {fixed_line.strip()}"
                fixed = "\n".join([*lines[: mark.line], fixed_line, *lines[mark.line + 1 :]])
                return Problem(source_path, line, message=message), fixed
    return Problem(source_path, line, message=f"invalid YAML in front matter: {parser_says}"), None


def _indent_of(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _split_comment(value: str) -> tuple[str, str]:
    """(value, '# comment') of an unquoted value; a quoted one is kept whole (its ' #' may be text)."""
    if value[0] in "'\"" or " #" not in value:
        return value, ""
    value, comment = value.split(" #", 1)
    return value.rstrip(), "#" + comment


def _intended_value(value: str) -> tuple[str, str | None]:
    """The text the author meant, and why YAML does not read it so and what to do (None: no common mistake seen)."""
    if value[0] in "'\"":
        quote = value[0]
        if len(value) > 1 and value.endswith(quote):
            quotes, inside = ("single quotes", "an apostrophe") if quote == "'" else ("double quotes", "a double quote")
            return value[1:-1], f"is in {quotes} and has {inside} inside too, which ends the value early. Write it as"
        return value, "starts with a quote but does not end with one. Quote the whole value"
    if ": " in value or value.endswith(":"):
        return value, "contains ': ', which YAML reads as a new key. Put the value in quotes"
    if value[0] in "@`":
        return value, f"starts with '{value[0]}', which YAML does not allow there. Put the value in quotes"
    return value, None


def _quoted(text: str) -> str:
    """text as a YAML scalar: double quotes unless it needs escapes there, else single quotes."""
    if '"' not in text and "\\" not in text:
        return f'"{text}"'
    return "'" + text.replace("'", "''") + "'"


def _parses_to(line: str, key: str, intended: str) -> bool:
    """Whether a fixed `key: value` line reads as {key: intended}: only a checked fix is offered."""
    import yaml

    try:
        data, _ = _load_yaml(_loaders()[1], line)
    except yaml.YAMLError:
        return False
    return data == {key: intended}


def _load_yaml(loader_class: type, front: str) -> tuple[Any, Any]:
    """(data, root node) of one YAML document."""
    loader = loader_class(front)
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else {}), node
    finally:
        loader.dispose()


def validate_meta(raw: dict, key_lines: dict[str, int], source_path: str, kind: str, config: Settings) -> _Meta:
    """Front matter dict -> typed meta, with Jekyll/Hugo aliases; problems name the line and field."""
    schema = SCHEMAS[kind]
    problems = []
    data: dict[str, Any] = {}
    for key, value in raw.items():
        key = str(key)
        if key == "published":  # Jekyll: published: false means a draft
            if not isinstance(value, bool):
                problems.append(Problem(source_path, key_lines.get(key), key, f"expected true or false, got {value!r}"))
            else:
                data["draft"] = data.get("draft", False) or not value
            continue
        canonical = ALIASES.get(key, key)
        if canonical not in schema.model_fields:
            hint = did_you_mean(key, [*schema.model_fields, *(a for a, c in ALIASES.items() if c in schema.model_fields)])
            problems.append(
                Problem(source_path, key_lines.get(key), None, f"unknown field '{key}'", hint or "put your own fields under 'extra:'")
            )
            continue
        if canonical in data:
            problems.append(Problem(source_path, key_lines.get(key), key, f"'{key}' repeats a field given already; use one of them"))
            continue
        data[canonical] = value
    try:
        meta = schema.model_validate(data, context={"tz": config.tz})
    except ValidationError as error:
        reverse = {canonical: alias for alias, canonical in ALIASES.items()}

        def line_of(loc: tuple) -> int | None:
            key = str(loc[0]) if loc else ""
            return key_lines.get(key) or key_lines.get(reverse.get(key, "")) or 1

        problems.extend(problems_from_validation(error, schema, source_path, line_of))
        meta = None
    if problems:
        raise SitegenError(problems)
    return meta


# ---------------------------------------------------------------------------------
# Small parsers
# ---------------------------------------------------------------------------------

_DATE_FORMATS = "YYYY-MM-DD, YYYY-MM-DD HH:MM or YYYY-MM-DDTHH:MM:SS+01:00"


def parse_datetime(value: Any, tz: dt.tzinfo, *, end_of_day: bool = False) -> dt.datetime:
    """A front matter date or datetime, zone-aware (the site's zone unless it has one)."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime.combine(value, dt.time.max.replace(microsecond=0) if end_of_day else dt.time())
    elif isinstance(value, str):
        text = value.strip()
        zone = _ZONE_SUFFIX.search(text)
        if zone and zone.group(1).upper() in ("UTC", "GMT"):
            text = text[: zone.start()].rstrip() + "+00:00"
        elif zone and zone.group(1).upper() in ZONE_ABBREVIATIONS:
            raise ValueError(_zone_in_date_message(text, zone))
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                day = dt.date.fromisoformat(text)
                parsed = dt.datetime.combine(day, dt.time.max.replace(microsecond=0) if end_of_day else dt.time())
            else:
                parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"expected a date like {_DATE_FORMATS}, got {value!r}") from None
    else:
        raise ValueError(f"expected a date like {_DATE_FORMATS}, got {value!r}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed


_ZONE_SUFFIX = re.compile(r"(?<=\d)\s*([A-Za-z]{2,4}(?:\d[A-Za-z]{3})?)$")


def _zone_in_date_message(text: str, zone: re.Match) -> str:
    abbreviation = zone.group(1).upper()
    place, offset = ZONE_ABBREVIATIONS[abbreviation]
    bare = text[: zone.start()].rstrip()
    instead = f"write the offset instead ('{bare}{offset}') or leave it out" if offset and re.search(r"\d:\d\d$", bare) else "leave it out"
    return (
        f"the time zone abbreviation '{zone.group(1)}' in {text!r} is not understood: {instead}; "
        f"a date without one is in the site's time zone (timezone in sitegen.toml, such as '{place}')"
    )


def check_slug(slug: str) -> None:
    """Raise ValueError unless slug is one safe URL path segment."""
    if (
        not slug
        or slug in (".", "..")
        or any(c in slug for c in "/\\?#%\"'<>")
        or any(unicodedata.category(c)[0] in "CZ" for c in slug)
    ):
        raise ValueError(
            f"slug {slug!r} is not a single URL path segment (it could escape the output folder or break links); "
            "expected letters, digits and '-' like 'spring-menu'"
        )


_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}-")


def slug_from_filename(filename: str, kind: str) -> str:
    """'2026-03-01-Spring Menu.md' -> 'spring-menu'."""
    stem = filename.removesuffix(".md")
    if kind == "post":
        stem = _DATE_PREFIX.sub("", stem)
    return slugify(stem)


@functools.lru_cache(maxsize=65536)
def slugify(text: str) -> str:
    """Lower-case words joined by '-', accents folded ('Crème brûlée' -> 'creme-brulee')."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    if not slug:  # a name with no Latin letters keeps its own, URL-safe
        slug = re.sub(r"[\s/\\?#%]+", "-", text.strip().lower()).strip("-")
    return slug or "item"
