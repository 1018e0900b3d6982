"""The site as immutable values: what build_site() makes and every later step reads. No I/O."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlsplit

from .config import Settings
from .hours import Hours


@dataclass(frozen=True)
class Author:
    """A person who writes posts."""

    key: str
    """The key posts use in `author:`."""
    name: str
    """The display name: [authors] name in sitegen.toml, else the name the post wrote."""
    slug: str
    """The key made URL-safe, for its archive's URL ('head-baker')."""
    url: str
    """Their archive page, site-relative."""
    role: str = ""
    """A short role shown beside the name ('Head baker'); '' when none."""
    bio: str = ""
    """One or two sentences about them; '' when none."""
    avatar: str = ""
    """Their picture: a site URL (/static/...) or an absolute URL; '' when none."""
    website: str = ""
    """Their own website ([authors] url in sitegen.toml); '' when none."""


@dataclass(frozen=True)
class Term:
    """A tag or category."""

    name: str
    """As written the first time it was used."""
    slug: str
    """The name made URL-safe ('Sourdough Tips' -> 'sourdough-tips'); terms with the same slug are one term."""
    url: str
    """Its archive page, site-relative."""


@dataclass(frozen=True)
class Audio:
    """A podcast episode's media file."""

    url: str
    """The media file: a site URL (/static/ep12.mp3) or an absolute URL."""
    length: int
    """Its size in bytes."""
    type: str
    """Its media type ('audio/mpeg')."""
    duration: str | None
    """Its duration, HH:MM:SS, if given."""


@dataclass(frozen=True)
class Item:
    """What posts, pages, offers and newsletter issues share."""

    source_path: str
    """The content file, relative to the site root."""
    slug: str
    """The last part of its URL: front matter `slug`, else the file name without a date prefix."""
    title: str
    """The title, as written in the front matter."""
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
    """A picture for the page, social previews and feeds: a site URL or an absolute URL, if given."""
    template: str | None
    """The template front matter asks for, tried before the defaults for its kind, if given."""
    draft: bool
    """Marked draft (built only with `--drafts`)."""
    extra: dict[str, Any] = field(hash=False, compare=True)
    """Front matter under `extra:`, untouched, for templates."""
    kind: ClassVar[str] = ""
    """What it is: 'post', 'page', 'offer' or 'newsletter' (an issue), as templates name it."""
    origin: bytes | None = field(default=None, compare=False, repr=False)
    """A digest of everything the item was made of (its file's bytes, the settings, its links' targets):
    equal origins make equal items, so fingerprints use it instead of reading the whole item."""
    aliases: tuple[str, ...] = ()
    """Old site-relative URLs of the item (front matter `aliases`), each redirected to url."""


@dataclass(frozen=True)
class Post(Item):
    """A dated article."""

    kind = "post"

    date: dt.datetime = None  # type: ignore[assignment]
    """When it was published, zone-aware."""
    updated: dt.datetime | None = None
    """When it last changed in a way readers should know about, if given."""
    tags: tuple[Term, ...] = ()
    """Its topics, in the order written, each once."""
    categories: tuple[Term, ...] = ()
    """Its sections (front matter `category` or `categories`), each once."""
    author: Author | None = None
    """Who wrote it, if given."""
    id: str = ""
    """Its feed entry id from front matter; '' when the feeds derive one (tag URI from the first date and slug)."""
    audio: Audio | None = None
    """A podcast episode attached to it, if any."""
    offer_slug: str | None = None
    """The slug of the offer it promotes (front matter `offer`), if any; site.offer(slug) finds it."""
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


@dataclass(frozen=True)
class Page(Item):
    """A standalone page (about, contact)."""

    kind = "page"

    menu: int | None = None
    """Its position in the site navigation (1 first); None: not in the navigation."""
    updated: dt.datetime | None = None
    """When it last changed in a way readers should know about, if given."""


def offer_phase(valid_from: dt.datetime | None, valid_until: dt.datetime | None, now: dt.datetime) -> str:
    """Where an offer stands at now: 'upcoming' before valid_from, 'ended' after valid_until, else 'current'."""
    if valid_from is not None and valid_from > now:
        return "upcoming"
    if valid_until is not None and valid_until < now:
        return "ended"
    return "current"


@dataclass(frozen=True)
class Offer(Item):
    """A landing page for one offer."""

    kind = "offer"

    price: float | None = None
    """The price, if given."""
    currency: str = "USD"
    """The ISO 4217 code of price and was ('USD')."""
    was: float | None = None
    """The former price, shown struck through, if given."""
    cta_label: str = ""
    """The call to action's text ('Order now')."""
    cta_url: str = ""
    """Where the call to action goes: an https:// address, or a mailto: or tel: link."""
    valid_from: dt.datetime | None = None
    """When the offer starts, if given (its page is built from then on)."""
    valid_until: dt.datetime | None = None
    """When the offer ends, if given (after it, the page says the offer has ended)."""
    code: str | None = None
    """A coupon code, if any."""
    terms: str | None = None
    """The fine print, if any."""
    listed: bool = True
    """False: reachable by link only, not on the home page, /offers/ or feeds."""
    featured: bool = False
    """Shown first among current offers."""
    phase: str = "current"
    """'upcoming', 'current' or 'ended' at the build's now (offer_phase)."""

    @property
    def expired(self) -> bool:
        """True when the build's now is past valid_until."""
        return self.phase == "ended"

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
class Issue(Item):
    """A newsletter issue: what it carries, and its web version ("view in browser")."""

    kind = "newsletter"

    date: dt.datetime = None  # type: ignore[assignment]
    """The issue's date, zone-aware."""
    preheader: str = ""
    """The preview text mail apps show after the subject; '' when not given."""
    topics: tuple[str, ...] = ("all",)
    """Who receives it: 'all', or tag and category slugs and 'offers'."""
    items: tuple[Post | Page | Offer, ...] = ()
    """The posts, pages and offers it carries, in order."""


@dataclass(frozen=True)
class Taxonomy:
    """One term with its posts, newest first."""

    kind: str
    """'tag', 'category' or 'author'."""
    term: Term | Author
    """The tag or category (a Term), or the author."""
    posts: tuple[Post, ...]
    """Its posts, newest first."""


def taxonomy_title(kind: str, name: str, *, in_sentence: bool = False) -> str:
    """How a topic's posts are named. Its page's title: 'Posts about Bread' (a tag), 'Bread' (a category),
    'Posts by Ava' (an author); in_sentence, the words a sentence says: 'posts about Bread', 'posts in
    Bread', 'posts by Ava'. A name given as Markup (a link, in a template) gives Markup."""
    if kind == "category" and not in_sentence:
        return name
    preposition = {"tag": "about", "category": "in", "author": "by"}[kind]
    # Added, not formatted: Markup + str escapes the str and stays Markup; an f-string would not.
    return ("posts " if in_sentence else "Posts ") + preposition + " " + name


@dataclass(frozen=True)
class Year:
    """One year of posts."""

    year: int
    """The year (2026)."""
    url: str
    """Its archive page, site-relative (/archive/2026/)."""
    posts: tuple[Post, ...]
    """Its posts, newest first."""


@dataclass(frozen=True)
class TermCount:
    """A term and how many posts it has (what a list of all topics shows)."""

    term: Term | Author
    """The tag, category or author."""
    count: int
    """How many posts it has."""


@dataclass(frozen=True)
class NavLink:
    """A link in the site navigation."""

    title: str
    """The link text."""
    url: str
    """Where it goes: a site URL (/offers/) or an absolute URL."""


@dataclass(frozen=True)
class Topic:
    """What a subscriber to the site's own list can ask to hear about."""

    slug: str
    """Its name wherever topics are named (sign-up forms, imports, exports, newsletter issues): 'all',
    'offers', or a tag's or category's slug."""
    name: str
    """In plain words, for a checkbox: 'Everything', 'Offers', or the tag or category as written."""


def topics_of(has_offers: bool, taxonomies: tuple[Taxonomy, ...]) -> tuple[Topic, ...]:
    """What subscribers can choose: 'all' first, then 'offers' when the site has offers, then each tag and
    each category by slug. A tag or category whose slug is taken already (a category named as a tag is,
    a tag named 'offers') is that topic: a topic's name means one thing everywhere."""
    topics = {"all": Topic("all", "Everything")}
    if has_offers:
        topics["offers"] = Topic("offers", "Offers")
    for taxonomy in taxonomies:
        topics.setdefault(taxonomy.term.slug, Topic(taxonomy.term.slug, taxonomy.term.name))
    return tuple(topics.values())


@dataclass(frozen=True)
class Site:
    """The whole site, checked, before anything is rendered."""

    config: Settings
    """The settings from sitegen.toml (templates also get them as `config`)."""
    base_url: str
    """The URL the site is published at, without a trailing slash (settings' base_url, or --base-url)."""
    now: dt.datetime
    """The build's time, zone-aware: what is scheduled, current or ended is judged at it."""
    posts: tuple[Post, ...]
    """Newest first."""
    pages: tuple[Page, ...]
    """Navigation order (menu), then the rest by slug."""
    offers: tuple[Offer, ...]
    """Every offer that has a page: current and expired, listed or not."""
    tags: tuple[Taxonomy, ...]
    """Each tag with its posts, by name."""
    categories: tuple[Taxonomy, ...]
    """Each category with its posts, by name."""
    authors: tuple[Taxonomy, ...]
    """Each author who has posts, with them, by name."""
    years: tuple[Year, ...]
    """Newest first."""
    navigation: tuple[NavLink, ...]
    """The main navigation: pages that set `menu`, in order, then [[navigation]] from sitegen.toml."""
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
    newsletters: tuple[Issue, ...] = ()
    """Newsletter issues, newest first."""

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

    @property
    def topics(self) -> tuple[Topic, ...]:
        """What subscribers can choose (topics_of): 'all', 'offers' when the site has offers, each tag and category."""
        return topics_of(bool(self.offers), (*self.tags, *self.categories))

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
