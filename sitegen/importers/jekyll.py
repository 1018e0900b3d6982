"""`sitegen import jekyll SITE`: a Jekyll site's posts, drafts, pages and files, with the URLs and feed ids
Jekyll and jekyll-feed gave them."""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..errors import Problem, SitegenError
from ..meta import slugify
from .common import Import, Item, Links, Note, Settings, claim_slug, files_under, rewrite_links
from .html import html_to_markdown
from .sources import listed, read_config, read_front, shown, static_files, when
from .templates import convert_liquid

STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
"""Jekyll's permalink styles, by name."""
POST_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})-(.+)\.(md|markdown|mdown|mkd|html)$")
PAGE_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd", ".html")
SKIPPED = ("node_modules", "vendor", "_site", ".jekyll-cache", ".sass-cache", ".bundle")
JEKYLL_FOLDERS = ("_posts", "_drafts", "_layouts", "_includes", "_sass", "_data", "_plugins")
"""Folders Jekyll itself reads: posts and drafts are imported; templates, styles, data and plugins have no content."""
MAPPED = {"title", "date", "last_modified_at", "modified", "updated", "excerpt", "description", "tags", "tag", "categories", "category",
          "author", "image", "published", "slug", "permalink", "redirect_from", "layout", "draft", "redirect_to", "lang"}


def read_jekyll(folder: Path, shown_as: str, *, site_url: str | None = None, authors_known: set[str] | None = None) -> Import:
    """Read a Jekyll site: _posts (.md, .markdown, ...), _drafts, pages, and its pictures and downloads."""
    config_path = folder / "_config.yml"
    if not config_path.is_file():
        config_path = folder / "_config.yaml"
    if not config_path.is_file():
        raise SitegenError([Problem(shown_as, message="not a Jekyll site: expected a folder with _config.yml")])
    config = read_config(config_path, f"{shown_as}/{config_path.name}")
    url = (site_url or str(config.get("url") or "").rstrip("/") + str(config.get("baseurl") or "").rstrip("/"))
    if not re.match(r"https?://[^/\s]+", url or ""):
        raise SitegenError([Problem(f"{shown_as}/{config_path.name}", None, "url", f"the site's address is not set (got {url!r})", "give it with --site-url https://your-old-site.example")])
    zone = str(config.get("timezone") or "UTC")
    style = str(config.get("permalink") or "date")
    pattern = STYLES.get(style, style)
    notes: list[Note] = []
    taken: set[str] = set()
    counts = {"posts": 0, "drafts (draft: true)": 0, "pages": 0}
    raw: list[tuple[Item, Path, str, str, dict]] = []  # (item, source file, its name in messages, format, variables)

    posts = sorted(p for p in files_under(folder / "_posts") if p.suffix in PAGE_SUFFIXES) if (folder / "_posts").is_dir() else []
    drafts = sorted(p for p in files_under(folder / "_drafts") if p.suffix in PAGE_SUFFIXES) if (folder / "_drafts").is_dir() else []
    for path, draft in [(p, False) for p in posts] + [(p, True) for p in drafts]:
        name = path.relative_to(folder).as_posix()
        read = read_front(path, f"{shown_as}/{name}")
        if read is None:
            notes.append(Note(f"{shown_as}/{name}", None, "no front matter, so Jekyll did not publish it either; not imported"))
            continue
        front, body, _ = read
        dated = POST_FILE.match(path.name)
        file_slug = dated.group(2) if dated else path.stem
        if "date" in front:
            date = when(front["date"], zone, f"{shown_as}/{name}", "date")
        elif dated:
            date = when(dated.group(1), zone, f"{shown_as}/{name}", "date")
        else:  # a draft without a date: Jekyll dates it by the file's time
            date = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc).replace(microsecond=0)
        categories = listed(front.get("categories")) + listed(front.get("category"))
        slug_in_url = str(front.get("slug") or file_slug)
        old = None if draft or front.get("published") is False else _post_url(str(front.get("permalink") or pattern), date, slug_in_url, categories)
        slug = claim_slug(slugify(slug_in_url), "post", taken, notes, f"{shown_as}/{name}")
        mapped = _map_front(front, "post", draft, date, categories, notes, f"{shown_as}/{name}", zone)
        if old is not None:  # jekyll-feed's <id>: post.id | absolute_url, the URL's folder and the slug
            mapped["id"] = url + quote(posixpath.join(posixpath.dirname(old.rstrip("/")) or "/", slug_in_url), safe="/%:@&=+$,;~!*'()")
        item = Item("post", f"content/posts/{date:%Y-%m-%d}-{slug}.md", mapped, body, _old_urls(old, front))
        raw.append((item, path, name, path.suffix, _variables(config, front)))
        counts["drafts (draft: true)" if mapped.get("draft") else "posts"] += 1

    for path in files_under(folder, SKIPPED):
        name = path.relative_to(folder).as_posix()
        if name.split("/", 1)[0].startswith("_") or path.suffix not in PAGE_SUFFIXES or path.name.startswith(("README", "LICENSE", "CHANGELOG")):
            continue
        read = read_front(path, f"{shown_as}/{name}")
        if read is None:
            continue  # copied as it is by Jekyll: a static file (handled below when it is a picture or download)
        front, body, _ = read
        if name in ("index.md", "index.html", "index.markdown", "404.html", "404.md") or "paginator" in body or "site.posts" in body:
            notes.append(Note(f"{shown_as}/{name}", None, "a home page, list of posts or error page: sitegen makes its own; not imported"))
            continue
        old = _page_url(name, front, style)
        stem = Path(name).stem if Path(name).stem != "index" else Path(name).parent.name
        slug = claim_slug(slugify(str(front.get("slug") or stem)), "page", taken, notes, f"{shown_as}/{name}")
        mapped = _map_front(front, "page", False, None, [], notes, f"{shown_as}/{name}", zone)
        item = Item("page", f"content/pages/{slug}.md", mapped, body, _old_urls(old, front))
        raw.append((item, path, name, path.suffix, _variables(config, front)))
        counts["drafts (draft: true)" if mapped.get("draft") else "pages"] += 1

    for child in sorted(folder.iterdir()):
        if child.is_dir() and child.name.startswith("_") and child.name not in JEKYLL_FOLDERS and child.name not in SKIPPED:
            documents = [p for p in files_under(child) if p.suffix in PAGE_SUFFIXES]
            if documents:  # a collection (_recipes/): nothing of sitegen's holds it, and it must not vanish unsaid
                notes.append(Note(f"{shown_as}/{child.name}/", None, (
                    f"a collection of {len(documents)} document{'s' if len(documents) != 1 else ''}: sitegen has no collections, "
                    "so they were not imported; copy them into content/pages/ (or content/posts/ with a date) by hand"
                )))

    files = static_files(folder, "/", SKIPPED)
    copied = {old: "/" + new.removeprefix("content/") for old, new, _ in files}
    built = {item.path for item, *_ in raw if not item.front.get("draft")}
    links = Links(url, [item for item, *_ in raw], copied, built)
    by_post_name = {path.stem: item for item, path, *_ in raw if item.kind == "post"}
    by_source = {name: item for item, _, name, *_ in raw}

    def to_file(item: Item | None) -> str | None:
        if item is None:
            return None
        return "/" + item.path.removeprefix("content/") if item.path in built else item.new_url

    final = []
    for item, path, name, suffix, variables in raw:
        body, leftovers = convert_liquid(item.body, variables, lambda n: to_file(by_post_name.get(Path(n).stem)), lambda n: to_file(by_source.get(n.lstrip("/"))))
        if suffix == ".html":
            body = html_to_markdown(body, [text for text, _ in leftovers])
        body = rewrite_links(body, links.rewrite)
        front = dict(item.front)
        if isinstance(front.get("image"), str):
            front["image"] = links.rewrite(front["image"])
        front["aliases"] = _aliases(item, front)
        final.append(Item(item.kind, item.path, front, body, item.old_urls, tuple(leftovers)))
    for unresolved in sorted(set(links.unresolved)):
        notes.append(Note(shown_as, None, f"a link to {unresolved} matches no imported post, page or file: it now leads to the old site"))
    counts["pictures and files copied to content/static/"] = len(files)
    settings = Settings(
        title=str(config.get("title") or "My site"),
        description=str(config.get("description") or config.get("tagline") or config.get("title") or "My site").strip(),
        base_url=url,
        language=str(config.get("lang") or config.get("locale") or "en").replace("_", "-"),
        timezone=zone,
        navigation=tuple((str(by_source[p].front["title"]), by_source[p].new_url) for p in config.get("header_pages") or [] if p in by_source),
    )
    copies = tuple((new, source) for _, new, source in files)
    return Import("jekyll", shown_as, settings, tuple(final), copies, counts, tuple(notes))


def _post_url(pattern: str, date: dt.datetime, slug: str, categories: list[str]) -> str:
    """A post's URL as Jekyll makes it from a permalink pattern."""
    pattern = STYLES.get(pattern, pattern)
    values = {
        "year": f"{date:%Y}", "month": f"{date:%m}", "day": f"{date:%d}", "i_month": str(date.month), "i_day": str(date.day),
        "short_year": f"{date:%y}", "hour": f"{date:%H}", "minute": f"{date:%M}", "second": f"{date:%S}", "y_day": f"{date:%j}",
        "title": quote(slug), "slug": quote(slug), "categories": "/".join(quote(c.lower()) for c in dict.fromkeys(categories)), "output_ext": ".html",
    }
    url = re.sub(r":(\w+)", lambda m: values.get(m.group(1), m.group(0)), pattern)
    return re.sub(r"/{2,}", "/", "/" + url)


def _page_url(name: str, front: dict, style: str) -> str:
    """A page's URL as Jekyll makes it: its permalink, else its path with .html (or a folder, with pretty URLs)."""
    if front.get("permalink"):
        return "/" + str(front["permalink"]).lstrip("/")
    stem = posixpath.splitext(name)[0]
    if posixpath.basename(stem) == "index":
        return "/" + posixpath.dirname(stem) + ("/" if posixpath.dirname(stem) else "")
    return f"/{stem}/" if style == "pretty" or style.endswith("/") else f"/{stem}.html"


def _old_urls(old: str | None, front: dict) -> tuple[str, ...]:
    return tuple(([old] if old else []) + ["/" + str(a).lstrip("/") for a in listed(front.get("redirect_from"))])


def _aliases(item: Item, front: dict) -> list[str]:
    """Every old URL but the new one ('/about' and '/about/' are the same place)."""
    new = item.new_url
    return [url for url in dict.fromkeys(item.old_urls) if url.rstrip("/") + "/" != new and url != "/"]


def _variables(config: dict, front: dict) -> dict[str, Any]:
    """What {{ site.x }} and {{ page.x }} may be filled in with: text settings and front matter; the
    site's address is left out (links are site-relative)."""
    found: dict[str, Any] = {"site.url": "", "site.baseurl": ""}
    found.update({f"site.{key}": value for key, value in config.items() if isinstance(value, (str, int, float)) and key not in ("url", "baseurl")})
    found.update({f"page.{key}": value for key, value in front.items() if isinstance(value, (str, int, float))})
    return found


def _map_front(front: dict, kind: str, draft: bool, date: dt.datetime | None, categories: list[str], notes: list[Note], where: str, zone: str) -> dict:
    """Jekyll's front matter as sitegen's: known keys mapped, the rest kept under extra:."""
    mapped: dict[str, Any] = {"title": str(front.get("title") or _titleize(Path(where).stem))}
    if date is not None:
        mapped["date"] = shown(date)
    for key in ("last_modified_at", "modified", "updated"):
        if key in front:
            mapped["updated"] = shown(when(front[key], zone, where, key))
    summary = front.get("excerpt") or front.get("description")
    if summary:
        mapped["summary"] = " ".join(str(summary).split())
    author = front.get("author")
    if isinstance(author, dict):
        author = author.get("name")
    if author and kind == "post":
        mapped["author"] = str(author)
    if kind == "post":
        mapped["categories"] = list(dict.fromkeys(categories))
        mapped["tags"] = listed(front.get("tags")) + listed(front.get("tag"))
    image = front.get("image")
    if isinstance(image, dict):
        image = image.get("path") or image.get("feature")
    if image:
        mapped["image"] = str(image)
    if draft or front.get("published") is False or front.get("draft") is True:
        mapped["draft"] = True
    if front.get("redirect_to"):
        notes.append(Note(where, None, f"redirect_to {front['redirect_to']}: a page that only sent visitors elsewhere; imported as a page, set its text or delete it"))
    mapped.update({key: value for key, value in front.items() if key not in MAPPED})
    return mapped


def _titleize(stem: str) -> str:
    return re.sub(r"^\d{4}-\d{2}-\d{2}-", "", stem).replace("-", " ").capitalize()
