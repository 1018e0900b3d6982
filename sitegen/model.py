"""The site as immutable values: what build_site() makes and every later step reads. No I/O."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .config import Settings
from .fingerprint import whole
from .hours import Hours


@whole
@dataclass(frozen=True)
class Author:
    """A person who writes posts."""

    key: str
    """The key posts use in `author:`."""
    name: str
    slug: str
    url: str
    """Their archive page, site-relative."""
    role: str = ""
    bio: str = ""
    avatar: str = ""
    website: str = ""


@whole
@dataclass(frozen=True)
class Term:
    """A tag or category."""

    name: str
    """As written the first time it was used."""
    slug: str
    url: str
    """Its archive page, site-relative."""


@whole
@dataclass(frozen=True)
class Audio:
    """A podcast episode's media file."""

    url: str
    length: int
    type: str
    duration: str | None


@whole(long_text=True)
@dataclass(frozen=True)
class Item:
    """What posts, pages and offers share."""

    source_path: str
    """The content file, relative to the site root."""
    slug: str
    title: str
    url: str
    """Site-relative: /posts/spring-menu/."""
    permalink: str
    """Absolute, from base_url."""
    content: str
    """The body as HTML."""
    summary: str
    """Summary HTML."""
    description: str
    """The summary as plain text, for meta descriptions."""
    image: str | None
    template: str | None
    draft: bool
    extra: dict[str, Any] = field(hash=False, compare=True)
    origin: bytes | None = field(default=None, compare=False, repr=False)
    """A digest of everything the item was made of (its file's bytes, the settings, its links' targets):
    equal origins make equal items, so fingerprints use it instead of reading the whole item."""


@whole(long_text=True)
@dataclass(frozen=True)
class Post(Item):
    """A dated article."""

    date: dt.datetime = None  # type: ignore[assignment]
    updated: dt.datetime | None = None
    tags: tuple[Term, ...] = ()
    categories: tuple[Term, ...] = ()
    author: Author | None = None
    id: str = ""
    audio: Audio | None = None
    offer_slug: str | None = None
    words: int = 0
    """How many words the body has."""

    @property
    def reading_minutes(self) -> int:
        """Minutes to read at 230 words a minute, at least 1."""
        return max(1, round(self.words / 230))

    @property
    def last_modified(self) -> dt.datetime:
        """updated, else date."""
        return self.updated or self.date


@whole(long_text=True)
@dataclass(frozen=True)
class Page(Item):
    """A standalone page (about, contact)."""

    menu: int | None = None
    updated: dt.datetime | None = None


@whole(long_text=True)
@dataclass(frozen=True)
class Offer(Item):
    """A landing page for one offer."""

    price: float | None = None
    currency: str = "USD"
    was: float | None = None
    cta_label: str = ""
    cta_url: str = ""
    valid_from: dt.datetime | None = None
    valid_until: dt.datetime | None = None
    code: str | None = None
    terms: str | None = None
    listed: bool = True
    featured: bool = False
    expired: bool = False
    """True when the build's now is past valid_until."""

    @property
    def current(self) -> bool:
        """Built and not expired."""
        return not self.expired

    @property
    def saving(self) -> float | None:
        """was - price, when both are given and positive."""
        if self.was is not None and self.price is not None and self.was > self.price:
            return round(self.was - self.price, 2)
        return None


@dataclass(frozen=True)
class Taxonomy:
    """One term with its posts, newest first."""

    kind: str
    """'tag', 'category' or 'author'."""
    term: Term | Author
    posts: tuple[Post, ...]


@dataclass(frozen=True)
class Year:
    """One year of posts."""

    year: int
    url: str
    posts: tuple[Post, ...]


@whole
@dataclass(frozen=True)
class TermCount:
    """A term and how many posts it has (what a list of all topics shows)."""

    term: Term | Author
    count: int


@whole
@dataclass(frozen=True)
class NavLink:
    """A link in the site navigation."""

    title: str
    url: str


@dataclass(frozen=True)
class Site:
    """The whole site, checked, before anything is rendered."""

    config: Settings
    base_url: str
    now: dt.datetime
    posts: tuple[Post, ...]
    """Newest first."""
    pages: tuple[Page, ...]
    offers: tuple[Offer, ...]
    """Every offer that has a page: current and expired, listed or not."""
    tags: tuple[Taxonomy, ...]
    categories: tuple[Taxonomy, ...]
    authors: tuple[Taxonomy, ...]
    years: tuple[Year, ...]
    """Newest first."""
    navigation: tuple[NavLink, ...]
    neighbours: dict[str, tuple[Post | None, Post | None]] = field(hash=False)
    """Post url -> (older, newer)."""
    next_change: dt.datetime | None = None
    """When the site will next change by itself (a scheduled post, an offer starting or ending, special
    opening hours ending), if ever."""
    indexes: tuple[NavLink, ...] = ()
    """Links to the lists of topics, categories and authors that have entries."""
    latest_year: int | None = None
    """The year of the newest post (for a copyright line that needs no clock)."""
    drafts_left_out: int = 0
    """Content files marked draft that this build left out (`--drafts` includes them)."""
    scheduled_left_out: int = 0
    """Posts dated later and offers not yet started that this build left out (`--future` includes them)."""
    hours: Hours = field(default_factory=Hours)
    """The business's opening hours as this build shows them (special hours still to come at now)."""

    @property
    def current_offers(self) -> tuple[Offer, ...]:
        """Listed, not expired; featured first, then the soonest to end."""
        far = dt.datetime.max.replace(tzinfo=dt.timezone.utc)
        current = [o for o in self.offers if o.listed and not o.expired]
        return tuple(sorted(current, key=lambda o: (not o.featured, o.valid_until or far, o.slug)))

    @property
    def year_links(self) -> tuple[NavLink, ...]:
        """Links to each year's archive, newest first (cheaper to depend on than the years' posts)."""
        return tuple(NavLink(str(year.year), year.url) for year in self.years)

    def latest(self, count: int) -> tuple[Post, ...]:
        """The newest `count` posts. A page showing them re-renders when they change, not when any post does
        (as with site.posts[:count])."""
        return self.posts[:count]

    def term_counts(self, kind: str) -> tuple[TermCount, ...]:
        """Each term of a taxonomy ('tag', 'category', 'author') with its number of posts, in the index's order.
        Cheaper to depend on than site.tags, whose posts change with every edit."""
        taxonomies = {"tag": self.tags, "category": self.categories, "author": self.authors}[kind]
        return tuple(TermCount(taxonomy.term, len(taxonomy.posts)) for taxonomy in taxonomies)

    def offer(self, slug: str) -> Offer | None:
        """The built offer with this slug, if any."""
        return next((o for o in self.offers if o.slug == slug), None)

    @property
    def base_path(self) -> str:
        """The path part of base_url ('' for https://example.com, '/shop' for https://example.com/shop)."""
        return urlsplit(self.base_url).path.rstrip("/")

    def rel(self, url: str) -> str:
        """A site URL as a root-relative link that works under base_url's path."""
        return self.base_path + url if url.startswith("/") and not url.startswith("//") else url

    def index_url(self, kind: str) -> str:
        """The URL listing every term of a taxonomy ('tag' -> '/tags/')."""
        return getattr(self.config.permalinks, kind).split("{slug}", 1)[0]

    def absolute(self, url: str) -> str:
        """A site URL (/posts/x/) as a permalink; absolute URLs pass through."""
        if "://" in url or url.startswith(("mailto:", "tel:", "data:")):
            return url
        return self.base_url + ("" if url.startswith("/") else "/") + url
