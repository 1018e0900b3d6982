"""What every importer makes (an Import: items, files to copy, settings, a report) and how it is written:
checked whole first, then written; never over a file without force; the same source, the same bytes."""

from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from ..errors import Problem, SitegenError
from ..files import write_atomically
from ..meta import slugify
from ..schema import CONFIG_FILE

REPORT_FILE = "import-report.txt"
"""The report, saved in the site folder beside content/ (never published)."""
KNOWN_KEYS = ("title", "date", "updated", "slug", "summary", "author", "categories", "tags", "image", "draft", "id", "aliases", "menu")
"""Front matter keys written as they are, in this order; any other goes under extra:."""
STATIC_SUFFIXES = (
    ".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".svg", ".ico", ".bmp", ".tif", ".tiff",
    ".pdf", ".mp3", ".m4a", ".ogg", ".oga", ".wav", ".mp4", ".m4v", ".webm", ".mov", ".zip", ".csv", ".txt", ".vtt",
)
"""Files copied to content/static/ from a Jekyll or Hugo site: pictures, media and downloads (not its theme's code)."""


@dataclass(frozen=True)
class Note:
    """Something not carried over as it was: where it is (the new file and line, or a source file) and what."""

    where: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.where}{'' if self.line is None else f':{self.line}'}: {self.message}"


@dataclass(frozen=True)
class Item:
    """One post or page to write."""

    kind: str
    """'post' or 'page'."""
    path: str
    """Where it goes in the site: 'content/posts/2019-03-05-hello.md'."""
    front: Mapping[str, Any]
    """Its front matter, known keys first (KNOWN_KEYS), the rest to go under extra:."""
    body: str
    """Markdown."""
    old_urls: tuple[str, ...] = ()
    """Its site-relative URLs on the old site, first the one links used: each becomes an alias but the new URL."""
    leftovers: tuple[tuple[str, str], ...] = ()
    """(text in the body, why) for each construct kept as a comment: the report names its line."""

    @property
    def new_url(self) -> str:
        """Its URL under sitegen's default permalinks."""
        name = self.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        slug = self.front.get("slug") or slugify(re.sub(r"^\d{4}-\d{2}-\d{2}-", "", name) if self.kind == "post" else name)
        return f"/posts/{slug}/" if self.kind == "post" else f"/{slug}/"


@dataclass(frozen=True)
class Settings:
    """The new site's sitegen.toml, as the source says it."""

    title: str
    description: str
    base_url: str
    language: str = "en"
    timezone: str = "UTC"
    authors: Mapping[str, str] = field(default_factory=dict)
    """Key -> display name."""
    navigation: tuple[tuple[str, str], ...] = ()
    """(title, site URL or absolute URL)."""


@dataclass(frozen=True)
class Import:
    """Everything an importer read, ready to be written."""

    source_kind: str
    """'wordpress', 'jekyll' or 'hugo'."""
    source: str
    """What was read, as the command line named it."""
    settings: Settings
    items: tuple[Item, ...]
    copies: tuple[tuple[str, Path], ...] = ()
    """(path in the site, 'content/static/x.png'; the file to copy)."""
    counts: Mapping[str, int] = field(default_factory=dict)
    """What was found and imported, by kind, in the order the report says them."""
    notes: tuple[Note, ...] = ()
    """What was not converted, or only in part."""
    listed: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Lists the report shows whole: (heading, lines), such as the attachments' URLs."""


# --- Front matter and Markdown files ---------------------------------------------------------------


def render_item(item: Item) -> str:
    """The file's text: YAML front matter (known keys, then extra:) and the Markdown body."""
    known = {key: item.front[key] for key in KNOWN_KEYS if key in item.front and item.front[key] not in (None, "", [], ())}
    extra = {key: _plain(value) for key, value in item.front.items() if key not in KNOWN_KEYS and value not in (None, "", [], {})}
    if extra:
        known["extra"] = extra
    front = "".join(f"{key}: {_yaml(value)}\n" for key, value in _plain(known).items())
    body = item.body.strip("\n")
    return f"---\n{front}---\n{body}\n" if body else f"---\n{front}---\n"


def _yaml(value: Any) -> str:
    """One value as YAML on one line: lists and tables in flow style ([a, b], {k: v})."""
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=1_000_000, sort_keys=False)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def _plain(value: Any) -> Any:
    """A value YAML writes plainly: tuples as lists, dates and other objects as text."""
    if isinstance(value, Mapping):
        return {str(key): _plain(inner) for key, inner in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(inner) for inner in value]
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    return value.isoformat(sep=" ") if hasattr(value, "isoformat") and hasattr(value, "hour") else str(value)


def comment(text: str) -> str:
    """text kept in the Markdown as an HTML comment: in the file for the owner, not on the page."""
    return "<!-- " + text.replace("--", "- -").strip() + " -->"


def unique_path(folder: str, stem: str, suffix: str, taken: set[str]) -> str:
    """folder/stem.suffix, or folder/stem-2.suffix ... when taken (which it joins)."""
    number, path = 1, f"{folder}/{stem}{suffix}"
    while path in taken:
        number += 1
        path = f"{folder}/{stem}-{number}{suffix}"
    taken.add(path)
    return path


RESERVED = {"posts", "tags", "categories", "authors", "archive", "offers", "subscribe", "updates", "static", "page"}
"""First parts of URLs sitegen's own pages use: a page slug among them would collide with them."""


def claim_slug(slug: str, kind: str, taken: set[str], notes: list[Note], where: str) -> str:
    """slug, or slug-2 ... when another item of the kind has it (or a page's would be one of sitegen's own URLs)."""
    wanted = slug
    if kind == "page" and slug in RESERVED:
        slug = f"{slug}-page"
        notes.append(Note(where, None, f"the page '{wanted}' would take sitegen's own /{wanted}/: it is at /{slug}/ (its old address redirects)"))
    number, claimed = 1, slug
    while f"{kind}:{claimed}" in taken:
        number += 1
        claimed = f"{slug}-{number}"
    if claimed != slug:
        notes.append(Note(where, None, f"two {kind}s have the slug '{slug}': the second is '{claimed}' (its old address redirects)"))
    taken.add(f"{kind}:{claimed}")
    return claimed


def site_path(url: str) -> str:
    """The path of a URL, decoded as a web server reads it ('/a%20b/' -> '/a b/'); '' for another host."""
    from urllib.parse import unquote

    return unquote(urlsplit(url).path or "/")


# --- Links to the old site -------------------------------------------------------------------------

_MARKDOWN_LINK = re.compile(r"(?P<open>!?\[[^\]]*\]\()(?P<url>[^)\s]+)(?P<close>(?:\s+\"[^\"]*\")?\))")
_HTML_LINK = re.compile(r"(?P<open>\b(?:href|src)=\")(?P<url>[^\"]+)(?P<close>\")")


def rewrite_links(body: str, rewrite) -> str:
    """body with each link and image URL (Markdown's and raw HTML's) given to rewrite(url) -> url."""
    body = _MARKDOWN_LINK.sub(lambda m: m.group("open") + rewrite(m.group("url")) + m.group("close"), body)
    return _HTML_LINK.sub(lambda m: m.group("open") + rewrite(m.group("url")) + m.group("close"), body)


class Links:
    """Where old links lead now: an imported item's content file, a copied file, or the old site."""

    def __init__(self, old_base: str, items: Iterable[Item], copied: Mapping[str, str], built: set[str]):
        """old_base: the old site's URL ('https://old.example/blog'); copied: old site path -> new site URL;
        built: paths of the items a build shows (linking to a draft would be an error)."""
        items = list(items)
        parts = urlsplit(old_base)
        self.host = parts.netloc.lower()
        self.base_path = parts.path.rstrip("/")
        self.old_base = old_base.rstrip("/")
        self.items: dict[str, Item] = {}
        for item in items:
            for url in item.old_urls:
                self.items.setdefault(_normal(url), item)
        self.copied = dict(copied)
        self.built = built
        self.files = {"/" + item.path.removeprefix("content/") for item in items}
        self.unresolved: list[str] = []

    def rewrite(self, url: str) -> str:
        """The new link for url, or url itself when it is not the old site's."""
        parts = urlsplit(url)
        if parts.scheme and parts.scheme not in ("http", "https") or url.startswith("#"):
            return url
        if parts.netloc and parts.netloc.lower() not in (self.host, "www." + self.host, self.host.removeprefix("www.")):
            return url
        if not parts.netloc and not url.startswith("/"):
            return url  # relative: the importer resolved what it knows
        path = site_path(url)
        if not parts.netloc and path in self.files:
            return url  # already a link to an imported file
        if self.base_path and path.startswith(self.base_path + "/"):
            path = path[len(self.base_path):]
        suffix = ("#" + parts.fragment) if parts.fragment else ""
        if path in self.copied:
            return self.copied[path]
        item = self.items.get(_normal(path + ("?" + parts.query if parts.query else ""))) or self.items.get(_normal(path))
        if item is not None and item.path in self.built:
            return "/" + item.path.removeprefix("content/") + suffix
        if item is not None:
            return item.new_url + suffix
        self.unresolved.append(url)
        if parts.netloc:
            return url
        return self.old_base + url if self.old_base else url  # to the old site, named in the report


def _normal(url: str) -> str:
    """An old URL as links are compared: decoded, 'x/index.html' as 'x/', without a trailing slash."""
    path, _, query = url.partition("?")
    path = site_path(path) if path else "/"
    path = path.removesuffix("index.html").removesuffix("index.htm")
    return path.rstrip("/") + ("?" + query if query else "")


# --- Writing ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Written:
    """What write_import() did."""

    site: Path
    created: bool
    """Whether the import wrote the site's settings: a new site, or one an import of the same source made."""
    written: tuple[str, ...]
    """Paths (in the site) whose bytes were written."""
    unchanged: tuple[str, ...]
    """Paths whose bytes were already the same."""
    report: str
    """The report's text, as saved in REPORT_FILE."""


def plan_files(result: Import, site: Path, new_site: bool) -> dict[str, bytes | Path]:
    """Every file of the import, by path in the site: text as bytes, a copy as its source Path."""
    files: dict[str, bytes | Path] = {}
    if new_site:
        files[CONFIG_FILE] = settings_text(result.settings).encode("utf-8")
        files[".gitignore"] = b"output/\n.sitegen-cache/\nprivate/\n"
    for item in result.items:
        files[item.path] = render_item(item).encode("utf-8")
    for path, source in result.copies:
        files[path] = source
    return files


def write_import(result: Import, site: Path, *, force: bool = False) -> Written:
    """Write the import into site (made when missing): nothing is written while any file it would replace
    differs, unless force. The report is made last, with each note's line in the written files."""
    site = Path(site)
    config = site / CONFIG_FILE
    # A site this import made (its settings as the import writes them) is imported into as it was made.
    new_site = not config.exists() or _same_bytes(config, settings_text(result.settings).encode("utf-8"))
    if site.exists() and not site.is_dir():
        raise SitegenError([Problem(str(site), message="is a file; expected a site folder (new, or holding sitegen.toml)")])
    files = plan_files(result, site, new_site)
    report = render_report(result, files, settings_text(result.settings) if not new_site else None)
    files[REPORT_FILE] = report.encode("utf-8")
    problems, same = [], []
    for path, data in files.items():
        target = site / path
        if not target.exists():
            continue
        if target.is_dir():
            problems.append(Problem(str(target), message="is a folder; the import writes a file there"))
        elif _same_bytes(target, data):
            same.append(path)
        elif not force:
            problems.append(Problem(str(target), message="exists and differs from what the import would write", hint="nothing was changed; pass --force to replace it"))
    if problems:
        raise SitegenError(problems)
    written = []
    for path, data in files.items():
        if path in same:
            continue
        target = site / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, Path):
            write_atomically(target, lambda file, source=data: _copy(source, file))
        else:
            write_atomically(target, data)
        written.append(path)
    return Written(site, new_site, tuple(written), tuple(same), report)


def _copy(source: Path, file) -> None:
    with open(source, "rb") as original:
        shutil.copyfileobj(original, file)


def _same_bytes(target: Path, data: bytes | Path) -> bool:
    if isinstance(data, Path):
        return target.stat().st_size == data.stat().st_size and target.read_bytes() == data.read_bytes()
    return target.read_bytes() == data


def settings_text(settings: Settings) -> str:
    """The new site's sitegen.toml."""
    lines = [
        "# Settings for sitegen, made by `sitegen import` from the old site: every key is documented in the README.",
        f"title = {_toml(settings.title)}",
        f"description = {_toml(settings.description)}",
        f"base_url = {_toml(settings.base_url)}",
        f"language = {_toml(settings.language)}",
        f"timezone = {_toml(settings.timezone)}",
    ]
    for key, name in sorted(settings.authors.items()):
        lines += ["", f"[authors.{_toml(key) if not re.fullmatch(r'[A-Za-z0-9_-]+', key) else key}]", f"name = {_toml(name)}"]
    for title, url in settings.navigation:
        lines += ["", "[[navigation]]", f"title = {_toml(title)}", f"url = {_toml(url)}"]
    return "\n".join(lines) + "\n"


def _toml(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a TOML basic string


def existing_authors(site: Path) -> set[str] | None:
    """The [authors] keys of the site's sitegen.toml, or None for a new site."""
    try:
        return set(tomllib.loads((site / CONFIG_FILE).read_text(encoding="utf-8")).get("authors", {}))
    except (OSError, tomllib.TOMLDecodeError):
        return None


def render_report(result: Import, files: Mapping[str, bytes | Path], settings: str | None = None) -> str:
    """The report: counts per kind, the lists, and each thing not converted with its file and line (in the
    site). It names no folder of this machine but the source as given, so the same import reports the same."""
    lines = [f"sitegen import {result.source_kind} {result.source}", ""]
    lines += [f"{count:>6} {what}" for what, count in result.counts.items()]
    if settings is not None:
        lines += ["", "The site's own sitegen.toml was left as it is. The old site's settings, to copy what you want from:"]
        lines += [f"  {line}" if line else "" for line in settings.splitlines()]
    for heading, entries in result.listed:
        if entries:
            lines += ["", heading] + [f"  {entry}" for entry in entries]
    notes = list(result.notes)
    for item in result.items:
        text = files[item.path]
        assert isinstance(text, bytes)
        decoded = text.decode("utf-8")
        for needle, why in item.leftovers:
            index = decoded.find(needle)
            notes.append(Note(item.path, decoded.count("\n", 0, index) + 1 if index >= 0 else None, why))
    if notes:
        lines += ["", "Not converted, or only in part (file by file):"]
        lines += [f"  {note}" for note in sorted(set(notes), key=lambda n: (n.where, n.line or 0, n.message))]
    else:
        lines += ["", "Everything was converted."]
    lines += ["", "Next: `sitegen build` in the site's folder, then look at each page named above."]
    return "\n".join(lines) + "\n"


def relative_to(path: str, start: str) -> str:
    """posixpath.relpath, for paths inside a source folder."""
    return posixpath.relpath(path, start)


def files_under(folder: Path, skip: tuple[str, ...] = ()) -> list[Path]:
    """Every file under folder in path order, hidden ones (and folders named in skip) left out."""
    found = []
    for directory, subdirectories, names in os.walk(folder):
        subdirectories[:] = sorted(d for d in subdirectories if not d.startswith(".") and d not in skip)
        found += [Path(directory) / name for name in sorted(names) if not name.startswith(".")]
    return found
