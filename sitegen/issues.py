"""Newsletter issues as content: each issue (content/newsletter/YYYY-MM-DD-slug.md) made into an
Issue from its document and the posts, pages and offers it carries, its topics checked against
what people can subscribe to."""

from __future__ import annotations

import datetime as dt

from .content import Document
from .errors import Problem, did_you_mean
from .items import Links, common_fields, targets_of
from .meta import slugify
from .model import Issue, Offer, Page, Post, Site, Topic

def make_issues(
    documents: list[Document], items: tuple[Post | Page | Offer, ...], offered: tuple[Topic, ...], links: Links, settings_key: bytes
) -> tuple[Issue, ...]:
    """Each issue document as an Issue, newest first; problems (an item that is not built, a topic
    nobody can subscribe to: not among `offered`, model.topics_of) go to links.problems."""
    by_path = {item.source_path.removeprefix("content/"): item for item in items}
    topics = [topic.slug for topic in offered]
    issues = []
    for document in documents:
        meta = document.meta
        carried = []
        for path in meta.items:
            item = by_path.get(path)
            if item is None:
                links.problems.append(_missing_item(document, path, links, by_path))
            else:
                carried.append(item)
        for topic in meta.topics:
            if topic not in topics:
                hint = did_you_mean(topic, topics) or f"expected one of: {', '.join(topics)}"
                links.problems.append(Problem(document.source_path, document.line_of(links.content.root, "topics:"), "topics", f"'{topic}' is not a topic anyone can subscribe to", hint))
        origin = (document.source_path, document.kind, document.digest, settings_key, targets_of(document, links.urls), links.urls[document.content_path], tuple(i.origin for i in carried))
        issues.append(
            Issue(
                **common_fields(document, links, origin),
                date=meta.date,
                preheader=meta.preheader or "",
                topics=tuple(dict.fromkeys(meta.topics)),
                items=tuple(carried),
            )
        )
    return tuple(sorted(issues, key=lambda issue: (issue.date, issue.slug), reverse=True))


def _missing_item(document: Document, path: str, links: Links, built: dict) -> Problem:
    line = document.line_of(links.content.root, path.rsplit("/", 1)[-1])
    if path in links.skipped:
        why = "a draft" if links.skipped[path].meta.draft else "scheduled for later"
        return Problem(document.source_path, line, "items", f"'{path}' is not built ({why}), so this issue cannot carry it")
    if path.startswith("newsletter/"):
        return Problem(document.source_path, line, "items", f"'{path}' is a newsletter issue; an issue carries posts, pages and offers")
    hint = did_you_mean(path, list(built)) or "items are content files as links name them, like 'posts/2026-03-01-spring-menu.md'"
    return Problem(document.source_path, line, "items", f"'{path}' is not a content file", hint)


def whats_new(site: Site, since: dt.datetime) -> tuple[Post | Page | Offer, ...]:
    """What the next issue carries: posts published and pages `updated` after since (up to the
    site's now), and current listed offers that started after since or no issue carried yet."""
    carried = {item.source_path for issue in site.newsletters for item in issue.items}
    posts = [p for p in reversed(site.posts) if since < p.date <= site.now]
    offers = [o for o in site.current_offers if (o.valid_from and o.valid_from > since) or o.source_path not in carried]
    pages = [p for p in site.pages if p.updated and since < p.updated <= site.now]
    return (*posts, *offers, *pages)


def draft_issue(site: Site, since: dt.datetime | None = None) -> tuple[str, str] | None:
    """The next issue as a content file: (its path under the site folder, its text); None when
    nothing is new since the newest issue (or since `since`). Written as a draft: the owner writes
    the introduction and removes `draft: true` when it is ready."""
    import yaml  # only here: a build that parses no front matter never loads it (10 ms)

    previous = site.newsletters[0].date if site.newsletters else None
    since = since or previous or dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    items = whats_new(site, since)
    if not items:
        return None
    moment = site.now.astimezone(site.config.tz)
    lead = items[0].title
    slug = slugify(lead)
    front = {
        "title": f"{lead} and more from {site.config.business_name}" if len(items) > 1 else lead,
        "date": moment.strftime("%Y-%m-%d %H:%M"),
        "draft": True,
        "preheader": "; ".join(item.title for item in items[1:4]) or lead,
        "topics": ["all"],
        "items": [item.source_path.removeprefix("content/") for item in items],
    }
    text = "---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=1000) + "---\n"
    text += DRAFT_INTRODUCTION.format(business=site.config.business_name)
    return f"content/newsletter/{moment:%Y-%m-%d}-{slug}.md", text


DRAFT_INTRODUCTION = """\
Hello,

Write a few words to your readers here: what is new at {business}, in your own voice. The posts,
offers and page changes listed in `items:` follow this introduction, each with its picture,
summary and link. Remove `draft: true` above when the issue is ready to send.
"""
