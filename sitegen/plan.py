"""plan_outputs(): every file the build will write, checked for collisions, before rendering."""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import functools
import json
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from .cache import Cache
from .config import CONFIG_FILE, DAYS
from .content import Content, StaticFile, is_site_path
from .errors import Problem, raise_if
from .feeds import MEDIA_TYPES, Feed
from .fingerprint import Fingerprinter, same_value, settings_digest, whole
from .model import Author, Item, Offer, Page, Post, Site, Term, taxonomy_title


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


@whole
@dataclass(frozen=True)
class FeedLink:
    """An autodiscovery link: <link rel="alternate" type=... title=... href=...>."""

    title: str
    type: str
    url: str
    """Site-relative."""


@whole
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


@whole
@dataclass(frozen=True)
class Head:
    """What goes in an HTML page's <head>: title, description, canonical and sharing metadata."""

    title: str
    description: str
    canonical: str
    """Absolute URL."""
    image: str | None
    """Absolute URL of the social preview image: the item's, else the site's default card (no default
    here, so that no kind of page can be planned without one)."""
    og_type: str = "website"
    noindex: bool = False
    jsonld: str | None = None
    """JSON-LD, already serialised."""
    published: dt.datetime | None = None
    modified: dt.datetime | None = None
    feeds: tuple[FeedLink, ...] = ()
    """Feeds this page links for autodiscovery: the site's, plus its topic's."""


@dataclass(frozen=True)
class Output:
    """One file to write: its path, how to render it, and what it shows."""

    path: str
    """Relative to the output folder: 'posts/x/index.html'."""
    url: str
    """Site-relative URL: '/posts/x/'."""
    kind: str
    """home, post, page, offer, offers, archive, year, tag, category, author, tags, categories, authors, 404, sitemap, robots."""
    templates: tuple[str, ...] = ()
    """Template names, most specific first."""
    item: Any = None
    """The Post, Page, Offer or Listing shown."""
    paginator: Paginator | None = None
    head: Head | None = None
    source_path: str | None = None
    """The content file behind it, for messages."""
    entries: tuple = field(default=())
    """For sitemap.xml: (permalink, lastmod) pairs."""
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


def plan_outputs(site: Site, feeds: tuple[Feed, ...], static: tuple[StaticFile, ...], cache: Cache | None = None) -> Plan:
    """Enumerate every output of the site; raise if two claim one path or a path leaves the output folder.

    With a cache, an output equal to last build's is last build's object, so later steps know it by identity.
    """
    config = site.config
    per_page = config.pagination.posts
    outputs: list[Output] = []
    settings_key = settings_digest(config)
    earlier = cache.plan_parts if cache is not None else {}
    parts: dict[tuple, tuple] = {}

    fingerprint = Fingerprinter(cache.strings, cache.digests) if cache is not None else Fingerprinter()
    owns: dict[str, bytes] = {}

    def reuse(key: tuple, inputs: tuple, make: Callable[[], Any], made_of: Callable[[Output], tuple] | None = None) -> Any:
        """make(), or what it made last build from the same inputs: unchanged parts keep their identity,
        so a rebuild compares, digests and renders only what changed.

        made_of: make() makes an Output or a list of them, and made_of(output) is all that output is
        made of; its digest is the output's fingerprint (Plan.owns), far cheaper than the Output's.
        """
        known = earlier.get(key)
        if known is None or len(known[0]) != len(inputs) or not all(map(same_value, known[0], inputs)):
            made = make()
            digests = tuple(fingerprint(made_of(o)) for o in _as_list(made)) if made_of else ()
            known = (inputs, made, digests)
        parts[key] = known
        for output, digest in zip(_as_list(known[1]) if made_of else (), known[2], strict=True):
            owns[output.path] = digest
        return known[1]

    # Autodiscovery links: every HTML page links the site-wide channels; a topic's pages (and
    # /offers/) link the topic's too. One tuple per channel, kept from build to build while equal.
    def kept(key: tuple, links: tuple[FeedLink, ...]) -> tuple[FeedLink, ...]:
        return reuse(key, links, lambda: links)

    site_links = kept(("links",), tuple(link for feed in feeds if feed.kind in ("site", "podcast") for link in _links(feed)))
    topic_links = {
        (feed.kind, feed.page_url): kept(("links", feed.anchor), (*_links(feed), *site_links))
        for feed in feeds
        if feed.kind in ("tag", "category", "author", "offers")
    }

    shared = fingerprint((settings_key, site_links))  # what every item output is made of besides its item

    def links(kind: str, page_url: str) -> tuple[FeedLink, ...]:
        return topic_links.get((kind, page_url), site_links)

    earlier_heads = cache.heads if cache is not None else {}
    heads: dict[tuple, Head] = {}

    def head_of(item: Item, kind: str, make_head) -> Head:
        """The item's head, kept from the last build (another process's too) when made of the same
        inputs: the item's origin, the settings and the feed links. Making one costs JSON-LD."""
        key = (item.source_path, kind, item.origin, shared)  # the source path: which cache file keeps it
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

    add(Output("index.html", "/", "home", ("home.html",), head=_linked(_home_head(site), site_links)))
    for post in site.posts:
        add(item_output(post, "post", _post_head))
    for page in site.pages:
        add(item_output(page, "page", _item_head))
    for offer in site.offers:
        add(item_output(offer, "offer", _offer_head))
    offers_head = Head(f"Offers · {config.title}", f"Current offers from {config.business_name}.", site.absolute("/offers/"), _image(site, None))
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
        head = Head(f"{index_title} · {config.title}", f"{index_title} on {config.title}.", site.absolute(index_url), _image(site, None), feeds=site_links)
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
        _image(site, None),
        feeds=site_links,
    )
    add(Output("subscribe/index.html", "/subscribe/", "subscribe", ("subscribe.html",), head=subscribe_head))
    add(Output("feeds.opml", "/feeds.opml", "opml", ("feeds.opml",)))
    add(Output("404.html", "/404.html", "404", ("404.html",), head=Head(f"Page not found · {config.title}", config.description, site.absolute("/404.html"), _image(site, None), noindex=True, feeds=site_links)))
    add(Output("robots.txt", "/robots.txt", "robots", ("robots.txt",)))
    add(Output("sitemap.xml", "/sitemap.xml", "sitemap", ("sitemap.xml",), entries=_sitemap_entries(outputs)))

    if cache is not None:
        cache.plan_parts = parts
        cache.heads = heads
        previous = cache.outputs
        outputs = [earlier if _same(earlier := previous.get(o.path), o) else o for o in outputs]
        cache.outputs = {o.path: o for o in outputs}
    _check_paths(outputs, static)
    return Plan(tuple(outputs), static, feeds, owns)


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
        head = Head(f"{page_title} · {site.config.title}", description, site.absolute(url), _image(site, None), feeds=links)
        outputs.append(Output(path_of(url), url, kind, (f"{kind}.html", "list.html"), item=item, paginator=paginator, head=head))
    return outputs


def _taxonomy_description(site: Site, item: Any, title: str) -> str:
    if item.kind == "author" and getattr(item.term, "bio", ""):
        return item.term.bio
    return f"{title} on {site.config.title}: {site.config.description}"


def _image(site: Site, item: Item | None) -> str | None:
    """The social preview image; SVG falls back to the site's image, as Facebook and X show no SVG previews."""
    image = item.image if item and item.image and not item.image.lower().endswith(".svg") else site.config.image
    return site.absolute(image) if image else None


def _item_head(site: Site, item: Item) -> Head:
    return Head(f"{item.title} · {site.config.title}", item.description or site.config.description, item.permalink, _image(site, item))


def _organization(site: Site) -> dict:
    config = site.config
    business = config.business
    data: dict[str, Any] = {"@type": "Organization", "name": config.business_name, "url": site.absolute("/")}
    if config.image:
        data["logo"] = site.absolute(config.image)
    if business.email:
        data["email"] = business.email
    if business.phone:
        data["telephone"] = business.phone
    if business.address:
        data["address"] = business.address
    if config.social:
        data["sameAs"] = list(config.social.values())
    return data


DAY_URLS = tuple(f"https://schema.org/{day.capitalize()}" for day in DAYS)
"""schema.org's DayOfWeek members, Monday first."""


def _local_business(site: Site) -> dict:
    """The home page's description of the business: an Organization, or, when it is a place to visit
    (an address or opening hours, or a type set in the settings), a LocalBusiness of business.type with
    its address, image and opening hours (Google's LocalBusiness structured data guidelines)."""
    config = site.config
    business = config.business
    data = _organization(site)
    if not (business.address_line or business.hours or "type" in business.model_fields_set):
        return data
    data["@type"] = business.type
    data["@id"] = site.absolute("/") + "#business"
    image = business.image or config.image
    if image:
        data["image"] = site.absolute(image)
    if business.address_line:
        parts = {
            "streetAddress": business.street,
            "addressLocality": business.locality,
            "addressRegion": business.region,
            "postalCode": business.postal_code,
            "addressCountry": business.country,
        }
        if not any(parts.values()):  # only the one-line address: the whole line is the best we know
            parts["streetAddress"] = business.address_line
        data["address"] = {"@type": "PostalAddress", **{key: value for key, value in parts.items() if value}}
    if business.map_url:
        data["hasMap"] = business.map_url
    # Closing at "24:00" is written "23:59", and a day closed by special hours opens and closes at "00:00",
    # as Google's guidelines for LocalBusiness opening hours ask.
    specifications = [
        {"@type": "OpeningHoursSpecification", "dayOfWeek": [DAY_URLS[day] for day in row.days], "opens": row.opens, "closes": _closing(row.closes)}
        for row in business.hours
    ]
    for line in site.hours.special:
        row = line.row
        special = {"@type": "OpeningHoursSpecification", "opens": row.opens or "00:00", "closes": _closing(row.closes or "00:00")}
        special.update(validFrom=row.date.isoformat(), validThrough=row.last.isoformat())
        if row.note:
            special["name"] = row.note
        specifications.append(special)
    if specifications:
        data["openingHoursSpecification"] = specifications
    return data


def _closing(time: str) -> str:
    return "23:59" if time == "24:00" else time


def _jsonld(data: dict) -> str:
    text = json.dumps({"@context": "https://schema.org", **data}, ensure_ascii=False, sort_keys=True)
    # Inside <script>, "</" could end the element early (HTML spec, script data state); JSON allows "<\/".
    return text.replace("</", "<\\/")


def _home_head(site: Site) -> Head:
    config = site.config
    title = f"{config.title} · {config.tagline}" if config.tagline else config.title
    return Head(title, config.description, site.absolute("/"), _image(site, None), jsonld=_jsonld(_local_business(site)))


def _post_head(site: Site, post: Post) -> Head:
    data: dict[str, Any] = {
        "@type": "BlogPosting",
        "headline": post.title,
        "description": post.description,
        "url": post.permalink,
        "mainEntityOfPage": post.permalink,
        "datePublished": post.date.isoformat(),
        "dateModified": post.last_modified.isoformat(),
        "publisher": _organization(site),
        "wordCount": post.words,
    }
    if post.author:
        data["author"] = {"@type": "Person", "name": post.author.name, "url": site.absolute(post.author.url)}
    if post.image:
        data["image"] = site.absolute(post.image)
    if post.tags:
        data["keywords"] = [t.name for t in post.tags]
    head = _item_head(site, post)
    return Head(head.title, head.description, head.canonical, head.image, "article", jsonld=_jsonld(data), published=post.date, modified=post.last_modified)


def _offer_head(site: Site, offer: Offer) -> Head:
    offer_data: dict[str, Any] = {
        "@type": "Offer",
        "url": offer.permalink,
        "availability": "https://schema.org/Discontinued" if offer.expired else "https://schema.org/InStock",
    }
    if offer.price is not None:
        offer_data.update(price=f"{offer.price:.2f}", priceCurrency=offer.currency)
    if offer.valid_from:
        offer_data["validFrom"] = offer.valid_from.isoformat()
    if offer.valid_until:
        offer_data["priceValidUntil"] = offer.valid_until.date().isoformat()
    offer_data["seller"] = {"@type": "Organization", "name": site.config.business_name, "url": site.absolute("/")}
    data = {"@type": "Product", "name": offer.title, "description": offer.description, "offers": offer_data}
    if offer.image:
        data["image"] = site.absolute(offer.image)
    head = _item_head(site, offer)
    return Head(head.title, head.description, head.canonical, head.image, noindex=offer.expired or not offer.listed, jsonld=_jsonld(data))


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


# ---------------------------------------------------------------------------------
# Site-relative links
# ---------------------------------------------------------------------------------

_HINTED = 20
"""Broken URLs that get a "did you mean": each looks through every URL of the site."""


def check_links(site: Site, plan: Plan, content: Content) -> None:
    """Every site-relative URL in content and settings (a link /menu/, an image /static/a.jpg) must be a page,
    feed or file of this plan; raise one SitegenError naming each that is not, with its file and line.

    Run on every build from what it is given (cached documents included), so a warm build reports what a clean one does.
    """
    known = {o.url for o in plan.outputs}  # as they are on disk: links are compared with their %-escapes decoded
    known.update("/" + s.path for s in plan.static)
    problems: list[Problem] = []
    hints = _Hints(known)
    # 10,000 posts: a few milliseconds, as set operations; most URLs are found as they are written
    unknown = {entry[2] for document in content.documents for entry in document.site_urls}
    unknown.difference_update(known)
    unknown = {url for url in unknown if not _resolves(url, known)}
    broken = [d for d in content.documents if any(entry[2] in unknown for entry in d.site_urls)] if unknown else []
    built = {item.source_path for items in (site.posts, site.pages, site.offers) for item in items} if broken else set()
    for document in broken:
        if document.source_path not in built:
            continue  # a draft or a scheduled post: checked when it is built
        text = _read_text(content.root / document.source_path)
        body_start = _offset_of_line(text, document.body_line)
        for field, what, url in document.site_urls:
            if url not in unknown:
                continue
            if field is None:
                line = _line_of(text, url, body_start) or _line_of(text, url, 0)
                message = _missing_message(what, url)
            else:
                line = _line_of(text, url, 0)
                message = f"'{url}' is not a file of the site"
            problems.append(Problem(document.source_path, line, field, message, hints(url) or (_PUT_IT if what != "link" else None)))
    config = site.config
    settings = [("image", config.image), ("podcast.image", config.podcast.image)]
    settings += [(f"authors.{key}.avatar", author.avatar) for key, author in config.authors.items()]
    settings += [(f"navigation.{index}.url", link.url) for index, link in enumerate(config.navigation)]
    for field, url in settings:
        if url and is_site_path(url) and not _resolves(url, known):
            what = "link" if field.startswith("navigation") else "image"
            message = _missing_message(what, url) if what == "link" else f"'{url}' is not a file of the site"
            problems.append(Problem(CONFIG_FILE, None, field, message, hints(url) or (_PUT_IT if what == "image" else None)))
    raise_if(problems)


_PUT_IT = "a file in content/static/ is at /static/<its path there>"


def _missing_message(what: str, url: str) -> str:
    if what == "link":
        return f"link to '{url}' has no target: no page, feed or file of the site has that URL"
    return f"{what} '{url}' is not a file of the site"


def _resolves(url: str, known: set[str]) -> bool:
    """Whether a site URL reaches a planned output, as a web server would serve it: query and fragment
    aside, percent-escapes decoded, 'x/index.html' for 'x/', and 'x' redirected to 'x/'."""
    path = urlsplit(url).path
    if path in known:
        return True
    path = unquote(path if path.startswith("/") else "/" + path)
    return (
        path in known
        or (path + "/") in known
        or (path.endswith("/index.html") and path.removesuffix("index.html") in known)
    )


class _Hints:
    """"did you mean" for broken URLs: a near name in the same folder, else the same name in another folder."""

    def __init__(self, known: set[str]):
        self.known = known
        self.asked = 0
        self.by_folder: dict[str, dict[str, str]] | None = None
        self.by_name: dict[str, list[str]] = {}

    def __call__(self, url: str) -> str | None:
        self.asked += 1
        if self.asked > _HINTED:
            return None
        if self.by_folder is None:
            self.by_folder = {}
            for known in sorted(self.known):
                folder, name = _split_url(known)
                self.by_folder.setdefault(folder, {})[name] = known
                self.by_name.setdefault(name, []).append(known)
        path = unquote(urlsplit(url).path)
        folder, name = _split_url(path if path.startswith("/") else "/" + path)
        siblings = self.by_folder.get(folder, {})
        close = difflib.get_close_matches(name, list(siblings), n=1, cutoff=0.6)
        found = siblings[close[0]] if close else next(iter(self.by_name.get(name, ())), None)
        return f"did you mean '{found}'?" if found else None


def _split_url(url: str) -> tuple[str, str]:
    """'/static/a.jpg' -> ('/static', 'a.jpg'); '/menu/' -> ('', 'menu')."""
    folder, _, name = url.rstrip("/").rpartition("/")
    return folder, name


def _read_text(path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError:
        return ""


def _offset_of_line(text: str, line: int) -> int:
    offset = 0
    for _ in range(line - 1):
        offset = text.find("\n", offset) + 1
        if not offset:
            return len(text)
    return offset


def _line_of(text: str, url: str, start: int) -> int | None:
    """The 1-based line where url (or failing that, its path) is first written at or after offset start."""
    for needle in (url, urlsplit(url).path):
        index = text.find(needle, start) if needle else -1
        if index >= 0:
            return text.count("\n", 0, index) + 1
    return None
