"""Following in one tap: links that hand a feed to a feed reader's website or to an app on the
visitor's device, so nobody who taps lands on a raw feed; and QR codes, for following face to face.
Templates use them as filters."""

from __future__ import annotations

from urllib.parse import quote

from markupsafe import Markup

READERS = (
    ("Feedly", "https://feedly.com/i/subscription/feed/{}"),
    ("Inoreader", "https://www.inoreader.com/?add_feed={}"),
    ("NewsBlur", "https://www.newsblur.com/?url={}"),
)
"""Feed readers with a web page that subscribes to the feed given in its URL (percent-encoded whole)."""


def follow_links(permalink: str, podcast: bool = False) -> tuple[tuple[str, str], ...]:
    """(name, URL) pairs that follow the feed at permalink in one tap: each reader of READERS, then the
    feed: scheme, which a feed app on the device answers. A podcast: Apple Podcasts (podcast://) and
    any podcast app (pcast://, which Android's podcast apps answer), the feed's address after the scheme."""
    if podcast:
        address = permalink.split("://", 1)[-1]
        return (("Apple Podcasts", f"podcast://{address}"), ("Another podcast app", f"pcast://{address}"))
    encoded = quote(permalink, safe="")
    return (*((name, pattern.format(encoded)) for name, pattern in READERS), ("Your reader app", f"feed:{permalink}"))


def qr_svg(url: str, title: str) -> Markup:
    """The QR code of url as an SVG element to put in a page: no size of its own, so CSS sizes it; black
    on transparent, so give it a light background; `title` is what a screen reader says of it."""
    import segno  # here: only the printable sign needs it

    code = segno.make(url, error="m", micro=False)
    svg = code.svg_inline(scale=1, border=4, omitsize=True, title=title, svgclass="qr-code", lineclass="qr-line")
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))  # the title names it, as for an <img alt>
