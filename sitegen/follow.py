"""Following in one tap: links that hand a feed to a feed reader's website or to an app on the
visitor's device, so nobody who taps lands on a raw feed. Templates use them as filters."""

from __future__ import annotations

from urllib.parse import quote

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
