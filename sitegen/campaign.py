"""Campaign-tagged links an owner hands out for an offer, and QR codes for the counter."""

from __future__ import annotations

import io
from dataclasses import dataclass
from urllib.parse import urlencode

from .model import Offer, Site


@dataclass(frozen=True)
class Channel:
    """Where a link is handed out, as analytics tools name it."""

    name: str
    source: str
    """utm_source: where the visitor came from."""
    medium: str
    """utm_medium: the kind of channel."""
    use: str
    """What the owner does with the link."""


CHANNELS = (
    Channel("feed", "feed", "feed", "links in feeds (sitegen adds these to the offers feed itself, per format)"),
    Channel("email", "newsletter", "email", "emails and newsletters"),
    Channel("social", "social", "social", "social media posts and messages"),
    Channel("print", "flyer", "print", "flyers, posters and receipts (typed in by hand)"),
    Channel("qr", "qr", "print", "the QR code at the counter and on flyers"),
)


def tagged(url: str, *, source: str, medium: str, campaign: str) -> str:
    """url with utm_source, utm_medium and utm_campaign added."""
    query = urlencode({"utm_source": source, "utm_medium": medium, "utm_campaign": campaign})
    return f"{url}{'&' if '?' in url else '?'}{query}"


def campaign_links(offer: Offer) -> tuple[tuple[Channel, str], ...]:
    """The tracked link of each channel for one offer."""
    return tuple((c, tagged(offer.permalink, source=c.source, medium=c.medium, campaign=offer.slug)) for c in CHANNELS)


def qr_link(offer: Offer) -> str:
    """The link the QR code carries."""
    return dict((c.name, link) for c, link in campaign_links(offer))["qr"]


def render_qr(offer: Offer, kind: str) -> bytes:
    """The QR code of the offer's qr link as 'svg' or 'png' (deterministic bytes)."""
    import segno  # here: only offers' QR codes need it

    code = segno.make(qr_link(offer), error="m", micro=False)
    buffer = io.BytesIO()
    if kind == "svg":
        code.save(buffer, kind="svg", scale=10, border=4, title=f"QR code: {offer.title}", xmldecl=True, nl=True)
    else:
        code.save(buffer, kind="png", scale=10, border=4)
    return buffer.getvalue()


def render_links(site: Site, offer: Offer) -> bytes:
    """offers/<slug>/links.txt: the tracked links and QR files, for the owner (not linked from any page)."""
    lines = [
        f"# {offer.title}",
        f"# Tracked links for the offer at {offer.permalink}",
        "# Hand out the link that matches the channel, so your analytics can tell which one brought the customer.",
        "",
    ]
    for channel, link in campaign_links(offer):
        lines += [f"{channel.name}: {link}", f"    for {channel.use}"]
    folder = site.absolute(offer.url)
    lines += ["", f"QR code (carries the qr link): {folder}qr.svg and {folder}qr.png", ""]
    return "\n".join(lines).encode("utf-8")
