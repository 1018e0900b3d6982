"""The newsletter's send ledger: the queries on the `deliveries` table (schema.sql, migration 2), one row
per (issue, subscriber), pending -> sending -> sent | failed (or skipped, or doubt).

Kept beside store.py rather than in it: store.py holds the list itself (sign-ups, consent, the
suppression list, the outbox of single emails) and is near the 400 lines that say a module does two
jobs; the ledger is the newsletter's own seam, read and written only by `sitegen newsletter send` and
`status`. It runs on the Store's connection, so it shares its transactions (Store.atomic()).

Exactly once (STYLE.md: Buttondown's ledger): a row is marked 'sending' and committed before its SMTP
transaction, 'sent' right after the server takes the message. A run killed in between leaves one row
'sending'; the next run turns it into 'doubt' and does not send it again unless asked.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

from .records import Recipient, stamp
from .store import Store

STATES = ("pending", "sending", "sent", "failed", "skipped", "doubt")
"""A delivery's states: to send; in the middle of its SMTP transaction; taken by the mail server; refused
for good; not sent (the subscriber left or paused before their turn); maybe delivered by a run that stopped."""

_MATCHING = (
    "subscribers.status = 'confirmed' AND subscribers.paused = 0 AND (:everyone OR EXISTS ("
    " SELECT 1 FROM subscriber_topics WHERE subscriber_topics.subscriber_id = subscribers.id"
    " AND (subscriber_topics.topic = 'all' OR subscriber_topics.topic IN (SELECT value FROM json_each(:topics)))))"
)
"""Who receives an issue: confirmed, not paused, and subscribed to 'all' or to one of its topics (an issue
for 'all' goes to everyone). The suppression list is checked per message (claim), with the address's hash."""

_RECIPIENT = (
    "SELECT subscribers.id, subscribers.email, subscribers.name, subscribers.nonce,"
    " (SELECT group_concat(topic, ' ') FROM subscriber_topics WHERE subscriber_id = subscribers.id) FROM subscribers"
)


class Ledger:
    """The send ledger's queries, on the subscriber list's connection."""

    def __init__(self, store: Store):
        self.store = store
        self.connection = store.connection

    def matching(self, topics: Iterable[str]) -> list[Recipient]:
        """Everyone an issue for these topics would go to now, by id (for --dry-run)."""
        rows = self.connection.execute(f"{_RECIPIENT} WHERE {_MATCHING} ORDER BY subscribers.id", _topics(topics)).fetchall()
        return [_recipient(row) for row in rows]

    def start(self, issue: str, topics: Iterable[str], now: dt.datetime) -> int:
        """Write a pending row for each matching subscriber, once per issue: the recipients are fixed by the
        first run, so a rerun continues rather than adding people who joined since. How many were added."""
        with self.store.atomic():
            if self.connection.execute("SELECT 1 FROM deliveries WHERE issue = ? LIMIT 1", (issue,)).fetchone():
                return 0
            return self.connection.execute(
                "INSERT INTO deliveries (issue, subscriber_id, state, created_at, changed_at)"
                f" SELECT :issue, subscribers.id, 'pending', :now, :now FROM subscribers WHERE {_MATCHING}",
                {**_topics(topics), "issue": issue, "now": stamp(now)},
            ).rowcount

    def interrupted(self, issue: str, now: dt.datetime) -> list[int]:
        """Rows a stopped run left 'sending', now 'doubt': their subscriber ids. Each may have been delivered."""
        with self.store.atomic():
            ids = [row[0] for row in self.connection.execute(
                "SELECT subscriber_id FROM deliveries WHERE issue = ? AND state = 'sending' ORDER BY subscriber_id", (issue,))]
            self.connection.execute("UPDATE deliveries SET state = 'doubt', changed_at = ? WHERE issue = ? AND state = 'sending'", (stamp(now), issue))
        return ids

    def in_doubt(self, issue: str) -> list[int]:
        """The subscriber ids whose message may or may not have been delivered."""
        return [row[0] for row in self.connection.execute(
            "SELECT subscriber_id FROM deliveries WHERE issue = ? AND state = 'doubt' ORDER BY subscriber_id", (issue,))]

    def resend_in_doubt(self, issue: str, now: dt.datetime) -> int:
        """Make the rows in doubt pending again (--resend-in-doubt: a duplicate rather than a loss); how many."""
        return self.connection.execute(
            "UPDATE deliveries SET state = 'pending', changed_at = ? WHERE issue = ? AND state = 'doubt'", (stamp(now), issue)).rowcount

    def pending(self, issue: str, after: int, limit: int = 500) -> list[Recipient]:
        """The next pending rows' subscribers, by id, after subscriber id `after`."""
        rows = self.connection.execute(
            f"{_RECIPIENT} JOIN deliveries ON deliveries.subscriber_id = subscribers.id"
            " WHERE deliveries.issue = ? AND deliveries.state = 'pending' AND subscribers.id > ? ORDER BY subscribers.id LIMIT ?",
            (issue, after, limit),
        ).fetchall()
        return [_recipient(row) for row in rows]

    def claim(self, issue: str, subscriber_id: int, suppression_hash: str, now: dt.datetime) -> bool:
        """Right before a message: mark its row 'sending' (committed) if its subscriber is still confirmed, not
        paused and not suppressed; else mark it 'skipped'. Whether to send it."""
        with self.store.atomic():
            claimed = self.connection.execute(
                "UPDATE deliveries SET state = 'sending', attempts = attempts + 1, changed_at = :now"
                " WHERE issue = :issue AND subscriber_id = :id AND state = 'pending'"
                " AND EXISTS (SELECT 1 FROM subscribers WHERE id = :id AND status = 'confirmed' AND paused = 0)"
                " AND NOT EXISTS (SELECT 1 FROM suppression WHERE hash = :hash)",
                {"issue": issue, "id": subscriber_id, "hash": suppression_hash, "now": stamp(now)},
            ).rowcount
            if not claimed:
                self._mark(issue, subscriber_id, "skipped", now, None, "pending")
        return bool(claimed)

    def mark_sent(self, issue: str, subscriber_id: int, now: dt.datetime) -> None:
        """The mail server took the message."""
        self._mark(issue, subscriber_id, "sent", now, None)

    def mark_failed(self, issue: str, subscriber_id: int, now: dt.datetime, error: str) -> None:
        """The mail server refused the message for good (a 5xx reply)."""
        self._mark(issue, subscriber_id, "failed", now, error)

    def mark_deferred(self, issue: str, subscriber_id: int, now: dt.datetime, error: str) -> None:
        """Temporary failures until this run gave up: pending again, for the next run."""
        self._mark(issue, subscriber_id, "pending", now, error)

    def failures(self, issue: str) -> list[tuple[int, str]]:
        """(subscriber id, the server's reply) of each message refused for good."""
        return self.connection.execute(
            "SELECT subscriber_id, last_error FROM deliveries WHERE issue = ? AND state = 'failed' ORDER BY subscriber_id", (issue,)).fetchall()

    def counts(self, issue: str | None = None) -> dict[str, dict[str, int]]:
        """{issue: {state: rows}} for every issue sent (or just one), each state listed."""
        where, values = ("WHERE issue = ?", (issue,)) if issue else ("", ())
        counts: dict[str, dict[str, int]] = {issue: dict.fromkeys(STATES, 0)} if issue else {}
        for name, state, count in self.connection.execute(f"SELECT issue, state, count(*) FROM deliveries {where} GROUP BY issue, state ORDER BY issue", values):
            counts.setdefault(name, dict.fromkeys(STATES, 0))[state] = count
        return counts

    def _mark(self, issue: str, subscriber_id: int, state: str, now: dt.datetime, error: str | None, was: str = "sending") -> None:
        self.connection.execute(
            "UPDATE deliveries SET state = ?, changed_at = ?, last_error = ? WHERE issue = ? AND subscriber_id = ? AND state = ?",
            (state, stamp(now), error, issue, subscriber_id, was),
        )


def _topics(topics: Iterable[str]) -> dict[str, object]:
    chosen = sorted(set(topics))
    return {"everyone": "all" in chosen, "topics": json.dumps(chosen)}


def _recipient(row: tuple) -> Recipient:
    subscriber_id, email, name, nonce, topics = row
    return Recipient(subscriber_id, email, name, nonce, tuple(sorted((topics or "").split())))
