"""build_site(): documents -> one checked, immutable Site (URLs, drafts, taxonomies, neighbours, links)."""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from .config import Settings
from .content import Content, Document
from .issues import make_issues
from .items import Links, common_fields, targets_of
from .meta import NewsletterMeta, OfferMeta, PageMeta, PostMeta, slugify
from .errors import Problem, did_you_mean, raise_if
from .fingerprint import settings_digest
from .hours import build_hours
from .memo import kept
from .model import Audio, Author, NavLink, Offer, Page, Post, Site, Taxonomy, Term, Year, offer_phase, topics_of
from .redirects import check_aliases


@dataclass(frozen=True)
class BuildOptions:
    """What a build includes, beyond the content and settings."""

    now: dt.datetime
    """The build's notion of the current time (zone-aware)."""
    drafts: bool = False
    """Build drafts too."""
    future: bool = False
    """Build posts dated after now, and offers that have not started."""


class MadeItem(NamedTuple):
    """An item and everything it was made of."""

    document: Document
    """The same object while its file is unchanged (ContentMemo)."""
    settings: bytes
    """The digest of the settings."""
    targets: tuple[tuple[str, str | None], ...]
    """Where its links lead: (content path, URL)."""
    phase: str | None
    """An offer's phase (upcoming, current, ended)."""
    item: Any
    """The Post, Page or Offer."""


@dataclass(frozen=True)
class SiteMemo:
    """What build_site() may reuse: the items it made, to be reused while made of the same inputs."""

    items: Mapping[str, MadeItem] = kept(saved=False)
    """Source path -> the item made of it last build."""


def build_site(content: Content, config: Settings, options: BuildOptions, memo: SiteMemo = SiteMemo()) -> tuple[Site, SiteMemo]:
    """Assemble the Site: decide what is built, give every item its URL, check links and collisions.

    Raises one SitegenError with these problems and those read_content() collected. An item made
    of exactly the same inputs as in the memo is the memo's object (equal by construction), so
    later steps recognise it by identity.
    """
    problems: list[Problem] = list(content.problems)
    built = [d for d in content.documents if _is_built(d, options)]
    built_paths = {d.content_path for d in built}
    skipped = {d.content_path: d for d in content.documents if d.content_path not in built_paths}

    urls = {d.content_path: _url_of(d, config) for d in built}
    _check_collisions(built, urls, problems)
    check_aliases(built, urls, content.root, problems)

    authors = _authors(config)
    posts, pages, offers = [], [], []
    letters: list[Document] = []
    settings_key = settings_digest(config)
    previous = memo.items
    made: dict[str, MadeItem] = {}
    for document in built:
        # Everything an item is made of: its document (the same object while the file is unchanged),
        # the settings, where its links lead, and for offers where they stand (upcoming, current, ended).
        if isinstance(document.meta, NewsletterMeta):
            letters.append(document)  # made of the items they carry: once those are made
            continue
        targets = targets_of(document, urls)
        phase = offer_phase(document.meta.valid_from, document.meta.valid_until, options.now) if isinstance(document.meta, OfferMeta) else None
        known = previous.get(document.source_path)
        if (
            known is not None
            and known.document is document
            and known.settings == settings_key
            and known.targets == targets
            and known.phase == phase
            and known.item.url == urls[document.content_path]
            and all(url is not None for _, url in targets)
        ):
            item = known.item
            made[document.source_path] = known
            (posts if isinstance(item, Post) else pages if isinstance(item, Page) else offers).append(item)
            continue
        links = Links(config.base_url, urls, skipped, content, problems)
        common = common_fields(document, links, (document.source_path, document.kind, document.digest, settings_key, targets, phase, urls[document.content_path]))
        meta = document.meta
        if isinstance(meta, PostMeta):
            item = _post(meta, common, config, authors, document)
            posts.append(item)
        elif isinstance(meta, PageMeta):
            item = Page(**common, menu=meta.menu, updated=meta.updated)
            pages.append(item)
        else:
            item = _offer(meta, common, phase)
            offers.append(item)
        made[document.source_path] = MadeItem(document, settings_key, targets, phase, item)

    posts.sort(key=lambda p: (p.date, p.slug), reverse=True)
    pages.sort(key=lambda p: (p.menu is None, p.menu or 0, p.slug))
    offers.sort(key=lambda o: o.slug)
    _check_offer_references(posts, content, built, problems)
    tags = _group(posts, "tag", lambda p: p.tags)
    categories = _group(posts, "category", lambda p: p.categories)
    topics = topics_of(bool(offers), (*tags, *categories))
    newsletters = make_issues(letters, (*posts, *pages, *offers), topics, Links(config.base_url, urls, skipped, content, problems), settings_key)
    raise_if(problems)

    authors_ = _group(posts, "author", lambda p: (p.author,) if p.author else ())
    indexes = tuple(
        NavLink(title, getattr(config.permalinks, kind).split("{slug}", 1)[0])
        for kind, title, members in (("tag", "Topics", tags), ("category", "Categories", categories), ("author", "Authors", authors_))
        if members
    )
    hours = build_hours(config.business, options.now, config.timezone)
    changes = [moment for moment in (next_change(content.documents, options), hours.next_change) if moment is not None]
    site = Site(
        config=config,
        base_url=config.base_url,
        now=options.now,
        posts=tuple(posts),
        pages=tuple(pages),
        offers=tuple(offers),
        tags=tags,
        categories=categories,
        authors=authors_,
        indexes=indexes,
        latest_year=posts[0].date.year if posts else None,
        drafts_left_out=sum(1 for d in skipped.values() if d.meta.draft and not options.drafts),
        scheduled_left_out=sum(1 for d in skipped.values() if not (d.meta.draft and not options.drafts)),
        years=_years(posts),
        navigation=tuple(
            [NavLink(p.title, p.url) for p in pages if p.menu is not None]
            + [NavLink(link.title, link.url) for link in config.navigation]
        ),
        next_change=min(changes, default=None),
        hours=hours,
        newsletters=newsletters,
        neighbours={
            post.url: (posts[i + 1] if i + 1 < len(posts) else None, posts[i - 1] if i > 0 else None)
            for i, post in enumerate(posts)
        },
    )
    return site, SiteMemo(made)


def next_change(documents: tuple[Document, ...], options: BuildOptions) -> dt.datetime | None:
    """The earliest time after now at which a rebuild would change the site: a scheduled post, an offer starting or ending
    (special opening hours ending are hours.Hours.next_change)."""
    moments = []
    for document in documents:
        meta = document.meta
        if meta.draft and not options.drafts:
            continue
        if isinstance(meta, (PostMeta, NewsletterMeta)) and not options.future:
            moments.append(meta.date)
        elif isinstance(meta, OfferMeta):
            if meta.valid_from and not options.future:
                moments.append(meta.valid_from)
            if meta.valid_until:
                moments.append(meta.valid_until)
    return min((m for m in moments if m > options.now), default=None)


def _is_built(document: Document, options: BuildOptions) -> bool:
    meta = document.meta
    if meta.draft and not options.drafts:
        return False
    if isinstance(meta, (PostMeta, NewsletterMeta)) and meta.date > options.now and not options.future:
        return False
    if isinstance(meta, OfferMeta) and offer_phase(meta.valid_from, meta.valid_until, options.now) == "upcoming" and not options.future:
        return False
    return True


def _url_of(document: Document, config: Settings) -> str:
    pattern = getattr(config.permalinks, document.kind)
    if not isinstance(document.meta, PostMeta):
        return pattern.format(slug=document.slug)
    date = document.meta.date  # as strftime's %Y, %m and %d, at a fraction of its cost
    return pattern.format(slug=document.slug, year=str(date.year), month=f"{date.month:02d}", day=f"{date.day:02d}")


def _check_collisions(documents: list[Document], urls: dict[str, str], problems: list[Problem]) -> None:
    claimed: dict[str, Document] = {}
    for document in documents:
        url = urls[document.content_path]
        if url in claimed:
            other = claimed[url]
            problems.append(
                Problem(
                    document.source_path,
                    message=f"its URL {url} is already taken by {other.source_path}",
                    hint="give one of them another 'slug'",
                )
            )
        else:
            claimed[url] = document


def _authors(config: Settings) -> dict[str, Author]:
    return {
        key: Author(
            key=key,
            name=a.name,
            slug=slugify(key),
            url=config.permalinks.author.format(slug=slugify(key)),
            role=a.role,
            bio=a.bio,
            avatar=a.avatar,
            website=a.url,
        )
        for key, a in config.authors.items()
    }


@functools.lru_cache(maxsize=65536)
def _term(name: str, pattern: str) -> Term:
    """One object per term: posts share it (it is immutable), so it is digested once."""
    slug = slugify(name)
    return Term(name=name, slug=slug, url=pattern.format(slug=slug))


def _post(meta: PostMeta, common: dict, config: Settings, authors: dict[str, Author], document: Document) -> Post:
    author = None
    if meta.author:
        author = authors.get(meta.author) or Author(
            key=meta.author,
            name=meta.author,
            slug=slugify(meta.author),
            url=config.permalinks.author.format(slug=slugify(meta.author)),
        )
    audio = meta.audio and Audio(meta.audio.url, meta.audio.length, meta.audio.type, meta.audio.duration)
    return Post(
        **common,
        date=meta.date,
        updated=meta.updated,
        tags=_unique_terms(meta.tags, config.permalinks.tag),
        categories=_unique_terms(meta.categories, config.permalinks.category),
        author=author,
        id=meta.id or "",
        audio=audio,
        offer_slug=meta.offer,
        words=document.words,
    )


def _unique_terms(names: tuple[str, ...], pattern: str) -> tuple[Term, ...]:
    seen: dict[str, Term] = {}
    for name in names:
        term = _term(str(name), pattern)
        seen.setdefault(term.slug, term)
    return tuple(seen.values())


def _offer(meta: OfferMeta, common: dict, phase: str) -> Offer:
    return Offer(
        **common,
        price=meta.price,
        currency=meta.currency,
        was=meta.was,
        cta_label=meta.cta.label,
        cta_url=meta.cta.url,
        valid_from=meta.valid_from,
        valid_until=meta.valid_until,
        code=meta.code,
        terms=meta.terms,
        listed=meta.listed,
        featured=meta.featured,
        phase=phase,
    )


def _check_offer_references(posts: list[Post], content: Content, built: list[Document], problems: list[Problem]) -> None:
    """A post may promote any offer that exists, built yet or not (its card shows while the offer is current)."""
    slugs = {d.slug for d in content.documents if d.kind == "offer"}
    by_path = {d.source_path: d for d in built}
    for post in posts:
        if post.offer_slug and post.offer_slug not in slugs:
            document = by_path[post.source_path]
            problems.append(
                Problem(
                    post.source_path,
                    document.line_of(content.root, "offer:"),
                    "offer",
                    f"no offer has the slug '{post.offer_slug}'",
                    did_you_mean(post.offer_slug, slugs) or (f"expected one of: {', '.join(sorted(slugs))}" if slugs else None),
                )
            )


def _group(posts: list[Post], kind: str, terms_of) -> tuple[Taxonomy, ...]:
    """One pass over the posts (newest first), so each term's posts stay newest first."""
    members: dict[str, list[Post]] = defaultdict(list)
    first: dict[str, Term | Author] = {}
    for post in posts:
        for term in terms_of(post):
            first.setdefault(term.slug, term)
            members[term.slug].append(post)
    return tuple(Taxonomy(kind, first[slug], tuple(members[slug])) for slug in sorted(first, key=lambda s: first[s].name.lower()))


def _years(posts: list[Post]) -> tuple[Year, ...]:
    members: dict[int, list[Post]] = defaultdict(list)
    for post in posts:
        members[post.date.year].append(post)
    return tuple(Year(year, f"/archive/{year}/", tuple(members[year])) for year in sorted(members, reverse=True))
