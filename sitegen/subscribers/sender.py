"""Sending an issue to its subscribers, exactly once: every matching subscriber's row in the ledger
(ledger.py), each message between a committed 'sending' and a committed 'sent', over one SMTP
connection, at most `rate` messages a second.

What can go wrong, and what happens:
- the relay drops the connection: mail.Connection opens a new one and tries once more;
- a temporary refusal (4xx): the same message again after each of `backoff`'s pauses, then it stays
  pending for the next run; several such messages in a row stop the run (the relay is not taking mail);
- a permanent refusal (5xx): that row is 'failed', with the server's reply, and the run goes on;
- the process is killed or interrupted mid-transaction: that one row is 'doubt' (it may have been
  delivered), named in the summary, and not sent again unless resend_in_doubt;
- someone unsubscribes or pauses while the run goes on: their row is checked right before their
  message (Ledger.claim), and skipped.
Logs name subscribers by id, never by address.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..mail import Connection, MailError, address_of
from .ledger import Ledger
from .newsletter import IssueMail
from .tokens import suppression_hash

log = logging.getLogger("sitegen.newsletter")


@dataclass(frozen=True)
class SendOptions:
    """How a run sends."""

    rate: float = 0
    """At most this many messages a second; 0: as fast as the mail server takes them."""
    resend_in_doubt: bool = False
    """Send again the messages a stopped run may or may not have delivered (a duplicate rather than a loss)."""
    backoff: tuple[float, ...] = (2, 4, 8, 16, 32)
    """Seconds to wait before each new try of a temporarily refused message."""
    give_up_after: int = 3
    """Stop the run after this many messages in a row stayed temporarily refused."""


@dataclass
class Summary:
    """What a run did, and where the issue stands."""

    recipients: int = 0
    """Rows in the ledger: everyone the issue goes to."""
    sent_before: int = 0
    """Sent by earlier runs."""
    sent: int = 0
    """Sent by this run."""
    skipped: int = 0
    """Not sent: they unsubscribed, paused or were suppressed before their turn."""
    deferred: int = 0
    """Temporarily refused until this run gave up on them: a rerun tries again."""
    failed: list[tuple[int, str]] = field(default_factory=list)
    """(subscriber id, the server's reply) of every message refused for good, in any run."""
    in_doubt: list[int] = field(default_factory=list)
    """Subscriber ids whose message a stopped run may have delivered."""
    stopped: str = ""
    """Why the run stopped before the end, or ''."""


class Sender:
    """Sends one issue through one connection; `summary` is kept up to date, so an interrupted caller can show it."""

    def __init__(self, mail: IssueMail, ledger: Ledger, connection: Connection, *, sender: str, secret: bytes,
                 clock: Callable[[], dt.datetime], options: SendOptions = SendOptions(), sleep: Callable[[float], None] = time.sleep):
        self.mail = mail
        self.ledger = ledger
        self.connection = connection
        self.sender = address_of(sender)
        self.secret = secret
        self.clock = clock
        self.options = options
        self.sleep = sleep
        self.issue = mail.issue.slug
        self.summary = Summary()

    def prepare(self) -> int:
        """Write the ledger's rows (the first run only), turn a stopped run's 'sending' row into doubt, and
        count: how many messages this run will try."""
        ledger, now = self.ledger, self.clock()
        ledger.start(self.issue, self.mail.issue.topics, now)
        for subscriber_id in ledger.interrupted(self.issue, now):
            log.warning("subscriber %d: a stopped run was sending them this issue; it may have arrived", subscriber_id)
        if self.options.resend_in_doubt:
            ledger.resend_in_doubt(self.issue, now)
        counts = ledger.counts(self.issue)[self.issue]
        self.summary = Summary(recipients=sum(counts.values()), sent_before=counts["sent"], in_doubt=ledger.in_doubt(self.issue))
        return counts["pending"]

    def run(self, progress: Callable[[], None] = lambda: None) -> Summary:
        """Send every pending message, in subscriber id order; progress() after each. The summary."""
        summary, interval = self.summary, 1 / self.options.rate if self.options.rate else 0.0
        due = time.monotonic()
        after, refused_in_a_row = 0, 0
        try:
            while batch := self.ledger.pending(self.issue, after):
                for recipient in batch:
                    after = recipient.id
                    if interval:  # one message every `interval` seconds, never a burst to catch up
                        wait = due - time.monotonic()
                        if wait > 0:
                            self.sleep(wait)
                        due = max(due, time.monotonic()) + interval
                    message = self.mail.message(recipient, self.clock())
                    if not self.ledger.claim(self.issue, recipient.id, suppression_hash(self.secret, recipient.email.lower()), self.clock()):
                        summary.skipped += 1
                        progress()
                        continue
                    outcome = self._deliver(recipient.id, recipient.email, message)
                    progress()
                    refused_in_a_row = refused_in_a_row + 1 if outcome == "deferred" else 0
                    if refused_in_a_row >= self.options.give_up_after:
                        summary.stopped = f"the mail server refused {refused_in_a_row} messages in a row for now; run send again later"
                        return summary
        except BaseException:
            # Stopped mid-transaction (Ctrl-C, an error): the row being sent may have been delivered.
            summary.in_doubt = sorted({*summary.in_doubt, *self.ledger.interrupted(self.issue, self.clock())})
            raise
        finally:
            self.connection.close()
            summary.failed = self.ledger.failures(self.issue)
        return summary

    def _deliver(self, subscriber_id: int, address: str, message: bytes) -> str:
        """One message, tried again after each backoff pause while refused for now: 'sent', 'failed' or 'deferred'."""
        for pause in (*self.options.backoff, None):
            try:
                self.connection.send(self.sender, address, message)
            except MailError as error:
                if error.permanent:
                    self.ledger.mark_failed(self.issue, subscriber_id, self.clock(), str(error))
                    log.error("subscriber %d: %s", subscriber_id, error)
                    return "failed"
                if pause is None:
                    self.ledger.mark_deferred(self.issue, subscriber_id, self.clock(), str(error))
                    self.summary.deferred += 1
                    log.warning("subscriber %d: %s; left for the next run", subscriber_id, error)
                    return "deferred"
                log.warning("subscriber %d: %s; trying again in %g s", subscriber_id, error, pause)
                self.sleep(pause)
                continue
            self.ledger.mark_sent(self.issue, subscriber_id, self.clock())
            self.summary.sent += 1
            return "sent"
        raise AssertionError("unreachable: the last pause is None")
