"""`sitegen import wordpress EXPORT.xml`: a WordPress export (WXR) read safely, as posts and pages."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException

from ..errors import Problem, SitegenError
from ..meta import slugify
from .common import Import, Item, Links, Note, Settings, claim_slug, rewrite_links, site_path
from .html import plain_summary, wordpress_to_markdown

CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
EXCERPT = "{http://wordpress.org/export/1.2/excerpt/}encoded"
CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
UPLOADS = "/wp-content/uploads/"
INTERNAL_TYPES = {
    "revision", "nav_menu_item", "custom_css", "customize_changeset", "oembed_cache", "user_request",
    "wp_block", "wp_template", "wp_template_part", "wp_global_styles", "wp_navigation", "wp_font_family", "wp_font_face",
}
"""Post types WordPress keeps for itself (menus are read for the navigation)."""
DRAFTS = {"draft": "draft", "pending": "pending review", "auto-draft": "draft", "private": "private"}


def read_wordpress(export: Path, shown_as: str, *, site_url: str | None = None, uploads: Path | None = None, authors_known: set[str] | None = None) -> Import:
    """Read a WordPress export: posts, pages, drafts (private ones too), scheduled posts, authors, categories,
    tags, excerpts, featured images and menus; comments and other post types are counted in the report."""
    root, ns = _parse(export, shown_as)
    channel = root.find("channel")
    if channel is None or ns is None:
        raise SitegenError([Problem(shown_as, 1, message="not a WordPress export: expected an <rss> file with a <channel> and WordPress's wp: elements (Tools > Export in WordPress)")])

    def wp(name: str) -> str:
        return f"{{{ns}}}{name}"

    old_base = (site_url or _text(channel, wp("base_blog_url")) or _text(channel, "link")).rstrip("/")
    if not re.match(r"https?://[^/\s]+", old_base):
        raise SitegenError([Problem(shown_as, None, "channel.link", f"the export names no site address (got {old_base!r})", "give it with --site-url https://your-old-site.example")])
    base_path = urlsplit(old_base).path.rstrip("/")
    authors = {_text(a, wp("author_login")): html.unescape(_text(a, wp("author_display_name")) or _text(a, wp("author_login"))) for a in channel.findall(wp("author"))}
    parents = {_text(c, wp("category_nicename")): _text(c, wp("category_parent")) for c in channel.findall(wp("category"))}
    elements = channel.findall("item")
    by_id = {_text(e, wp("post_id")): e for e in elements}
    attachments = {key: e for key, e in by_id.items() if _text(e, wp("post_type")) == "attachment"}
    counts: Counter = Counter()
    notes: list[Note] = []
    items: list[Item] = []
    taken: set[str] = set()
    referenced: set[str] = set()
    nested = sorted({name for name, parent in parents.items() if parent})
    if nested:
        notes.append(Note(shown_as, None, f"categories nested in WordPress ({', '.join(nested)}) are flat here: each post keeps its own categories by name"))

    def attachment_url(key: str) -> str:
        element = attachments.get(key)
        return _text(element, wp("attachment_url")) if element is not None else ""

    for element in elements:
        kind = _text(element, wp("post_type"))
        status = _text(element, wp("status"))
        if kind == "attachment":
            counts["attachments (listed below)"] += 1
            continue
        if kind in INTERNAL_TYPES:
            continue
        if kind not in ("post", "page"):
            counts[f"'{kind}' items, a type of your theme or a plugin (not imported)"] += 1
            notes.append(Note(shown_as, None, f"'{_text(element, 'title')}' is a '{kind}', which sitegen has no kind for; not imported"))
            continue
        if status == "trash":
            counts["items in the trash (not imported)"] += 1
            continue
        post_id = _text(element, wp("post_id"))
        title = html.unescape(_text(element, "title")) or f"Untitled {post_id}"
        slug = claim_slug(slugify(unquote(_text(element, wp("post_name"))) or title), kind, taken, notes, shown_as)
        local = _text(element, wp("post_date"))
        gmt = _text(element, wp("post_date_gmt"))
        date = _when(local, gmt)
        front: dict = {"title": title}
        if kind == "post":
            front["date"] = date
        draft = status in DRAFTS
        if draft:
            front["draft"] = True
        comments = [c for c in element.findall(wp("comment")) if _text(c, wp("comment_approved")) == "1"]
        if comments:
            counts["comments (not imported: sitegen has no comments; keep them in your export)"] += len(comments)
        excerpt = plain_summary(_text(element, EXCERPT))
        if excerpt:
            front["summary"] = excerpt
        creator = _text(element, CREATOR)
        if creator and kind == "post":
            front["author"] = creator if authors_known is None or creator in authors_known else authors.get(creator, creator)
        if kind == "post":
            front["categories"] = [html.unescape(c.text or "") for c in element.findall("category") if c.get("domain") == "category"]
            front["tags"] = [html.unescape(c.text or "") for c in element.findall("category") if c.get("domain") == "post_tag"]
        meta = {_text(m, wp("meta_key")): _text(m, wp("meta_value")) for m in element.findall(wp("postmeta"))}
        if meta.get("_thumbnail_id") and attachment_url(meta["_thumbnail_id"]):
            front["image"] = attachment_url(meta["_thumbnail_id"])
        if kind == "post":
            front["id"] = _text(element, "guid")  # the id WordPress's feeds gave it, so readers see nothing twice

        def gallery(found: dict[str, str], post_id: str = post_id) -> list[tuple[str, str]]:
            keys = [k.strip() for k in found.get("ids", found.get("include", "")).split(",") if k.strip()]
            if not keys:
                keys = [k for k, e in attachments.items() if _text(e, wp("post_parent")) == post_id]
            return [(attachment_url(k), html.unescape(_text(attachments[k], EXCERPT) or _text(attachments[k], "title"))) for k in keys if k in attachments]

        body, leftovers = wordpress_to_markdown(_text(element, CONTENT), gallery)
        old_urls = []
        if not draft:
            link = site_path(_text(element, "link"))
            if base_path and link.startswith(base_path + "/"):
                link = link[len(base_path):]
            old_urls = [link, f"/?p={post_id}" if kind == "post" else f"/?page_id={post_id}"]
        name = f"{date[:10]}-{slug}" if kind == "post" else slug
        items.append(Item(kind, f"content/{kind}s/{name}.md", front, body, tuple(old_urls), tuple(leftovers)))
        if status == "private":
            notes.append(Note(items[-1].path, None, "private in WordPress: imported as a draft (draft: true), never built unless --drafts"))
        counts[_count_name(kind, status)] += 1

    copied, copies = {}, []
    if uploads is not None:
        wanted = {attachment_url(k) for k in attachments} | {u for item in items for u in re.findall(r"https?://[^\s\"')<>]+", item.body + str(item.front.get("image", "")))}
        for url in sorted(wanted):
            path = site_path(url)
            if UPLOADS in path and (uploads / path.split(UPLOADS, 1)[1]).is_file():
                relative = path.split(UPLOADS, 1)[1]
                copied[path.removeprefix(base_path)] = f"/static/uploads/{relative}"
                copies.append((f"content/static/uploads/{relative}", uploads / relative))
                referenced.add(url)
    built = {item.path for item in items if not item.front.get("draft")}
    links = Links(old_base, items, copied, built)
    final = []
    for item in items:
        front = dict(item.front)
        if isinstance(front.get("image"), str):
            front["image"] = links.rewrite(front["image"])
        new_urls = {item.new_url}
        aliases = [url for url in item.old_urls if url.rstrip("/") + "/" not in new_urls and url not in new_urls and url != "/"]
        front["aliases"] = aliases
        final.append(Item(item.kind, item.path, front, rewrite_links(item.body, links.rewrite), item.old_urls, item.leftovers))
    for url in sorted(set(links.unresolved)):
        notes.append(Note(shown_as, None, f"a link to {url} matches no imported post, page or file: it still leads to the old site"))
    counts["authors"] = len(authors)
    counts["categories"] = len({c for item in final for c in item.front.get("categories", [])})
    counts["tags"] = len({t for item in final for t in item.front.get("tags", [])})
    listed = (
        ("Attachments (WordPress's media library" + (": copied into content/static/uploads/ where found in --uploads)" if uploads else "; copy them with --uploads path/to/wp-content/uploads)"),
         tuple(sorted((attachment_url(k) + ("" if attachment_url(k) in referenced else "   (not copied)" if uploads else "")) for k in attachments))),
    )
    settings = Settings(
        title=html.unescape(_text(channel, "title")) or "My site",
        description=html.unescape(_text(channel, "description")) or html.unescape(_text(channel, "title")) or "My site",
        base_url=old_base,
        language=_text(channel, "language") or "en",
        authors={login: name for login, name in authors.items() if login},
        navigation=_navigation(elements, wp, final, by_id),
    )
    return Import("wordpress", shown_as, settings, tuple(final), tuple(copies), dict(sorted(counts.items(), key=_order)), tuple(notes), listed)


def _order(pair: tuple[str, int]) -> tuple[int, str]:
    first = ("posts", "scheduled", "drafts", "pages", "authors", "categories", "tags", "comments", "attachments")
    return (next((i for i, word in enumerate(first) if pair[0].startswith(word)), len(first)), pair[0])


def _count_name(kind: str, status: str) -> str:
    if status == "future":
        return "scheduled posts (built from their date on)"
    if status in DRAFTS:
        return f"drafts ({kind}s; draft: true)" if status != "private" else f"drafts ({kind}s that were private)"
    return f"{kind}s"


def _navigation(elements: list[Element], wp, items: list[Item], by_id: dict[str, Element]) -> tuple[tuple[str, str], ...]:
    """WordPress's menu items that lead to an imported page or post, or elsewhere on the web, in menu order."""
    entries = []
    by_old = {url: item for item in items for url in item.old_urls}
    for element in elements:
        if _text(element, wp("post_type")) != "nav_menu_item":
            continue
        meta = {_text(m, wp("meta_key")): _text(m, wp("meta_value")) for m in element.findall(wp("postmeta"))}
        title = html.unescape(_text(element, "title"))
        if meta.get("_menu_item_type") == "custom" and meta.get("_menu_item_url", "").startswith("http"):
            entries.append((int(_text(element, wp("menu_order")) or 0), title or meta["_menu_item_url"], meta["_menu_item_url"]))
            continue
        target = by_id.get(meta.get("_menu_item_object_id", ""))
        if target is None:
            continue
        key = f"/?p={_text(target, wp('post_id'))}" if _text(target, wp("post_type")) == "post" else f"/?page_id={_text(target, wp('post_id'))}"
        item = by_old.get(key)
        if item is not None:
            entries.append((int(_text(element, wp("menu_order")) or 0), title or item.front["title"], item.new_url))
    return tuple((title, url) for _, title, url in sorted(entries))


def _parse(export: Path, shown_as: str) -> tuple[Element, str | None]:
    """The export's root, and its WordPress namespace (export/1.0 to 1.2); entities and DTDs refused."""
    namespace = None
    try:
        for event, value in safe_xml.iterparse(str(export), events=("start-ns",)):
            prefix, uri = value
            if prefix == "wp" or (uri.startswith("http://wordpress.org/export/") and "excerpt" not in uri):
                namespace = uri
        root = safe_xml.parse(str(export)).getroot()
    except ParseError as error:
        line = error.position[0] if error.position else None
        raise SitegenError([Problem(shown_as, line, message=f"not well-formed XML ({error.msg}); expected a WordPress export (WXR), as Tools > Export writes it")]) from None
    except DefusedXmlException as error:
        raise SitegenError([Problem(shown_as, message=f"refused: the file declares entities or a DTD ({type(error).__name__}), which a WordPress export never does")]) from None
    except OSError as error:
        raise SitegenError([Problem(shown_as, message=f"cannot be read: {error.strerror or error}")]) from None
    return root, namespace


def _text(element: Element | None, path: str) -> str:
    found = element.find(path) if element is not None else None
    return (found.text or "").strip() if found is not None else ""


def _when(local: str, gmt: str) -> str:
    """A post's date with its offset: WordPress keeps the local time and the UTC time side by side."""
    try:
        when = dt.datetime.fromisoformat(local)
    except ValueError:
        return "1970-01-01 00:00:00+00:00"
    try:
        offset = when - dt.datetime.fromisoformat(gmt)
    except ValueError:  # a draft never saved with a date: 0000-00-00 00:00:00
        offset = dt.timedelta(0)
    return when.replace(tzinfo=dt.timezone(offset)).isoformat(sep=" ")
