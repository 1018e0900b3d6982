"""The service's emails, queued: a confirmation (with its 48-hour link) and a welcome (with the RFC 8058
one-click unsubscribe headers), each rendered with the theme and put in the outbox. The service queues
them, and so do the owner's commands (`add`, `import --send-confirmations`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from ..config import Settings
from .pages import Pages
from .store import Store, Subscriber
from .tokens import Tokens


class Letters:
    """Renders an email to a subscriber, with their links, into the outbox (inside the caller's transaction)."""

    def __init__(self, config: Settings, store: Store, pages: Pages, tokens: Tokens, clock: Callable[[], dt.datetime]):
        self.config = config
        self.store = store
        self.pages = pages
        self.tokens = tokens
        self.clock = clock
        self.url = config.subscribers.url

    def link(self, kind: str, token: str) -> str:
        """A link to the service: `{url}/{kind}/{token}`."""
        return f"{self.url}/{kind}/{token}"

    def manage_links(self, subscriber: Subscriber) -> dict[str, str]:
        """The preferences and unsubscribe links of a subscriber (they never expire)."""
        token = self.tokens.manage_token(subscriber.id, subscriber.nonce)
        return {"preferences_url": self.link("preferences", token), "unsubscribe_url": self.link("unsubscribe", token)}

    def queue_confirmation(self, subscriber: Subscriber) -> None:
        """email/confirm: the link that opens the Confirm page, and the preferences link (to delete the address)."""
        confirm = self.link("confirm", self.tokens.confirm_token(subscriber.id, subscriber.nonce))
        self._queue("confirm", subscriber, {"confirm_url": confirm, "preferences_url": self.manage_links(subscriber)["preferences_url"]})

    def queue_welcome(self, subscriber: Subscriber) -> None:
        """email/welcome, with List-Unsubscribe (one URI: https, or http on this computer) and List-Unsubscribe-Post."""
        links = self.manage_links(subscriber)
        self._queue("welcome", subscriber, links, {
            "List-Unsubscribe": f"<{links['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        })

    def _queue(self, kind: str, subscriber: Subscriber, variables: dict, headers: dict[str, str] | None = None) -> None:
        sending = self.config.sending
        now = self.clock()
        message = self.pages.message(kind, {"subscriber": subscriber, **variables}, sender=sending.sender, reply_to=sending.reply_to,
                                     recipient=subscriber.email, now=now, headers=headers)
        self.store.enqueue(kind=kind, subscriber=subscriber, recipient=subscriber.email, message=message, now=now)
