"""`sitegen import hugo SITE`: a Hugo site's posts, pages, page bundles and static files, with the URLs
Hugo gave them and the permalinks its RSS used as guids."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Any

from ..errors import Problem, SitegenError
from ..meta import slugify
from .common import Import, Item, Links, Note, Settings, claim_slug, files_under, rewrite_links
from .html import html_to_markdown
from .sources import listed, read_config, read_front, shown, static_files, urlize, when
from .templates import convert_shortcodes

CONFIG_FILES = ("hugo.toml", "hugo.yaml", "hugo.yml", "config.toml", "config.yaml", "config.yml")
CONTENT_SUFFIXES = (".md", ".markdown", ".mdown", ".html")
MAPPED = {"title", "date", "publishDate", "publishdate", "pubDate", "lastmod", "lastMod", "modified", "expiryDate", "expirydate", "draft", "tags",
          "categories", "slug", "url", "aliases", "description", "summary", "images", "image", "featured_image", "cover", "author", "authors",
          "layout", "weight", "type", "menu", "toc"}


def read_hugo(folder: Path, shown_as: str, *, site_url: str | None = None, authors_known: set[str] | None = None) -> Import:
    """Read a Hugo site: content/ (posts, pages, page bundles with their pictures), static/, and its settings."""
    config_path = next((folder / name for name in CONFIG_FILES if (folder / name).is_file()), None)
    if config_path is None:
        raise SitegenError([Problem(shown_as, message=f"not a Hugo site: expected a folder with {' or '.join(CONFIG_FILES[:4])}")])
    config = read_config(config_path, f"{shown_as}/{config_path.name}")
    url = site_url or str(config.get("baseURL") or config.get("baseurl") or "").rstrip("/")
    if not re.match(r"https?://[^/\s]+", url or ""):
        raise SitegenError([Problem(f"{shown_as}/{config_path.name}", None, "baseURL", f"the site's address is not set (got {url!r})", "give it with --site-url https://your-old-site.example")])
    params = config.get("params") if isinstance(config.get("params"), dict) else {}
    zone = str(config.get("timeZone") or config.get("timezone") or "UTC")
    permalinks = {str(k).lower(): str(v) for k, v in (config.get("permalinks") or {}).items() if isinstance(v, str)}
    ugly = bool(config.get("uglyURLs") or config.get("uglyurls"))
    content = folder / "content"
    notes: list[Note] = []
    taken: set[str] = set()
    counts = {"posts": 0, "drafts (draft: true)": 0, "pages": 0, "page bundles (their pictures copied)": 0}
    raw: list[tuple[Item, str, str, Path]] = []  # (item, its name in messages, its format, its folder for relative pictures)
    copies: list[tuple[str, Path]] = []
    copied: dict[str, str] = {}
    paths = [p for p in files_under(content)] if content.is_dir() else []
    bundles = {p.parent for p in paths if p.name in ("index.md", "index.markdown", "index.html")}
    for path in paths:
        relative = path.relative_to(content).as_posix()
        name = f"content/{relative}"
        if path.parent in bundles and path.name not in ("index.md", "index.markdown", "index.html"):
            continue  # a bundle's resource: copied with it
        if path.suffix not in CONTENT_SUFFIXES:
            continue
        if path.name.startswith("_index"):
            notes.append(Note(f"{shown_as}/{name}", None, "a section's list page: sitegen makes its own lists; not imported"))
            continue
        read = read_front(path, f"{shown_as}/{name}")
        if read is None:
            notes.append(Note(f"{shown_as}/{name}", None, "no front matter; not imported"))
            continue
        front, body, _ = read
        bundle = path.parent in bundles
        section = relative.split("/", 1)[0] if "/" in relative else ""
        file_name = path.parent.name if bundle else path.stem
        dated = front.get("publishDate") or front.get("publishdate") or front.get("pubDate") or front.get("date")
        kind = "post" if section and dated else "page"
        where = f"{shown_as}/{name}"
        date = when(dated, zone, where, "date") if dated else None
        old = _hugo_url(front, section, file_name, date, permalinks, ugly)
        slug = claim_slug(slugify(str(front.get("slug") or file_name)), kind, taken, notes, where)
        mapped = _map_front(front, kind, date, zone, where, notes)
        if kind == "post" and not mapped.get("draft"):
            mapped["id"] = url + old  # Hugo's RSS gives each item its permalink as guid
        aliases = [_alias(str(a), posixpath.dirname(old.rstrip("/"))) for a in listed(front.get("aliases"))]
        target = f"content/posts/{date:%Y-%m-%d}-{slug}.md" if kind == "post" else f"content/pages/{slug}.md"
        published = () if mapped.get("draft") else (old, *aliases)  # a draft never had an address
        raw.append((Item(kind, target, mapped, body, published), where, path.suffix, path.parent if bundle else content))
        if bundle:
            counts["page bundles (their pictures copied)"] += 1
            for resource in files_under(path.parent):
                if resource == path or resource.suffix in CONTENT_SUFFIXES:
                    continue
                inside = resource.relative_to(path.parent).as_posix()
                new = f"content/static/{posixpath.dirname(relative)}/{inside}"
                copies.append((new, resource))
                copied[f"{old.rstrip('/')}/{inside}"] = "/" + new.removeprefix("content/")
        counts["drafts (draft: true)" if mapped.get("draft") else f"{kind}s"] += 1

    files = static_files(folder / "static", "/") if (folder / "static").is_dir() else []
    copied.update({old: "/" + new.removeprefix("content/") for old, new, _ in files})
    copies += [(new, source) for _, new, source in files]
    items = [item for item, *_ in raw]
    built = {item.path for item in items if not item.front.get("draft")}
    links = Links(url, items, copied, built)
    by_name = {}
    for item, where, *_ in raw:
        relative = where.split("/content/", 1)[-1]
        stem = posixpath.splitext(relative)[0]
        if stem.endswith("/index"):  # a bundle is named by its folder
            stem = posixpath.dirname(stem)
        for key in (relative, stem, posixpath.basename(stem)):
            by_name.setdefault(key, item)

    def ref(target: str) -> str | None:
        item = by_name.get(target) or by_name.get(target.lstrip("/")) or by_name.get(posixpath.splitext(target.lstrip("/"))[0])
        if item is None:
            return None
        return "/" + item.path.removeprefix("content/") if item.path in built else item.new_url

    final = []
    for item, where, suffix, base in raw:
        old_folder = (item.old_urls[0] if item.old_urls else item.new_url).rstrip("/")

        def image(source: str, old_folder: str = old_folder) -> str:
            return source if "://" in source or source.startswith("/") else f"{old_folder}/{source}"

        body, leftovers = convert_shortcodes(item.body, ref, image)
        if suffix == ".html":
            body = html_to_markdown(body, [text for text, _ in leftovers])
        body = rewrite_links(body, lambda link, old_folder=old_folder: links.rewrite(_absolute(link, old_folder)))
        front = dict(item.front)
        if isinstance(front.get("image"), str):
            front["image"] = links.rewrite(_absolute(front["image"], old_folder))
        new = item.new_url
        front["aliases"] = [u for u in dict.fromkeys(item.old_urls) if u.rstrip("/") + "/" != new]
        final.append(Item(item.kind, item.path, front, body, item.old_urls, tuple(leftovers)))
    for unresolved in sorted(set(links.unresolved)):
        notes.append(Note(shown_as, None, f"a link to {unresolved} matches no imported post, page or file: it now leads to the old site"))
    counts["pictures and files copied to content/static/"] = len(copies)
    menu = config.get("menu", {}).get("main", []) if isinstance(config.get("menu"), dict) else []
    navigation = []
    for entry in sorted((e for e in menu if isinstance(e, dict)), key=lambda e: (e.get("weight", 0), str(e.get("name", "")))):
        target = links.rewrite(str(entry.get("url") or entry.get("pageRef") or ""))
        item = next((i for i in final if "/" + i.path.removeprefix("content/") == target), None)
        if item is not None or target.startswith("http"):
            navigation.append((str(entry.get("name") or (item.front["title"] if item else target)), item.new_url if item else target))
    settings = Settings(
        title=str(config.get("title") or "My site"),
        description=str(params.get("description") or params.get("subtitle") or config.get("title") or "My site"),
        base_url=url,
        language=str(config.get("languageCode") or config.get("defaultContentLanguage") or "en"),
        timezone=zone,
        navigation=tuple(navigation),
    )
    return Import("hugo", shown_as, settings, tuple(final), tuple(copies), counts, tuple(notes))


def _hugo_url(front: dict, section: str, file_name: str, date, permalinks: dict[str, str], ugly: bool) -> str:
    """An item's URL as Hugo makes it: front matter url, else its section's permalink pattern, else /section/slug/."""
    if front.get("url"):
        return "/" + str(front["url"]).lstrip("/")
    title = str(front.get("title") or file_name)
    slug = str(front.get("slug") or "")
    pattern = permalinks.get(section.lower()) if section else permalinks.get("page")
    if not pattern:
        path = "/".join(p for p in (section, slug or file_name) if p)
        return f"/{path}.html" if ugly else f"/{path}/"
    values = {
        "year": f"{date:%Y}" if date else "", "month": f"{date:%m}" if date else "", "day": f"{date:%d}" if date else "",
        "monthname": f"{date:%B}".lower() if date else "", "title": urlize(title), "slug": slug or urlize(title),
        "slugorfilename": slug or file_name, "slugorcontentbasename": slug or file_name, "filename": file_name,
        "contentbasename": file_name, "section": section, "sections": section,
    }
    url = re.sub(r":(\w+)", lambda m: values.get(m.group(1).lower(), m.group(0)), pattern)
    return re.sub(r"/{2,}", "/", "/" + url)


def _alias(alias: str, folder: str) -> str:
    """A Hugo alias as a site URL: absolute as it is, relative from the item's folder."""
    return alias if alias.startswith("/") else posixpath.join(folder or "/", alias)


def _absolute(link: str, folder: str) -> str:
    """A relative link of a page (a bundle's picture, 'photo.jpg') as a path from the old site's root."""
    if not link or "://" in link or link.startswith(("/", "#", "mailto:", "tel:")):
        return link
    return posixpath.normpath(f"{folder}/{link}")


def _map_front(front: dict, kind: str, date, zone: str, where: str, notes: list[Note]) -> dict[str, Any]:
    """Hugo's front matter as sitegen's: known keys mapped, the rest kept under extra:."""
    mapped: dict[str, Any] = {"title": str(front.get("title") or Path(where).stem)}
    if date is not None:
        mapped["date"] = shown(date)
    for key in ("lastmod", "lastMod", "modified"):
        if key in front and kind == "post":
            mapped["updated"] = shown(when(front[key], zone, where, key))
    for key in ("expiryDate", "expirydate"):
        if key in front:
            mapped["expiry_date"] = str(front[key])
            notes.append(Note(where, None, f"{key} {front[key]}: sitegen does not take a post down by itself; kept under extra:, remove the post by then"))
    summary = front.get("summary") or front.get("description")
    if summary:
        mapped["summary"] = " ".join(str(summary).split())
    authors = listed(front.get("authors")) or listed(front.get("author") if not isinstance(front.get("author"), str) else [front["author"]])
    if authors and kind == "post":
        mapped["author"] = authors[0]
    if kind == "post":
        mapped["categories"] = listed(front.get("categories"))
        mapped["tags"] = listed(front.get("tags"))
    images = listed(front.get("images")) or listed(front.get("image")) or listed(front.get("featured_image"))
    if not images and isinstance(front.get("cover"), dict) and front["cover"].get("image"):
        images = [str(front["cover"]["image"])]
    if images:
        mapped["image"] = images[0]
    if front.get("draft") is True:
        mapped["draft"] = True
    mapped.update({key: value for key, value in front.items() if key not in MAPPED})
    return mapped
