"""The outbox worker: sends queued mail one message at a time, in order, with retries and backoff.

Crash safety (STYLE.md: a ledger row committed around each SMTP transaction): a message is marked
'sending' and committed before its SMTP transaction starts, and 'sent' right after the server takes
it. Killed in between, the service finds the message still 'sending' when it starts again, logs its
id, and sends it again: at most that one message can arrive twice, and none is lost.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from ..mail import Connection, MailError, SmtpServer, address_of
from .store import Store

log = logging.getLogger("sitegen.subscribers.outbox")


IDLE = dt.timedelta(seconds=5)
"""How long the worker sleeps at most before looking for mail again: mail the owner's commands queue
(`sitegen subscribers add`, `import --send-confirmations`) cannot wake it, so it goes out within this time."""


@dataclass(frozen=True)
class Retry:
    """When to try a message again after a temporary failure: first after `first`, then twice as long each
    time up to `longest`; after `attempts` tries, give up."""

    first: dt.timedelta = dt.timedelta(seconds=30)
    longest: dt.timedelta = dt.timedelta(hours=1)
    attempts: int = 12

    def delay(self, attempts: int) -> dt.timedelta:
        """How long to wait after the attempts-th failed try."""
        return min(self.first * 2 ** (attempts - 1), self.longest)


class Outbox:
    """Drains the store's outbox to the mail server; `wake()` says new mail is queued."""

    def __init__(self, store: Store, server: SmtpServer, sender: str, clock: Callable[[], dt.datetime], retry: Retry = Retry()):
        self.store = store
        self.sender = address_of(sender)
        self.clock = clock
        self.retry = retry
        self.connection = Connection(server)
        self._wake = asyncio.Event()
        self._stopping = False
        self.sent = 0
        """Messages sent since start (for logs and tests)."""

    def wake(self) -> None:
        """New mail is queued: send it now."""
        self._wake.set()

    def stop(self) -> None:
        """Finish the message being sent, then return from run()."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Send until stop(): each message due, oldest first; then sleep until one is due or wake()."""
        for message_id in self.store.requeue_interrupted():
            log.warning("outbox message %d was being sent when the service stopped; it may have been delivered, so it "
                        "may arrive twice: sending it again", message_id)
        try:
            while not self._stopping:
                self._wake.clear()
                if await self.send_one():
                    continue
                await asyncio.to_thread(self.connection.close)  # idle: a server drops connections kept open for nothing
                due = self.store.next_due()
                timeout = IDLE.total_seconds() if due is None else min(IDLE.total_seconds(), max(0.0, (due - self.clock()).total_seconds()))
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout)
                except TimeoutError:
                    pass
        finally:
            await asyncio.to_thread(self.connection.close)

    async def send_one(self) -> bool:
        """Send the oldest message due, if any; whether there was one."""
        message = self.store.claim(self.clock())
        if message is None:
            return False
        try:
            await asyncio.to_thread(self.connection.send, self.sender, message.recipient, message.message)
        except MailError as error:
            if error.permanent or message.attempts >= self.retry.attempts:
                self.store.mark_failed(message.id, str(error))
                log.error("outbox message %d (%s) failed after %d tries: %s", message.id, message.kind, message.attempts, error)
            else:
                later = self.clock() + self.retry.delay(message.attempts)
                self.store.mark_retry(message.id, later, str(error))
                log.warning("outbox message %d (%s): %s; trying again at %s", message.id, message.kind, error, later.isoformat(timespec="seconds"))
            return True
        self.store.mark_sent(message.id, self.clock())
        self.sent += 1
        return True
