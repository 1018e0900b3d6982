"""The subscriber list on disk: every query, the one module that runs SQL on the list (STYLE.md:
listmonk's schema.sql + queries.sql). The schema is schema.sql beside it, which database.py runs,
migration by migration, when it opens the file; what the queries return is in records.py.

One `Store` wraps one connection in autocommit mode; a change that must be whole (a sign-up and its
confirmation email) runs inside `with store.atomic():`. The file is in WAL mode, so the owner's
commands read and write while the service runs, and `synchronous=NORMAL`: a committed transaction
survives the process being killed; only a power cut can lose the last few (SQLite's WAL docs).
Times are stored as ISO 8601 text in UTC, which sorts as time does.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import Problem, SitegenError
from .records import STATUSES, Limits, OutboxMessage, SignUp, Subscriber, moment, stamp

__all__ = ["STATUSES", "Limits", "OutboxMessage", "SignUp", "Store", "Subscriber", "stamp"]




class Store:
    """The subscriber list: every query, on one connection."""

    def __init__(self, connection: sqlite3.Connection, path: Path):
        self.connection = connection
        self.path = path

    # --- opening ---------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection (the WAL is checkpointed by the last one to close)."""
        self.connection.close()

    @contextlib.contextmanager
    def atomic(self) -> Iterator[None]:
        """All the statements inside, or none: BEGIN IMMEDIATE takes the write lock at once, so two
        writers wait for each other (busy_timeout) instead of failing halfway."""
        if self.connection.in_transaction:
            yield
            return
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    def secret_id(self) -> str | None:
        """The fingerprint of the secret this list was made with (keyed hashes depend on it)."""
        row = self.connection.execute("SELECT value FROM meta WHERE key = 'secret_id'").fetchone()
        return row[0] if row else None

    def _check_secret(self, secret_id: str) -> None:
        known = self.secret_id()
        if known is None:
            with self.atomic():
                self.connection.execute("INSERT INTO meta (key, value) VALUES ('secret_id', ?)", (secret_id,))
        elif known != secret_id:
            raise SitegenError([Problem(
                str(self.path), message="this list was made with another secret: links in mail already sent and the "
                "suppression list depend on it. Set SITEGEN_SECRET (or restore private/secret.key) as it was",
            )])

    # --- sign-up, confirmation and the subscriber's own changes ------------------------------

    def subscriber(self, subscriber_id: int) -> Subscriber | None:
        """The subscriber with this id, or None (deleted, or never there)."""
        row = self.connection.execute(f"SELECT {_COLUMNS} FROM subscribers WHERE id = ?", (subscriber_id,)).fetchone()
        return self._subscriber(row) if row else None

    def subscriber_by_address(self, email_key: str) -> Subscriber | None:
        """The subscriber with this (lower-cased) address, or None."""
        row = self.connection.execute(f"SELECT {_COLUMNS} FROM subscribers WHERE email_key = ?", (email_key,)).fetchone()
        return self._subscriber(row) if row else None

    def sign_up(
        self, *, email: str, email_key: str, name: str, topics: Iterable[str], now: dt.datetime, source: str = "",
        ip: str | None = None, user_agent: str | None = None, consent_version: str | None = None, limits: Limits = Limits(),
    ) -> SignUp:
        """Record a sign-up from the form: a new pending subscriber, or new topics and name for a pending or
        unsubscribed one. A confirmed subscriber is left as they are. Whether a confirmation email is owed
        follows `limits`; the caller queues it in the same transaction (atomic())."""
        with self.atomic():
            found = self.subscriber_by_address(email_key)
            if found is not None and found.status == "confirmed":
                return SignUp(found, False)
            if found is None:
                subscriber_id = self.connection.execute(
                    "INSERT INTO subscribers (email, email_key, name, status, nonce, created_at, signed_up_at, source, signup_ip,"
                    " signup_user_agent, form_consent_version) VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?)",
                    (email, email_key, name, uuid.uuid4().hex, stamp(now), stamp(now), source, ip, user_agent, consent_version),
                ).lastrowid
            else:
                subscriber_id = found.id
                self.connection.execute(
                    "UPDATE subscribers SET status = 'pending', name = CASE WHEN ? = '' THEN name ELSE ? END, signed_up_at = ?,"
                    " source = ?, signup_ip = ?, signup_user_agent = ?, form_consent_version = ? WHERE id = ?",
                    (name, name, stamp(now), source, ip, user_agent, consent_version, subscriber_id),
                )
            self._replace_topics(subscriber_id, topics)
            self._log(subscriber_id, "signup", now, ip=ip, user_agent=user_agent, source=source, sentence_version=consent_version)
            owed = self._confirmation_owed(subscriber_id, now, limits)
            return SignUp(self.subscriber(subscriber_id), owed)  # type: ignore[arg-type]

    def _confirmation_owed(self, subscriber_id: int, now: dt.datetime, limits: Limits) -> bool:
        """Whether to send a confirmation email now, and if so count it (the quiet time and the daily cap)."""
        last, day_at, count = self.connection.execute(
            "SELECT last_confirmation_at, confirmation_day_at, confirmations_sent FROM subscribers WHERE id = ?", (subscriber_id,)
        ).fetchone()
        if last is not None and now - moment(last) < limits.quiet:  # type: ignore[operator]
            return False
        if day_at is None or now - moment(day_at) >= dt.timedelta(days=1):  # type: ignore[operator]
            day_at, count = stamp(now), 0
        if count >= limits.per_day:
            return False
        self.connection.execute(
            "UPDATE subscribers SET last_confirmation_at = ?, confirmation_day_at = ?, confirmations_sent = ? WHERE id = ?",
            (stamp(now), day_at, count + 1, subscriber_id),
        )
        return True

    def confirm(
        self, subscriber: Subscriber, *, now: dt.datetime, suppression_hash: str, sentence: str, sentence_version: str,
        ip: str | None = None, user_agent: str | None = None,
    ) -> bool:
        """Confirm a pending subscriber and record their consent (what they agreed to, when, from where, and
        their sign-up's evidence); a fresh double opt-in lifts their suppression. False when they were
        not pending (confirmed already, or unsubscribed since), and nothing changed."""
        with self.atomic():
            changed = self.connection.execute(
                "UPDATE subscribers SET status = 'confirmed', confirmed_at = ?, unsubscribed_at = NULL, paused = 0"
                " WHERE id = ? AND status = 'pending'",
                (stamp(now), subscriber.id),
            ).rowcount
            if not changed:
                return False
            signed_up_at, source, signup_ip, signup_agent, form_version = self.connection.execute(
                "SELECT signed_up_at, source, signup_ip, signup_user_agent, form_consent_version FROM subscribers WHERE id = ?",
                (subscriber.id,),
            ).fetchone()
            detail = {"signed_up_at": signed_up_at, "signup_ip": signup_ip, "signup_user_agent": signup_agent, "form_sentence_version": form_version}
            self._log(subscriber.id, "confirmed", now, ip=ip, user_agent=user_agent, source=source, sentence=sentence, sentence_version=sentence_version, detail=detail)
            self.connection.execute("DELETE FROM suppression WHERE hash = ?", (suppression_hash,))
            return True

    def set_topics(self, subscriber: Subscriber, topics: Iterable[str], now: dt.datetime, *, ip: str | None = None) -> None:
        """Replace a subscriber's topics (from their preferences page)."""
        with self.atomic():
            self._replace_topics(subscriber.id, topics)
            self._log(subscriber.id, "topics", now, ip=ip, detail={"topics": sorted(set(topics))})

    def set_paused(self, subscriber: Subscriber, paused: bool, now: dt.datetime, *, ip: str | None = None) -> None:
        """Pause or resume mail to a subscriber; they stay on the list."""
        with self.atomic():
            self.connection.execute("UPDATE subscribers SET paused = ? WHERE id = ?", (int(paused), subscriber.id))
            self._log(subscriber.id, "paused" if paused else "resumed", now, ip=ip)

    def unsubscribe(self, subscriber: Subscriber, now: dt.datetime, *, suppression_hash: str, how: str, ip: str | None = None) -> bool:
        """Unsubscribe at once and put the address on the suppression list; queued mail to them is dropped.
        False when they had left already (nothing changes: one-click may be pressed twice)."""
        with self.atomic():
            changed = self.connection.execute(
                "UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = ? WHERE id = ? AND status != 'unsubscribed'",
                (stamp(now), subscriber.id),
            ).rowcount
            if changed:
                self._log(subscriber.id, "unsubscribed", now, ip=ip, detail={"how": how})
                self._suppress(suppression_hash, "unsubscribed", now)
                self.connection.execute("DELETE FROM outbox WHERE subscriber_id = ? AND state = 'queued'", (subscriber.id,))
            return bool(changed)

    def delete(self, subscriber: Subscriber, now: dt.datetime, *, suppression_hash: str) -> None:
        """Delete everything kept about a subscriber (their row, topics, consent records, mail to them), and
        keep only the keyed hash of their address on the suppression list, so no import adds them back."""
        with self.atomic():
            self.connection.execute("DELETE FROM subscribers WHERE id = ?", (subscriber.id,))
            self._suppress(suppression_hash, "deleted", now)

    def personal_data(self, subscriber: Subscriber) -> dict:
        """Everything kept about one subscriber, for them to download (JSON-ready)."""
        consent = [
            {"event": event, "at": at, "ip": ip, "user_agent": agent, "source": source, "sentence": sentence,
             "sentence_version": version, **(json.loads(detail) if detail else {})}
            for event, at, ip, agent, source, sentence, version, detail in self.connection.execute(
                "SELECT event, at, ip, user_agent, source, sentence, sentence_version, detail FROM consent_log"
                " WHERE subscriber_id = ? ORDER BY id", (subscriber.id,))
        ]
        return {**self._exported(subscriber), "paused": subscriber.paused, "consent_log": consent}

    # --- the suppression list ----------------------------------------------------------------

    def suppressed(self, suppression_hash: str) -> bool:
        """Whether the address with this keyed hash left or was deleted (and has not signed up again since)."""
        return self.connection.execute("SELECT 1 FROM suppression WHERE hash = ?", (suppression_hash,)).fetchone() is not None

    def suppress(self, suppression_hash: str, reason: str, now: dt.datetime) -> None:
        """Put an address on the suppression list (an unsubscriber in a provider's export)."""
        with self.atomic():
            self._suppress(suppression_hash, reason, now)

    def _suppress(self, suppression_hash: str, reason: str, now: dt.datetime) -> None:
        self.connection.execute(
            "INSERT INTO suppression (hash, reason, at) VALUES (?, ?, ?) ON CONFLICT (hash) DO UPDATE SET reason = excluded.reason, at = excluded.at",
            (suppression_hash, reason, stamp(now)),
        )

    # --- the owner's commands ----------------------------------------------------------------

    def add(
        self, *, email: str, email_key: str, name: str, topics: Iterable[str], now: dt.datetime, source: str,
        confirmed_at: dt.datetime | None, evidence: str, detail: dict | None = None,
    ) -> Subscriber | None:
        """Add an address from the owner (an import, `subscribers add`): confirmed when confirmed_at is given
        (the opt-in the evidence describes), else pending. None when the address is on the list already."""
        with self.atomic():
            if self.subscriber_by_address(email_key) is not None:
                return None
            status = "confirmed" if confirmed_at is not None else "pending"
            subscriber_id = self.connection.execute(
                "INSERT INTO subscribers (email, email_key, name, status, nonce, created_at, signed_up_at, confirmed_at, source)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (email, email_key, name, status, uuid.uuid4().hex, stamp(now), stamp(now), stamp(confirmed_at) if confirmed_at else None, source),
            ).lastrowid
            self._replace_topics(subscriber_id, topics)
            event = "imported" if source.startswith("import:") else "added"
            self._log(subscriber_id, event, confirmed_at or now, source=source, sentence=evidence, detail=detail)
            return self.subscriber(subscriber_id)

    def count_confirmation(self, subscriber: Subscriber, now: dt.datetime, limits: Limits = Limits()) -> bool:
        """For an owner who sends confirmations to imported addresses: whether one is owed now (see Limits)."""
        with self.atomic():
            return self._confirmation_owed(subscriber.id, now, limits)

    def subscribers(self, status: str | None = None) -> list[Subscriber]:
        """Every subscriber (or those with one status), oldest first."""
        where, values = ("WHERE status = ?", (status,)) if status else ("", ())
        rows = self.connection.execute(f"SELECT {_COLUMNS} FROM subscribers {where} ORDER BY created_at, id", values).fetchall()
        topics: dict[int, list[str]] = {}
        for subscriber_id, topic in self.connection.execute("SELECT subscriber_id, topic FROM subscriber_topics ORDER BY topic"):
            topics.setdefault(subscriber_id, []).append(topic)
        return [self._subscriber(row, tuple(topics.get(row[0], ()))) for row in rows]

    def exported(self, status: str | None = None) -> list[dict]:
        """Every subscriber as export writes them: email, name, status, topics, times (JSON-ready)."""
        return [self._exported(subscriber) for subscriber in self.subscribers(status)]

    def counts(self) -> dict[str, dict[str, int]]:
        """{'status': {status: n}, 'topic': {topic: confirmed subscribers}}."""
        statuses = dict.fromkeys(STATUSES, 0)
        statuses.update(self.connection.execute("SELECT status, count(*) FROM subscribers GROUP BY status").fetchall())
        topics = dict(self.connection.execute(
            "SELECT topic, count(*) FROM subscriber_topics JOIN subscribers ON subscribers.id = subscriber_id"
            " WHERE status = 'confirmed' GROUP BY topic ORDER BY topic"
        ).fetchall())
        return {"status": statuses, "topic": topics}

    def sign_up_times(self) -> list[dt.datetime]:
        """When each subscriber on the list first signed up (or was added)."""
        return [moment(at) for (at,) in self.connection.execute("SELECT created_at FROM subscribers ORDER BY created_at")]  # type: ignore[misc]

    def suppression_count(self) -> int:
        """How many addresses are on the suppression list."""
        return self.connection.execute("SELECT count(*) FROM suppression").fetchone()[0]

    # --- the outbox ----------------------------------------------------------------------------

    def enqueue(self, *, kind: str, subscriber: Subscriber | None, recipient: str, message: bytes, now: dt.datetime) -> int:
        """Queue a message to send as soon as possible; its id."""
        return self.connection.execute(
            "INSERT INTO outbox (subscriber_id, kind, state, recipient, message, created_at, next_attempt_at) VALUES (?, ?, 'queued', ?, ?, ?, ?)",
            (subscriber.id if subscriber else None, kind, recipient, message, stamp(now), stamp(now)),
        ).lastrowid

    def requeue_interrupted(self) -> list[int]:
        """Messages left 'sending' by a process that stopped mid-transaction, queued again; their ids. Each may
        have reached the mail server already: sending it again risks a duplicate, never a loss."""
        with self.atomic():
            ids = [row[0] for row in self.connection.execute("SELECT id FROM outbox WHERE state = 'sending' ORDER BY id")]
            self.connection.execute("UPDATE outbox SET state = 'queued', claimed_at = NULL WHERE state = 'sending'")
        return ids

    def claim(self, now: dt.datetime) -> OutboxMessage | None:
        """The oldest message due, marked 'sending' and committed before any SMTP command is sent for it."""
        with self.atomic():
            row = self.connection.execute(
                "UPDATE outbox SET state = 'sending', claimed_at = ?, attempts = attempts + 1 WHERE id = ("
                " SELECT id FROM outbox WHERE state = 'queued' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT 1)"
                " RETURNING id, kind, recipient, message, attempts",
                (stamp(now), stamp(now)),
            ).fetchone()
        return OutboxMessage(*row) if row else None

    def mark_sent(self, message_id: int, now: dt.datetime) -> None:
        """The mail server took the message: keep that it was sent, not what or to whom."""
        self.connection.execute(
            "UPDATE outbox SET state = 'sent', sent_at = ?, recipient = NULL, message = NULL, last_error = NULL WHERE id = ?",
            (stamp(now), message_id),
        )

    def mark_retry(self, message_id: int, next_attempt_at: dt.datetime, error: str) -> None:
        """A temporary failure: send the message again at next_attempt_at."""
        self.connection.execute(
            "UPDATE outbox SET state = 'queued', claimed_at = NULL, next_attempt_at = ?, last_error = ? WHERE id = ?",
            (stamp(next_attempt_at), error, message_id),
        )

    def mark_failed(self, message_id: int, error: str) -> None:
        """A permanent failure (or too many temporary ones): give up on the message."""
        self.connection.execute(
            "UPDATE outbox SET state = 'failed', claimed_at = NULL, recipient = NULL, message = NULL, last_error = ? WHERE id = ?",
            (error, message_id),
        )

    def next_due(self) -> dt.datetime | None:
        """When the next queued message is due, or None when nothing is queued."""
        row = self.connection.execute("SELECT min(next_attempt_at) FROM outbox WHERE state = 'queued'").fetchone()
        return moment(row[0])

    def outbox_counts(self) -> dict[str, int]:
        """Messages by state: queued, sending, sent, failed."""
        counts = dict.fromkeys(("queued", "sending", "sent", "failed"), 0)
        counts.update(self.connection.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())
        return counts

    # --- helpers -------------------------------------------------------------------------------

    def _replace_topics(self, subscriber_id: int, topics: Iterable[str]) -> None:
        self.connection.execute("DELETE FROM subscriber_topics WHERE subscriber_id = ?", (subscriber_id,))
        self.connection.executemany(
            "INSERT INTO subscriber_topics (subscriber_id, topic) VALUES (?, ?)", [(subscriber_id, topic) for topic in sorted(set(topics))]
        )

    def _log(
        self, subscriber_id: int, event: str, now: dt.datetime, *, ip: str | None = None, user_agent: str | None = None,
        source: str | None = None, sentence: str | None = None, sentence_version: str | None = None, detail: dict | None = None,
    ) -> None:
        self.connection.execute(
            "INSERT INTO consent_log (subscriber_id, event, at, ip, user_agent, source, sentence, sentence_version, detail)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (subscriber_id, event, stamp(now), ip, user_agent, source, sentence, sentence_version, json.dumps(detail) if detail else None),
        )

    def _subscriber(self, row: tuple, topics: tuple[str, ...] | None = None) -> Subscriber:
        if topics is None:
            topics = tuple(t for (t,) in self.connection.execute("SELECT topic FROM subscriber_topics WHERE subscriber_id = ? ORDER BY topic", (row[0],)))
        subscriber_id, email, name, status, paused, nonce, created, confirmed, unsubscribed, source, last_confirmation = row
        return Subscriber(
            subscriber_id, email, name, status, bool(paused), nonce, topics, moment(created), moment(confirmed),  # type: ignore[arg-type]
            moment(unsubscribed), source, moment(last_confirmation),
        )

    def _exported(self, subscriber: Subscriber) -> dict:
        consent_at = self.connection.execute(
            "SELECT at FROM consent_log WHERE subscriber_id = ? AND event IN ('confirmed', 'imported', 'added') AND sentence IS NOT NULL"
            " ORDER BY id DESC LIMIT 1", (subscriber.id,)
        ).fetchone()
        return {
            "email": subscriber.email,
            "name": subscriber.name,
            "status": subscriber.status,
            "topics": list(subscriber.topics),
            "consent_at": consent_at[0] if consent_at and subscriber.confirmed_at else None,
            "signed_up_at": stamp(subscriber.created_at),
            "confirmed_at": stamp(subscriber.confirmed_at) if subscriber.confirmed_at else None,
            "unsubscribed_at": stamp(subscriber.unsubscribed_at) if subscriber.unsubscribed_at else None,
            "source": subscriber.source,
        }


_COLUMNS = "id, email, name, status, paused, nonce, created_at, confirmed_at, unsubscribed_at, source, last_confirmation_at"
