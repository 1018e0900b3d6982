"""Feed formats: a Feed written as Atom and RSS 2.0 through feedgen (its quirks handled here) and as
JSON Feed 1.1 as plain JSON."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from .feeds import MEDIA_TYPES, Feed, xml_safe
from .markdown import plain_text
from .model import Site

if TYPE_CHECKING:  # feedgen and lxml are imported when a feed is rendered: most rebuilds render none
    from feedgen.feed import FeedGenerator


def render_feed(site: Site, feed: Feed, format: str) -> bytes:
    """A channel's bytes in one format: atom, rss or json (the podcast is RSS with iTunes tags)."""
    if format == "json":
        return render_json(site, feed)
    generator = _generator(site, feed, format)
    if format == "atom":
        return _fix_atom_entry_links(generator.atom_str(pretty=True), feed)
    return _finish_rss(generator.rss_str(pretty=True), site, feed)


def _generator(site: Site, feed: Feed, format: str) -> FeedGenerator:
    config = site.config
    self_url = site.absolute(feed.url(format))
    from feedgen.feed import FeedGenerator

    fg = FeedGenerator()
    fg.load_extension("media")
    fg.load_extension("dc", atom=False, rss=True)  # RSS <author> needs an email; dc:creator carries a name
    if feed.kind == "podcast":
        fg.load_extension("podcast", atom=False, rss=True)
    fg.id(self_url)
    fg.title(feed.title)
    fg.subtitle(feed.description)  # also the RSS channel description, which RSS requires
    fg.link(href=self_url, rel="self", type=MEDIA_TYPES[format])
    if config.websub_hub and format == "atom":
        fg.link(href=config.websub_hub, rel="hub")
    # Last: feedgen makes the last link the RSS channel's <link>, which must be the HTML page.
    fg.link(href=site.absolute(feed.page_url), rel="alternate", type="text/html")
    fg.language(config.language)
    fg.author({"name": xml_safe(config.business_name), "uri": site.absolute("/")})  # settings are not cleaned elsewhere
    fg.generator("sitegen")  # not feedgen's default, which carries its version into every feed
    fg.updated(feed.updated)  # feedgen stamps the build time otherwise; also sets RSS lastBuildDate
    fg.pubDate(feed.updated)
    image = config.podcast.image if feed.kind == "podcast" else config.image
    if image:
        fg.logo(site.absolute(image))
    fg.icon(site.absolute("/static/favicon.svg"))
    if feed.kind == "podcast":
        _podcast_channel(site, fg)
    for entry in feed.entries:
        fe = fg.add_entry(order="append")  # feedgen prepends by default
        fe.id(entry.id)  # also the RSS guid, isPermaLink="false": a tag URI is not a URL
        fe.title(entry.title)
        fe.link(href=entry.link_for(format), rel="alternate", type="text/html")
        fe.published(entry.published)
        fe.updated(entry.updated)
        if entry.author:
            fe.author({"name": entry.author, **({"uri": entry.author_url} if entry.author_url else {})})
            if format == "rss":
                fe.dc.dc_creator(entry.author)
        for category in entry.categories:
            fe.category(term=category, label=category)
        fe.summary(entry.summary, type="html")
        if entry.content is not None:
            fe.content(entry.content, type="html")
        if entry.image:
            # A thumbnail, not media:content: podcast apps (gPodder's podcastparser among them)
            # read an image media:content as a second episode file, and feedgen wraps content in
            # a media:group, which must hold alternatives (Media RSS 2.1, "media:group").
            fe.media.thumbnail({"url": entry.image, "group": None})
        if feed.kind == "podcast":
            if entry.image and entry.image.lower().endswith((".jpg", ".png")):  # all Apple accepts
                fe.podcast.itunes_image(entry.image)
            if entry.enclosure and entry.enclosure.duration:
                fe.podcast.itunes_duration(entry.enclosure.duration)
        if entry.enclosure:
            fe.enclosure(entry.enclosure.url, str(entry.enclosure.length), entry.enclosure.type)
    return fg


def _podcast_channel(site: Site, fg: FeedGenerator) -> None:
    podcast = site.config.podcast
    fg.podcast.itunes_author(xml_safe(podcast.author))
    fg.podcast.itunes_image(site.absolute(podcast.image))
    fg.podcast.itunes_category(podcast.category, podcast.subcategory or None)
    fg.podcast.itunes_owner(name=xml_safe(podcast.owner_name or podcast.author), email=xml_safe(podcast.owner_email))
    fg.podcast.itunes_summary(xml_safe(podcast.description or site.config.description))
    fg.podcast.itunes_type(podcast.type)


_ATOM_NS = "http://www.w3.org/2005/Atom"
_ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"


def _fix_atom_entry_links(data: bytes, feed: Feed) -> bytes:
    """Write rel, type and length on entry links, which feedgen 1.0 drops.

    In feedgen 1.0.0 FeedEntry.atom_entry(), the loop variable `link` is rebound to the new
    <link> element before its attributes are read, so every entry link comes out bare and an
    enclosure reads as a second alternate link.
    """
    from lxml import etree

    root = etree.fromstring(data)
    for element, entry in zip(root.iterfind(f"{{{_ATOM_NS}}}entry"), feed.entries, strict=True):
        for link in element.iterfind(f"{{{_ATOM_NS}}}link"):
            if entry.enclosure and link.get("href") == entry.enclosure.url:
                link.attrib.update({"rel": "enclosure", "type": entry.enclosure.type, "length": str(entry.enclosure.length)})
            else:
                link.attrib.update({"rel": "alternate", "type": "text/html"})
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _finish_rss(data: bytes, site: Site, feed: Feed) -> bytes:
    """Add what feedgen's RSS cannot write: the WebSub hub link and a current itunes:explicit."""
    hub = site.config.websub_hub
    if not hub and feed.kind != "podcast":
        return data
    from lxml import etree

    root = etree.fromstring(data)
    channel = root.find("channel")
    if hub:  # feedgen's RSS keeps only the self link; WebSub also needs rel="hub" (WebSub section 4)
        link = etree.Element(f"{{{_ATOM_NS}}}link", href=hub, rel="hub")
        self_link = channel.find(f"{{{_ATOM_NS}}}link")
        (self_link.addnext(link) if self_link is not None else channel.insert(0, link))
    if feed.kind == "podcast":
        # Apple's podcast spec now takes only "true" or "false"; feedgen 1.0 writes only the
        # legacy yes/no/clean, which the W3C validator rejects (InvalidTrueFalse).
        explicit = etree.Element(f"{{{_ITUNES_NS}}}explicit")
        explicit.text = "true" if site.config.podcast.explicit else "false"
        channel.find(f"{{{_ITUNES_NS}}}image").addnext(explicit)
    etree.indent(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def render_json(site: Site, feed: Feed) -> bytes:
    """JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/)."""
    config = site.config
    data: dict = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed.title,
        "home_page_url": site.absolute(feed.page_url),
        "feed_url": site.absolute(feed.url("json")),
        "description": feed.description,
        "language": config.language,
        "authors": [{"name": config.business_name, "url": site.absolute("/")}],
        "favicon": site.absolute("/static/favicon.svg"),
    }
    if config.image:
        data["icon"] = site.absolute(config.image)
    if config.websub_hub:
        data["hubs"] = [{"type": "WebSub", "url": config.websub_hub}]
    items = []
    for entry in feed.entries:
        item: dict = {
            "id": entry.id,
            "url": entry.link_for("json"),
            "title": entry.title,
            "content_html": entry.content if entry.content is not None else entry.summary,
            "summary": plain_text(entry.summary),
            "date_published": entry.published.isoformat(),
            "date_modified": entry.updated.isoformat(),
        }
        if entry.image:
            item["image"] = entry.image
        if entry.author:
            item["authors"] = [{"name": entry.author, **({"url": entry.author_url} if entry.author_url else {})}]
        if entry.categories:
            item["tags"] = list(entry.categories)
        if entry.enclosure:
            attachment = {"url": entry.enclosure.url, "mime_type": entry.enclosure.type, "size_in_bytes": entry.enclosure.length}
            if entry.enclosure.duration:
                attachment["duration_in_seconds"] = _seconds(entry.enclosure.duration)
            item["attachments"] = [attachment]
        items.append(item)
    data["items"] = items
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _seconds(duration: str) -> int:
    seconds = 0
    for part in duration.split(":"):
        seconds = seconds * 60 + int(part)
    return seconds
