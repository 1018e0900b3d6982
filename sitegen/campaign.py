"""Campaign-tagged links an owner hands out for an offer, and QR codes for the counter."""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from .memo import kept
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


def render_links(offer: Offer) -> bytes:
    """links.txt: the tracked links to hand out and where the QR code is, for the owner."""
    lines = [
        f"# {offer.title}",
        f"# Tracked links for the offer at {offer.permalink}",
        "# Hand out the link that matches the channel, so your analytics can tell which one brought the customer.",
        "",
    ]
    for channel, link in campaign_links(offer):
        lines += [f"{channel.name}: {link}", f"    for {channel.use}"]
    lines += ["", "QR code (carries the qr link): qr.svg and qr.png, beside this file", ""]
    return "\n".join(lines).encode("utf-8")


OWNER_FILES = ("links.txt", "qr.svg", "qr.png")
"""What the owner gets for each offer, in a folder of its own."""


@dataclass(frozen=True)
class OwnerFilesMemo:
    """What render_owner_files() may reuse: drawing QR codes (segno) would be most of the time of a
    build that changes nothing."""

    qr_codes: Mapping[tuple[str, str, str], bytes] = kept()
    """(the link it carries, its title, 'svg' or 'png') -> an offer's QR code as last drawn."""


def render_owner_files(site: Site, memo: OwnerFilesMemo = OwnerFilesMemo()) -> tuple[dict[str, bytes], OwnerFilesMemo]:
    """Every offer's owner files by path ('<slug>/links.txt', '<slug>/qr.svg', '<slug>/qr.png'), and the
    QR codes among them by what they are drawn from, for the next build.

    They are for the owner, not for visitors: the build writes them outside the output folder,
    so the host never serves them and an unlisted offer stays unlisted.
    """
    files: dict[str, bytes] = {}
    codes: dict[tuple[str, str, str], bytes] = {}
    for offer in site.offers:
        files[f"{offer.slug}/links.txt"] = render_links(offer)
        for kind in ("svg", "png"):
            key = (qr_link(offer), offer.title, kind)
            code = codes[key] = memo.qr_codes.get(key) or render_qr(offer, kind)
            files[f"{offer.slug}/qr.{kind}"] = code
    return files, OwnerFilesMemo(codes)
