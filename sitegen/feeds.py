"""Feeds: one model (Feed, FeedEntry) built from the Site; formats.py writes it as Atom, RSS and JSON Feed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin

from .campaign import tagged
from .errors import Problem, raise_if
from .memo import kept
from .model import Audio, Issue, Item, Offer, Page, Post, Site, Taxonomy, taxonomy_title
from .text import format_date, format_money

FORMATS = ("atom", "rss", "json")
FILE_NAMES = {"atom": "atom.xml", "rss": "rss.xml", "json": "feed.json"}
MEDIA_TYPES = {"atom": "application/atom+xml", "rss": "application/rss+xml", "json": "application/feed+json"}
UPDATES_URL = "/updates/"
PODCAST_URL = "/podcast.xml"
NEWSLETTER_URL = "/newsletter/"
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class FeedEntry:
    """One item of a channel, format-independent."""

    id: str
    """Stable forever: a tag URI unless front matter gives `id`."""
    title: str
    link: str
    """Absolute URL of the page."""
    published: dt.datetime
    updated: dt.datetime
    summary: str
    """HTML with absolute links, from absolute_links(), which also removes characters XML forbids."""
    content: str | None
    """HTML as summary is; None when feeds carry summaries only."""
    author: str | None = None
    author_url: str | None = None
    categories: tuple[str, ...] = ()
    image: str | None = None
    """Absolute URL."""
    enclosure: Audio | None = None
    """A media file (a podcast episode), its URL absolute."""
    campaign: str | None = None
    """An offer's slug: its links carry utm_* campaign parameters."""

    def __post_init__(self) -> None:
        # Not the HTML: absolute_links() made it XML-safe once, and scanning it again for every
        # entry of every feed was a twentieth of a small rebuild.
        _strip_forbidden_characters(self, skip=("summary", "content"))

    def link_for(self, format: str) -> str:
        """The link as written in a feed of `format`, campaign-tagged for offers."""
        if not self.campaign:
            return self.link
        return tagged(self.link, source="feed", medium=format, campaign=self.campaign)


@dataclass(frozen=True)
class Feed:
    """One channel: what it is about and its newest entries."""

    kind: str
    """site, tag, category, author, offers, updates, issues (the newsletter's) or podcast."""
    slug: str
    """The topic's slug ('' for site-wide channels)."""
    label: str
    """The topic in plain words ('Cakes', 'Maya Lindqvist', 'offers')."""
    title: str
    description: str
    page_url: str
    """Site-relative URL of the HTML page the channel follows."""
    folder: str
    """Site-relative folder the feed files go in ('/tags/cakes/'); for the podcast, its file URL."""
    entries: tuple[FeedEntry, ...] = field(compare=False)
    """Left out of equality (and fingerprints), so pages that only link a channel do not depend on its posts."""
    updated: dt.datetime = EPOCH
    """The newest entry's `updated`, never the build time, so an unchanged feed is byte-identical."""

    def __post_init__(self) -> None:
        _strip_forbidden_characters(self)

    @property
    def anchor(self) -> str:
        """Its id on the Subscribe page."""
        return self.kind if not self.slug else f"{self.kind}-{self.slug}"

    def url(self, format: str) -> str:
        """Site-relative URL of the feed in `format`."""
        return self.folder if self.kind == "podcast" else self.folder + FILE_NAMES[format]

    @property
    def formats(self) -> tuple[str, ...]:
        """The formats this channel is written in."""
        return ("rss",) if self.kind == "podcast" else FORMATS


# ---------------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedsMemo:
    """What build_feeds() may reuse: items' HTML as feeds carry it."""

    feed_html: Mapping[tuple[str, bytes, str], str] = kept(per_file=True)
    """(source path, item origin, which part) -> that part of the item's HTML with absolute links."""


def build_feeds(site: Site, memo: FeedsMemo = FeedsMemo()) -> tuple[tuple[Feed, ...], FeedsMemo]:
    """Every channel the settings ask for, site-wide first; raises on missing podcast settings.

    A post's entry is built once however many channels carry it, and its HTML made absolute once
    across builds too.
    """
    known = memo.feed_html
    used: dict[tuple[str, bytes, str], str] = {}

    def absolute(item: Item, part: str, html: str) -> str:
        """html, the item's `part` (its summary, content ...), its links absolute against the item's permalink.

        Kept by the item's origin, which stands for everything html and the permalink are made of;
        the source path first: it is kept with what else is kept for that file.
        """
        if item.origin is None:
            return absolute_links(html, item.permalink)
        key = (item.source_path, item.origin, part)
        result = used.get(key) or known.get(key)
        if result is None:
            result = absolute_links(html, item.permalink)
        used[key] = result
        return result

    entries: dict[int, FeedEntry] = {}

    def entry_of(post: Post) -> FeedEntry:
        if id(post) not in entries:
            entries[id(post)] = _post_entry(site, post, absolute)
        return entries[id(post)]

    return _build_feeds(site, entry_of, absolute), FeedsMemo(used)  # only what is still in a feed


def _build_feeds(site: Site, entry_of, absolute) -> tuple[Feed, ...]:
    config = site.config
    settings = config.feeds
    limit = settings.entries
    feeds = [
        _feed(site, "site", "", "everything", config.title, config.description, "/", "/", [entry_of(p) for p in site.posts[:limit]])
    ]
    groups = (("tag", settings.tags, site.tags), ("category", settings.categories, site.categories), ("author", settings.authors, site.authors))
    for kind, enabled, taxonomies in groups:
        if enabled:
            feeds += [_taxonomy_feed(site, kind, taxonomy, [entry_of(p) for p in taxonomy.posts[:limit]]) for taxonomy in taxonomies]
    if settings.offers:
        offers = sorted(site.current_offers, key=lambda o: (o.valid_from or EPOCH, o.slug), reverse=True)[:limit]
        feeds.append(
            _feed(site, "offers", "", "offers", f"Offers · {config.title}", f"Current offers from {config.business_name}.",
                  "/offers/", "/offers/", [_offer_entry(site, o, absolute) for o in offers])
        )
    if settings.updates:
        pages = sorted((p for p in site.pages if p.updated), key=lambda p: (p.updated, p.slug), reverse=True)[:limit]
        feeds.append(
            _feed(site, "updates", "", "changes to the website", f"What's new · {config.title}",
                  f"Changes to the pages of {config.title}: menus, hours, prices.", "/", UPDATES_URL, [_page_entry(site, p, absolute) for p in pages])
        )
    if settings.newsletter and site.newsletters:
        feeds.append(
            _feed(site, "issues", "", "the newsletter", f"Newsletter · {config.title}", f"Every issue of the {config.title} newsletter.",
                  NEWSLETTER_URL, NEWSLETTER_URL, [_issue_entry(site, i, absolute) for i in site.newsletters[:limit]])
        )
    episodes = [p for p in site.posts if p.audio][:limit]
    if episodes:
        _check_podcast_settings(site, episodes)
        podcast = config.podcast
        feeds.append(
            _feed(site, "podcast", "", "the podcast", podcast.title or config.title, podcast.description or config.description,
                  "/", PODCAST_URL, [entry_of(p) for p in episodes])
        )
    return tuple(feeds)


def _feed(site: Site, kind: str, slug: str, label: str, title: str, description: str, page_url: str, folder: str, entries: list[FeedEntry]) -> Feed:
    updated = max((e.updated for e in entries), default=None) or (site.posts[0].last_modified if site.posts else EPOCH)
    return Feed(kind, slug, label, title, description, page_url, folder, tuple(entries), updated)


def _taxonomy_feed(site: Site, kind: str, taxonomy: Taxonomy, entries: list[FeedEntry]) -> Feed:
    term = taxonomy.term
    title = f"{term.name} · {site.config.title}"
    description = f"New {taxonomy_title(kind, term.name, in_sentence=True)} {'on' if kind == 'author' else 'from'} {site.config.title}."
    return _feed(site, kind, term.slug, term.name, title, description, term.url, term.url, entries)


def _tag_uri(site: Site, date: dt.datetime, specific: str) -> str:
    """RFC 4151: tag:authority,date:specific; the date is the item's first, so the id never changes."""
    return f"tag:{site.config.feed_authority},{date:%Y-%m-%d}:{specific}"


def _post_entry(site: Site, post: Post, absolute) -> FeedEntry:
    enclosure = None
    if post.audio:
        enclosure = dataclasses.replace(post.audio, url=site.absolute(post.audio.url))
    full = site.config.feeds.full_content
    return FeedEntry(
        id=post.id or _tag_uri(site, post.date, post.slug),
        title=post.title,
        link=post.permalink,
        published=post.date,
        updated=post.last_modified,
        summary=absolute(post, "summary", post.summary),
        content=absolute(post, "content", post.content) if full else None,
        author=post.author.name if post.author else None,
        author_url=site.absolute(post.author.url) if post.author else None,
        categories=tuple(t.name for t in (*post.categories, *post.tags)),
        image=site.absolute(post.image) if post.image else None,
        enclosure=enclosure,
    )


def _page_entry(site: Site, page: Page, absolute) -> FeedEntry:
    assert page.updated is not None
    return FeedEntry(
        id=_tag_uri(site, page.updated, f"pages/{page.slug}"),  # each announced change is an entry of its own
        title=f"Updated: {page.title}",
        link=page.permalink,
        published=page.updated,
        updated=page.updated,
        summary=absolute(page, "summary", page.summary),
        content=absolute(page, "content", page.content) if site.config.feeds.full_content else None,
        author=site.config.business_name,
        image=site.absolute(page.image) if page.image else None,
    )


def _offer_entry(site: Site, offer: Offer, absolute) -> FeedEntry:
    start = offer.valid_from or offer_fallback_date(site)
    facts = []
    if offer.price is not None:
        price = format_money(offer.price, offer.currency)
        if offer.saving:
            price += f" (was {format_money(offer.was, offer.currency)}, save {format_money(offer.saving, offer.currency)})"
        facts.append(f"<li>Price: {_escape(price)}</li>")
    if offer.valid_from:
        facts.append(f"<li>From: {format_date(offer.valid_from)}</li>")
    if offer.valid_until:
        facts.append(f"<li>Until: {format_date(offer.valid_until)}</li>")
    if offer.code:
        facts.append(f"<li>Code: <code>{_escape(offer.code)}</code></li>")
    cta = f'<p><a href="{_escape(offer.cta_url)}">{_escape(offer.cta_label)}</a></p>'
    body = f"<ul>{''.join(facts)}</ul>{offer.content}{cta}"
    return FeedEntry(
        id=_tag_uri(site, start, f"offers/{offer.slug}"),
        title=offer.title,
        link=offer.permalink,
        published=start,
        updated=start,
        summary=absolute(offer, "summary", offer.summary),
        content=absolute(offer, "offer-body", body),
        author=site.config.business_name,
        image=site.absolute(offer.image) if offer.image else None,
        campaign=offer.slug,
    )


def _issue_entry(site: Site, issue: Issue, absolute) -> FeedEntry:
    """An issue as its web version reads: the introduction, then each item it carries with its summary."""
    carried = "".join(
        f'<li><a href="{_escape(item.permalink)}">{_escape(item.title)}</a>{(" " + item.summary) if item.summary else ""}</li>' for item in issue.items
    )
    body = issue.content + (f"<ul>{carried}</ul>" if carried else "")
    return FeedEntry(
        id=_tag_uri(site, issue.date, f"newsletter/{issue.slug}"),
        title=issue.title,
        link=issue.permalink,
        published=issue.date,
        updated=issue.date,
        summary=_escape(issue.preheader) if issue.preheader else absolute(issue, "summary", issue.summary),
        content=absolute(issue, "issue-body", body),
        author=site.config.business_name,
        image=site.absolute(issue.image) if issue.image else None,
    )


def offer_fallback_date(site: Site) -> dt.datetime:
    """An offer with no valid_from is dated by the site's first post, so its id is stable."""
    return site.posts[-1].date if site.posts else EPOCH


def _check_podcast_settings(site: Site, episodes: list[Post]) -> None:
    podcast = site.config.podcast
    because = f"required because posts carry audio ({episodes[0].source_path})"
    problems = []
    for name in ("author", "image", "category", "owner_email"):
        if not getattr(podcast, name):
            problems.append(Problem("sitegen.toml", field=f"podcast.{name}", message=because))
    if podcast.image and not podcast.image.lower().endswith((".jpg", ".jpeg", ".png")):
        problems.append(Problem("sitegen.toml", field="podcast.image", message=f"expected a .jpg or .png file (podcast apps accept no other), got {podcast.image!r}"))
    for post in episodes:
        if not (post.audio and post.audio.duration and re.fullmatch(r"(\d+:)?\d{1,2}:\d{2}", post.audio.duration)):
            problems.append(Problem(post.source_path, field="audio.duration", message=f"expected HH:MM:SS, got {post.audio.duration!r}"))
    raise_if(problems)


# ---------------------------------------------------------------------------------
# Text that is safe to put in a feed
# ---------------------------------------------------------------------------------

def _strip_forbidden_characters(value: object, skip: tuple[str, ...] = ()) -> None:
    """Every text field of a feed value (but those in skip) made XML-safe, so no front matter field can break a feed."""
    for name, field_value in vars(value).items():
        if name in skip:
            continue
        if isinstance(field_value, str):
            object.__setattr__(value, name, xml_safe(field_value))
        elif isinstance(field_value, tuple) and all(isinstance(v, str) for v in field_value):
            object.__setattr__(value, name, tuple(xml_safe(v) for v in field_value))


# XML 1.0 section 2.2: Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
# Written as the complement (what is not a Char): the same set, but compiled in microseconds
# instead of the 7 ms the negated ranges up to U+10FFFF took at every start.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Remove characters XML 1.0 forbids (control characters, lone surrogates, U+FFFE/U+FFFF)."""
    return _NOT_XML.sub("", text)


_URL_ATTRIBUTE = re.compile(r'\b(href|src|poster)="([^"]*)"')
_SRCSET = re.compile(r'\bsrcset="([^"]*)"')


_HEADERLINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.S)


def absolute_links(html: str, base: str) -> str:
    """Every href/src/poster/srcset in html made absolute against base; forbidden characters removed.

    Heading permalinks ('#') are dropped: feed readers show them as stray characters.
    """
    html = _HEADERLINK.sub("", html)
    html = _URL_ATTRIBUTE.sub(lambda m: f'{m.group(1)}="{urljoin(base, m.group(2))}"', html)
    html = _SRCSET.sub(
        lambda m: 'srcset="' + ", ".join(" ".join([urljoin(base, c.split()[0]), *c.split()[1:]]) for c in m.group(1).split(",") if c.strip()) + '"',
        html,
    )
    return xml_safe(html)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
