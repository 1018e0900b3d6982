"""plan_outputs(): every file the build will write, checked for collisions, before rendering."""

from __future__ import annotations

import dataclasses
import functools
import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, NamedTuple
from urllib.parse import unquote

from .content import StaticFile
from .errors import Problem, raise_if
from .feeds import MEDIA_TYPES, NEWSLETTER_URL, Feed, FeedEntry
from .fingerprint import LONG_TEXT, PICKLE, Fingerprinter, FingerprintMemo, same_value, settings_digest
from .head import FeedLink, Head, home_head, item_head, offer_head, post_head, social_image
from .memo import kept
from .model import Audio, Author, Issue, Item, NavLink, Offer, Page, Post, Site, Term, TermCount, taxonomy_title
from .redirects import Redirect, build_redirects


@dataclass(frozen=True)
class Paginator:
    """One page of a paginated list."""

    number: int
    """1-based."""
    total: int
    """How many pages the list has."""
    items: tuple
    """This page's items."""
    base_url: str
    """The list's first page."""
    count: int
    """Items in the whole list."""

    def url_of(self, number: int) -> str:
        """The URL of page `number` of this list."""
        return self.base_url if number == 1 else f"{self.base_url}page/{number}/"

    @property
    def previous_url(self) -> str | None:
        """Newer entries, if any."""
        return self.url_of(self.number - 1) if self.number > 1 else None

    @property
    def next_url(self) -> str | None:
        """Older entries, if any."""
        return self.url_of(self.number + 1) if self.number < self.total else None


@dataclass(frozen=True)
class Listing:
    """What a list page is about: its kind and term or year, not its posts (the paginator has those)."""

    kind: str
    """archive, year, tag, category or author."""
    term: Term | Author | None = None
    year: int | None = None

    @property
    def title(self) -> str:
        """A topic's title (taxonomy_title), '' for the archive and years."""
        return taxonomy_title(self.kind, self.term.name) if self.term is not None else ""


@dataclass(frozen=True)
class Output:
    """One file to write: its path, how to render it, and what it shows."""

    path: str
    """Relative to the output folder: 'posts/x/index.html'."""
    url: str
    """Site-relative URL: '/posts/x/'."""
    kind: str
    """home, post, page, offer, offers, archive, year, tag, category, author, tags, categories, authors, 404, sitemap, robots,
    redirect (an old address of an item), redirects (_redirects), headers (`_headers`), nojekyll."""
    templates: tuple[str, ...] = ()
    """Template names, most specific first."""
    item: Any = None
    """The Post, Page, Offer or Listing shown."""
    paginator: Paginator | None = None
    head: Head | None = None
    source_path: str | None = None
    """The content file behind it, for messages."""
    entries: tuple = field(default=())
    """For sitemap.xml: (permalink, lastmod) pairs; for `_headers`: (path, format) of each feed."""
    format: str | None = None
    """For feeds: atom, rss or json."""


@dataclass(frozen=True)
class Plan:
    """Everything to write: rendered outputs and static files."""

    outputs: tuple[Output, ...]
    static: tuple[StaticFile, ...]
    feeds: tuple[Feed, ...] = ()
    """Every channel, site-wide first."""
    owns: dict[str, bytes] = field(default_factory=dict, compare=False)
    """Output path -> a digest of all it is made of, where the plan knows (else render digests the Output)."""

    @property
    def channels(self) -> dict[str, Feed]:
        """Channels by their Subscribe page anchor ('site', 'tag-cakes', 'podcast')."""
        return {feed.anchor: feed for feed in self.feeds}


def path_of(url: str) -> str:
    """'/posts/x/' -> 'posts/x/index.html'; '/404.html' -> '404.html'."""
    path = url.lstrip("/")
    return path + "index.html" if path == "" or path.endswith("/") else path


class Part(NamedTuple):
    """Something plan_outputs() made (an output, a page list's outputs, feed links) and what it was made of."""

    inputs: tuple
    made: Any
    digests: tuple[bytes, ...]
    """Each output's fingerprint (Plan.owns)."""


@dataclass(frozen=True)
class PlanMemo:
    """What plan_outputs() may reuse from the last build."""

    parts: Mapping[tuple, Part] = kept(saved=False)
    """What it made, by what it is (("post", source path), ("list", "tag", url) ...)."""
    heads: Mapping[tuple, Head] = kept(per_file=True)
    """(source path, kind, item origin, digest of settings and feed links) -> the item page's Head."""
    outputs: Mapping[str, Output] = kept(saved=False)
    """Output path -> last build's Output, reused when the new one is equal."""


DIGESTED_WHOLE: Mapping[type, str] = {
    **dict.fromkeys((Author, Term, Audio, TermCount, NavLink, FeedLink, Head, Listing, Redirect), PICKLE),
    **dict.fromkeys((Post, Page, Offer, Issue, FeedEntry), LONG_TEXT),
}
"""Values digested from their pickle (see fingerprint.PICKLE): leaves of the model, the feeds and heads."""
STAND_INS: Mapping[type, Callable[[Any], bytes | None]] = dict.fromkeys((Post, Page, Offer, Issue), attrgetter("origin"))
"""An item's origin (everything it was made of) stands for it in digests."""


def fingerprinter(memo: FingerprintMemo = FingerprintMemo()) -> Fingerprinter:
    """The Fingerprinter for a build: plan_outputs() and render_all() digest with it."""
    return Fingerprinter(memo, how=DIGESTED_WHOLE, stand_in=STAND_INS)


def plan_outputs(
    site: Site,
    feeds: tuple[Feed, ...],
    static: tuple[StaticFile, ...],
    memo: PlanMemo = PlanMemo(),
    fingerprint: Fingerprinter | None = None,
) -> tuple[Plan, PlanMemo]:
    """Enumerate every output of the site; raise if two claim one path or a path leaves the output folder.

    An output equal to the memo's is the memo's object, so later steps know it by identity.
    """
    config = site.config
    per_page = config.pagination.posts
    outputs: list[Output] = []
    settings_key = settings_digest(config)
    earlier = memo.parts
    parts: dict[tuple, Part] = {}
    fingerprint = fingerprint if fingerprint is not None else fingerprinter()
    owns: dict[str, bytes] = {}

    def reuse(key: tuple, inputs: tuple, make: Callable[[], Any], made_of: Callable[[Output], tuple] | None = None) -> Any:
        """make(), or what it made last build from the same inputs: unchanged parts keep their identity,
        so a rebuild compares, digests and renders only what changed.

        made_of: make() makes an Output or a list of them, and made_of(output) is all that output is
        made of; its digest is the output's fingerprint (Plan.owns), far cheaper than the Output's.
        """
        known = earlier.get(key)
        if known is None or len(known.inputs) != len(inputs) or not all(map(same_value, known.inputs, inputs)):
            made = make()
            digests = tuple(fingerprint(made_of(o)) for o in _as_list(made)) if made_of else ()
            known = Part(inputs, made, digests)
        parts[key] = known
        for output, digest in zip(_as_list(known.made) if made_of else (), known.digests, strict=True):
            owns[output.path] = digest
        return known.made

    # Autodiscovery links: every HTML page links the site-wide channels; a topic's pages (and
    # /offers/) link the topic's too. One tuple per channel, kept from build to build while equal.
    def kept(key: tuple, links: tuple[FeedLink, ...]) -> tuple[FeedLink, ...]:
        return reuse(key, links, lambda: links)

    site_links = kept(("links",), tuple(link for feed in feeds if feed.kind in ("site", "podcast") for link in _links(feed)))
    topic_links = {
        (feed.kind, feed.page_url): kept(("links", feed.anchor), (*_links(feed), *site_links))
        for feed in feeds
        if feed.kind in ("tag", "category", "author", "offers", "issues")
    }

    shared = fingerprint((settings_key, site_links))  # what every item output is made of besides its item

    def links(kind: str, page_url: str) -> tuple[FeedLink, ...]:
        return topic_links.get((kind, page_url), site_links)

    earlier_heads = memo.heads
    heads: dict[tuple, Head] = {}

    def head_of(item: Item, kind: str, make_head) -> Head:
        """The item's head, kept from the last build (another process's too) when made of the same
        inputs: the item's origin, the settings and the feed links. Making one costs JSON-LD."""
        key = (item.source_path, kind, item.origin, shared)  # the source path first: a per-file memo
        head = earlier_heads.get(key) if item.origin is not None else None
        if head is None:
            head = _linked(make_head(site, item), site_links)
        if item.origin is not None:
            heads[key] = head
        return head

    def item_output(item: Item, kind: str, make_head) -> Output:
        key, inputs = (kind, item.source_path), (item, settings_key, site_links)
        return reuse(key, inputs, lambda: _item_output(item, kind, head_of(item, kind, make_head)), lambda _: (key, item, shared))

    add = outputs.append

    add(Output("index.html", "/", "home", ("home.html",), head=_linked(home_head(site), site_links)))
    for post in site.posts:
        add(item_output(post, "post", post_head))
    for page in site.pages:
        add(item_output(page, "page", item_head))
    for offer in site.offers:
        add(item_output(offer, "offer", offer_head))
    for issue in site.newsletters:
        add(item_output(issue, "newsletter", item_head))
    if site.newsletters:
        description = f"Every issue of the {config.title} newsletter, as it was sent."
        head = Head(f"Newsletter · {config.title}", description, site.absolute(NEWSLETTER_URL), social_image(site, None))
        add(Output(path_of(NEWSLETTER_URL), NEWSLETTER_URL, "newsletters", ("newsletters.html",), head=_linked(head, links("issues", NEWSLETTER_URL))))
    offers_head = Head(f"Offers · {config.title}", f"Current offers from {config.business_name}.", site.absolute("/offers/"), social_image(site, None))
    add(Output("offers/index.html", "/offers/", "offers", ("offers.html",), head=_linked(offers_head, links("offers", "/offers/"))))

    def paginated(kind: str, base_url: str, posts: tuple[Post, ...], item: Any, title: str) -> list[Output]:
        topic = links(kind, base_url)
        key = ("list", kind, base_url)

        @functools.cache
        def shared_by_pages() -> bytes:
            return fingerprint((key, settings_key, topic, item, title, len(posts)))

        # A page is made of what the whole list shares and its own posts: one post changing changes only its page.
        return reuse(
            key,
            (settings_key, topic, item, title, *posts),
            lambda: _paginated(site, kind, base_url, posts, per_page, item, title, topic),
            lambda o: (shared_by_pages(), o.paginator.number, o.paginator.items),
        )

    outputs += paginated("archive", "/archive/", site.posts, Listing("archive"), "All posts")
    for year in site.years:
        outputs += paginated("year", year.url, year.posts, Listing("year", year=year.year), f"Posts from {year.year}")
    for kind, taxonomies, plural, index_title in (
        ("tag", site.tags, "tags", "Topics"),
        ("category", site.categories, "categories", "Categories"),
        ("author", site.authors, "authors", "Authors"),
    ):
        if not taxonomies:
            continue
        index_url = site.index_url(kind)
        head = Head(f"{index_title} · {config.title}", f"{index_title} on {config.title}.", site.absolute(index_url), social_image(site, None), feeds=site_links)
        add(Output(path_of(index_url), index_url, plural, (f"{plural}.html", "terms.html"), head=head))
        for taxonomy in taxonomies:
            outputs += paginated(kind, taxonomy.term.url, taxonomy.posts, Listing(kind, taxonomy.term), taxonomy_title(kind, taxonomy.term.name))

    for feed in feeds:
        for format in feed.formats:
            url = feed.url(format)
            add(Output(path_of(url), url, "feed", item=feed, format=format))
    subscribe_head = Head(
        f"Follow {config.title} · Subscribe",
        f"Every way to get news and offers from {config.business_name}: feed readers, podcast apps, email and social.",
        site.absolute("/subscribe/"),
        social_image(site, None),
        feeds=site_links,
    )
    add(Output("subscribe/index.html", "/subscribe/", "subscribe", ("subscribe.html",), head=subscribe_head))
    sign_head = Head(f"A sign to print · {config.title}", subscribe_head.description, site.absolute("/subscribe/print/"), social_image(site, None), noindex=True, feeds=site_links)
    add(Output("subscribe/print/index.html", "/subscribe/print/", "sign", ("sign.html",), head=sign_head))
    add(Output("feeds.opml", "/feeds.opml", "opml", ("feeds.opml",)))
    add(Output("404.html", "/404.html", "404", ("404.html",), head=Head(f"Page not found · {config.title}", config.description, site.absolute("/404.html"), social_image(site, None), noindex=True, feeds=site_links)))
    add(Output("robots.txt", "/robots.txt", "robots", ("robots.txt",)))
    add(Output("sitemap.xml", "/sitemap.xml", "sitemap", ("sitemap.xml",), entries=_sitemap_entries(outputs)))
    redirects = build_redirects(site)
    for redirect in redirects:
        if redirect.url:  # an alias with a query has no page of its own: _redirects has it
            url = unquote(redirect.url)  # as on disk, where a server looks for it
            add(Output(path_of(url), url, "redirect", ("redirect.html",), item=redirect, source_path=redirect.source_path))
    if redirects:
        add(Output("_redirects", "/_redirects", "redirects", item=redirects))
    # For hosts that deploy from git: `_headers` gives feeds their types (Netlify, Cloudflare Pages),
    # `.nojekyll` keeps GitHub Pages from running Jekyll, which would drop `_headers` and any `_` folder.
    add(Output("_headers", "/_headers", "headers", entries=tuple((o.path, o.format) for o in outputs if o.kind == "feed")))
    add(Output(".nojekyll", "/.nojekyll", "nojekyll"))

    previous = memo.outputs
    outputs = [earlier if _same(earlier := previous.get(o.path), o) else o for o in outputs]
    _check_paths(outputs, static)
    return Plan(tuple(outputs), static, feeds, owns), PlanMemo(parts, heads, {o.path: o for o in outputs})


def _as_list(made: Output | list[Output]) -> list[Output] | tuple[Output]:
    return made if isinstance(made, list) else (made,)


def _same(earlier: Output | None, output: Output) -> bool:
    """Whether last build's output can stand for this one (see same_value: stricter than ==).

    == first: it runs in C and is implied by same_value, so most changed outputs fail fast.
    """
    return earlier is output or (earlier is not None and earlier == output and same_value(earlier, output))


def _links(feed: Feed) -> tuple[FeedLink, ...]:
    """A channel's autodiscovery links, one per format."""
    return tuple(
        FeedLink(feed.title + ("" if format == "rss" or len(feed.formats) == 1 else f" ({format.upper()})"), MEDIA_TYPES[format], feed.url(format))
        for format in feed.formats
    )


def _linked(head: Head, links: tuple[FeedLink, ...]) -> Head:
    """head with these autodiscovery links."""
    return dataclasses.replace(head, feeds=links)


def _item_output(item: Item, kind: str, head: Head) -> Output:
    templates = ((item.template,) if item.template else ()) + (f"{kind}s/{item.slug}.html", f"{kind}.html")
    return Output(path_of(item.url), item.url, kind, templates, item=item, head=head, source_path=item.source_path)


def _paginated(
    site: Site, kind: str, base_url: str, posts: tuple[Post, ...], per_page: int, item: Any, title: str, links: tuple[FeedLink, ...]
) -> list[Output]:
    """The pages of one list; each slice is taken once, so a list of N posts costs O(N)."""
    total = max(1, -(-len(posts) // per_page))
    outputs = []
    for number in range(1, total + 1):
        paginator = Paginator(number, total, posts[(number - 1) * per_page : number * per_page], base_url, len(posts))
        url = paginator.url_of(number)
        page_title = title if number == 1 else f"{title}, page {number}"
        description = _taxonomy_description(site, item, title)
        head = Head(f"{page_title} · {site.config.title}", description, site.absolute(url), social_image(site, None), feeds=links)
        outputs.append(Output(path_of(url), url, kind, (f"{kind}.html", "list.html"), item=item, paginator=paginator, head=head))
    return outputs


def _taxonomy_description(site: Site, item: Any, title: str) -> str:
    if item.kind == "author" and getattr(item.term, "bio", ""):
        return item.term.bio
    return f"{title} on {site.config.title}: {site.config.description}"


def _sitemap_entries(outputs: list[Output]) -> tuple[tuple[str, str | None], ...]:
    """Every planned HTML page (an output with a head) that search engines may index: decided by the
    page's own noindex flag, so a new kind of page, or a list's page 2, cannot be left out."""
    entries = []
    for output in outputs:
        if output.head is None or output.head.noindex:
            continue
        item = output.item
        lastmod = None
        if isinstance(item, Post):
            lastmod = item.last_modified
        elif isinstance(item, Page) and item.updated:
            lastmod = item.updated
        elif output.paginator and output.paginator.items:
            lastmod = max(p.last_modified for p in output.paginator.items)
        entries.append((output.head.canonical, lastmod.isoformat() if lastmod else None))
    return tuple(sorted(entries))


def _check_paths(outputs: list[Output], static: tuple[StaticFile, ...]) -> None:
    problems: list[Problem] = []
    claimed: dict[str, str] = {}
    for path, who in [(o.path, o.source_path or f"the {o.kind} page {o.url}") for o in outputs] + [
        (s.path, s.source_path) for s in static
    ]:
        normal = posixpath.normpath(path)
        if normal != path or normal.startswith("../") or normal == ".." or path.startswith("/"):
            problems.append(Problem(who, message=f"output path '{path}' would leave the output folder or is not normal"))
            continue
        if path in claimed:
            problems.append(Problem(who, message=f"writes {path}, which {claimed[path]} writes too", hint="rename one of them"))
        else:
            claimed[path] = who
    raise_if(problems)
