"""Old addresses of items (front matter `aliases`): checked when the site is built, and what the plan
writes for them: a small redirect page at each, and `_redirects` for hosts that answer 301 from it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .content import Document
from .errors import Problem
from .model import Site


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
    """Every alias of every built item, by alias."""
    found = [
        Redirect(alias, "" if "?" in alias else alias_url(alias), item.url, item.permalink, item.title)
        for items in (site.posts, site.pages, site.offers)
        for item in items
        for alias in item.aliases
    ]
    return tuple(sorted(found, key=lambda redirect: redirect.alias))


def redirects_file(site: Site, redirects: tuple[Redirect, ...]) -> str:
    """`_redirects` as Netlify and Cloudflare Pages read it: 'from to 301' a line. An alias with a query
    ('/?p=12') is written in Netlify's form for one ('/ p=12 /posts/x/ 301'), which only Netlify reads."""
    lines = ["# Old addresses and where they moved: written by sitegen from front matter `aliases`."]
    for redirect in redirects:
        path, _, query = redirect.alias.partition("?")
        source = site.rel(path) + ("  " + " ".join(query.split("&")) if query else "")
        lines.append(f"{source}  {site.rel(redirect.target)}  301")
        if not query and redirect.url != path:  # '/old' answers at '/old/' too
            lines.append(f"{site.rel(redirect.url)}  {site.rel(redirect.target)}  301")
    return "\n".join(lines) + "\n"
