"""Addresses that lead on to an item: its old addresses (front matter `aliases`), checked when the site
is built, and its short link (/go/<code>/, for texts and flyers); what the plan writes for them: a small
redirect page at each, and `_redirects` for hosts that answer 301 from it."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

from .campaign import tagged
from .content import Document
from .errors import Problem, SitegenError
from .model import Item, Site
from .text import format_money

SHORT_LINKS = "/go/"
"""Where short links live: /go/<code>/."""


@dataclass(frozen=True)
class Redirect:
    """One old address and the page it now leads to."""

    alias: str
    """The old site-relative URL, as front matter wrote it ('/2019/03/spring-menu/', '/?p=12')."""
    url: str
    """The URL its redirect page answers at (alias_url), '' for an alias with a query (no page can)."""
    target: str
    """The item's URL (site-relative)."""
    permalink: str
    """The item's absolute URL, for the redirect page's canonical link."""
    title: str
    """The item's title, for the redirect page's visible link."""
    source_path: str
    """The item's content file: the redirect page's output is named after it in messages."""


def alias_url(alias: str) -> str:
    """The URL an alias's redirect page answers at: '/old' is the folder '/old/', as Hugo makes it;
    '/old.html' and '/old/' are themselves."""
    path = alias.split("?", 1)[0]
    return path if path.endswith("/") or "." in path.rsplit("/", 1)[-1] else path + "/"


def check_aliases(documents: list[Document], urls: dict[str, str], root: Path, problems: list[Problem]) -> None:
    """An alias may be neither an item's URL nor another item's alias: each old address leads to one place.

    urls: content path -> URL of each built document; root: the site folder, for lines in messages.
    """
    pages = {urls[document.content_path]: document for document in documents}
    claimed: dict[str, Document] = {}
    for document in documents:
        for alias in document.meta.aliases:
            key = alias if "?" in alias else alias_url(alias)
            if key in pages:
                other = pages[key]
                mine = other is document
                problems.append(Problem(
                    document.source_path, document.line_of(root, alias), "aliases",
                    f"alias {alias!r} is {'its own URL' if mine else 'the URL of ' + other.source_path}",
                    "remove the alias" if mine else "remove the alias, or give that page another 'slug'",
                ))
            elif key in claimed and claimed[key] is not document:
                problems.append(Problem(
                    document.source_path, document.line_of(root, alias), "aliases",
                    f"alias {alias!r} is an alias of {claimed[key].source_path} too", "keep it on one of them",
                ))
            else:
                claimed[key] = document


def build_redirects(site: Site) -> tuple[Redirect, ...]:
    """Every alias of every built item, and every short link (short_linked()), by alias."""
    found = [
        Redirect(alias, "" if "?" in alias else alias_url(alias), item.url, item.permalink, item.title, item.source_path)
        for items in (site.posts, site.pages, site.offers)
        for item in items
        for alias in item.aliases
    ]
    codes: dict[str, Item] = {}
    for item in short_linked(site):
        code = short_code(item)
        if code in codes:  # 30 bits: two files of one site all but never share one
            raise SitegenError([Problem(item.source_path, message=f"its short link /go/{code}/ is {codes[code].source_path}'s too", hint="rename one of the two files")])
        codes[code] = item
        path = f"{SHORT_LINKS}{code}/"
        target = tagged(item.url, source="sms", medium="text", campaign=item.slug)
        found.append(Redirect(path, path, target, item.permalink, item.title, item.source_path))
    return tuple(sorted(found, key=lambda redirect: redirect.alias))


def short_linked(site: Site) -> tuple[Item, ...]:
    """What gets a short link: every listed offer (for flyers and texts), and every item a newsletter
    issue carries. Not unlisted offers: `_redirects` is public, and would name them."""
    items: dict[str, Item] = {offer.source_path: offer for offer in site.offers if offer.listed}
    for issue in reversed(site.newsletters):
        items.update((item.source_path, item) for item in issue.items if getattr(item, "listed", True))
    return tuple(items.values())


def short_code(item: Item) -> str:
    """Six characters that stay the item's while its file keeps its name (not its title or slug, which
    change): what printed flyers and sent texts carry."""
    digest = hashlib.blake2b(item.source_path.removeprefix("content/").encode("utf-8"), digest_size=5).digest()
    return base64.b32encode(digest).decode("ascii").lower()[:6]


def short_link(site: Site, item: Item) -> str:
    """The item's short link, absolute: https://example.com/go/k3x9qa/."""
    return site.absolute(f"{SHORT_LINKS}{short_code(item)}/")


TEXT_LENGTH = 160
"""Characters in one text message (GSM 7-bit): more, and phones send it in parts, or as 70-character parts
once a character outside that alphabet appears."""


def text_message(site: Site, item: Item) -> str:
    """One text about an item, at most TEXT_LENGTH characters: the business, the title (and an offer's
    price), shortened with '...' if need be, and the short link."""
    link = short_link(site, item)
    price = getattr(item, "price", None)
    words = f"{site.config.business_name}: {item.title}"
    if price is not None:
        words += f" - {format_money(price, item.currency)}"  # type: ignore[attr-defined]
    room = TEXT_LENGTH - len(link) - 1
    if len(words) > room:
        words = words[: room - 3].rstrip() + "..."
    return f"{words} {link}"


def redirects_file(site: Site, redirects: tuple[Redirect, ...]) -> str:
    """`_redirects` as Netlify and Cloudflare Pages read it: 'from to 301' a line. An alias with a query
    ('/?p=12') is written in Netlify's form for one ('/ p=12 /posts/x/ 301'), which only Netlify reads."""
    lines = ["# Old addresses and where they moved (front matter `aliases`), and short links (/go/): written by sitegen."]
    for redirect in redirects:
        path, _, query = redirect.alias.partition("?")
        source = site.rel(path) + ("  " + " ".join(query.split("&")) if query else "")
        lines.append(f"{source}  {site.rel(redirect.target)}  301")
        if not query and redirect.url != path:  # '/old' answers at '/old/' too
            lines.append(f"{site.rel(redirect.url)}  {site.rel(redirect.target)}  301")
    return "\n".join(lines) + "\n"
