"""What every kind of item is made of the same way: its URL's links resolved, and the fields all items share."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from .content import Content, Document
from .errors import Problem, did_you_mean
from .markdown import INTERNAL_LINK, INTERNAL_SCHEME


@dataclass(frozen=True)
class Links:
    """Where internal links lead in this build, and where problems with them go."""

    base_url: str
    urls: dict[str, str]
    """Content path ('posts/x.md') -> the URL of each built file."""
    skipped: dict[str, Document]
    """Content path -> a file this build leaves out (a draft, or scheduled for later)."""
    content: Content
    problems: list[Problem]


def targets_of(document: Document, urls: dict[str, str]) -> tuple[tuple[str, str | None], ...]:
    """Each internal link of the document (body and front matter summary) and the URL it leads to now."""
    linked = document.rendered.internal_links
    if INTERNAL_SCHEME in document.summary_html:  # a front matter summary can link too
        linked += tuple(m.group("target") for m in INTERNAL_LINK.finditer(document.summary_html))
    return tuple((t, urls.get(t)) for t in linked)


def common_fields(document: Document, links: Links, origin: tuple) -> dict:
    """The fields every Item has, made from its document; origin: everything the item is made of."""
    url = links.urls[document.content_path]
    return dict(
        source_path=document.source_path,
        slug=document.slug,
        title=document.meta.title,
        url=url,
        permalink=links.base_url + url,
        content=resolve_links(document, document.rendered.html, links),
        summary=resolve_links(document, document.summary_html, links, report=False),
        description=document.description,
        image=document.meta.image,
        template=document.meta.template,
        draft=document.meta.draft,
        extra=document.meta.extra,
        aliases=document.meta.aliases,
        origin=hashlib.blake2b(repr(origin).encode(), digest_size=16).digest(),
    )


def resolve_links(document: Document, html: str, links: Links, report: bool = True) -> str:
    """html with its internal links (sitegen-ref:) as site URLs, and root-relative links under base_url's path."""
    base_url, urls, skipped, content, problems = links.base_url, links.urls, links.skipped, links.content, links.problems
    if INTERNAL_SCHEME not in html and not urlsplit(base_url).path.strip("/"):
        return html  # nothing to resolve: most documents

    def replace(match: re.Match) -> str:
        target = match.group("target")
        if target in urls:
            return f'{match.group("attr")}="{urls[target]}{match.group("fragment") or ""}"'
        if report and target not in content.unreadable:
            if target in skipped:
                why = "it is a draft" if skipped[target].meta.draft else "it is scheduled for later"
                message = f"link to '{target}' points to a file that is not built ({why})"
                hint = None
            else:
                message = f"link to '{target}' has no target"
                hint = did_you_mean(target, [*urls, *skipped])
            problems.append(Problem(document.source_path, document.line_of(content.root, target.rsplit("/", 1)[-1]), None, message, hint))
        return f'{match.group("attr")}="#"'

    html = INTERNAL_LINK.sub(replace, html)
    base_path = urlsplit(base_url).path.rstrip("/")
    if base_path:  # root-relative links in Markdown (/static/x.png) must work under base_url's path too
        html = _ROOT_RELATIVE.sub(lambda m: f'{m.group(1)}="{base_path}/', html)
        html = _SRCSET.sub(lambda m: 'srcset="' + _prefix_srcset(m.group(1), base_path) + '"', html)
    return html


_ROOT_RELATIVE = re.compile(r'\b(href|src|poster)="/(?!/)')
_SRCSET = re.compile(r'\bsrcset="([^"]*)"')


def _prefix_srcset(value: str, base_path: str) -> str:
    """Each root-relative candidate URL of a srcset, under base_path."""
    candidates = []
    for candidate in value.split(","):
        parts = candidate.split()
        if parts and parts[0].startswith("/") and not parts[0].startswith("//"):
            parts[0] = base_path + parts[0]
        candidates.append(" ".join(parts))
    return ", ".join(candidates)
