"""The subscriber list on disk: the one module that knows the SQLite schema, its version and
migrations, and every query (STYLE.md: listmonk's schema.sql + queries.sql).

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
import os
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import Problem, SitegenError

STATUSES = ("pending", "confirmed", "unsubscribed")
"""A subscriber's states: signed up but not confirmed; confirmed (receives mail unless paused); left."""

MIGRATIONS: tuple[str, ...] = (
    # 1: the first schema.
    """
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE subscribers (
        id INTEGER PRIMARY KEY,
        email TEXT NOT NULL,                 -- as email-validator normalised it
        email_key TEXT NOT NULL UNIQUE,      -- lower-cased: one row per address
        name TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'unsubscribed')),
        paused INTEGER NOT NULL DEFAULT 0,
        nonce TEXT NOT NULL,                 -- in every link's token: links of a deleted row never work again
        created_at TEXT NOT NULL,
        signed_up_at TEXT NOT NULL,          -- the latest sign-up (or import, or add)
        confirmed_at TEXT,
        unsubscribed_at TEXT,
        source TEXT NOT NULL DEFAULT '',     -- the page the form was on, or import:<file>, or cli
        signup_ip TEXT,
        signup_user_agent TEXT,
        form_consent_version TEXT,           -- the consent sentence's version the form showed
        confirmations_sent INTEGER NOT NULL DEFAULT 0,  -- in the day that started at confirmation_day_at
        confirmation_day_at TEXT,
        last_confirmation_at TEXT
    );
    CREATE INDEX subscribers_status ON subscribers (status, created_at);

    CREATE TABLE subscriber_topics (
        subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
        topic TEXT NOT NULL,
        PRIMARY KEY (subscriber_id, topic)
    ) WITHOUT ROWID;
    CREATE INDEX subscriber_topics_topic ON subscriber_topics (topic);

    CREATE TABLE consent_log (
        id INTEGER PRIMARY KEY,
        subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
        event TEXT NOT NULL,                 -- signup, confirmed, imported, added, topics, paused, resumed, unsubscribed
        at TEXT NOT NULL,
        ip TEXT,
        user_agent TEXT,
        source TEXT,
        sentence TEXT,                       -- the exact consent sentence agreed to
        sentence_version TEXT,
        detail TEXT                          -- JSON: what else the event knows (the sign-up's time, IP, ...)
    );
    CREATE INDEX consent_log_subscriber ON consent_log (subscriber_id);

    CREATE TABLE suppression (
        hash TEXT PRIMARY KEY,               -- HMAC of the lower-cased address with the site secret
        reason TEXT NOT NULL,                -- unsubscribed, deleted, imported
        at TEXT NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        subscriber_id INTEGER REFERENCES subscribers (id) ON DELETE CASCADE,
        kind TEXT NOT NULL,                  -- confirm, welcome
        state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
        recipient TEXT,                      -- emptied once sent or failed
        message BLOB,                        -- the whole message; emptied once sent or failed
        created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        claimed_at TEXT,                     -- when the SMTP transaction began (state 'sending')
        sent_at TEXT,
        last_error TEXT                      -- never an address
    );
    CREATE INDEX outbox_due ON outbox (state, next_attempt_at, id);
    """,
)
"""The schema, one script per version: PRAGMA user_version says how many have run. Append, never edit."""


@dataclass(frozen=True)
class Subscriber:
    """One address on the list."""

    id: int
    email: str
    name: str
    status: str
    """pending, confirmed or unsubscribed."""
    paused: bool
    nonce: str
    """In every link's token, so that links made for a deleted row never work for a new one."""
    topics: tuple[str, ...]
    created_at: dt.datetime
    confirmed_at: dt.datetime | None
    unsubscribed_at: dt.datetime | None
    source: str
    last_confirmation_at: dt.datetime | None


@dataclass(frozen=True)
class SignUp:
    """What a sign-up did: whom it is for, and whether a confirmation email is owed."""

    subscriber: Subscriber
    send_confirmation: bool
    """False when the address is confirmed already, or was sent a confirmation too recently or too often."""


@dataclass(frozen=True)
class OutboxMessage:
    """A message claimed for sending."""

    id: int
    kind: str
    recipient: str
    message: bytes
    attempts: int


@dataclass(frozen=True)
class Limits:
    """How often one address may be sent a confirmation email."""

    quiet: dt.timedelta = dt.timedelta(minutes=10)
    """A sign-up this soon after the last confirmation email sends nothing."""
    per_day: int = 3
    """At most this many confirmation emails to one address in a day."""


def stamp(moment: dt.datetime) -> str:
    """A time as stored: ISO 8601 in UTC, microseconds always written, so text order is time order."""
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")


def _moment(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


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
        if last is not None and now - _moment(last) < limits.quiet:  # type: ignore[operator]
            return False
        if day_at is None or now - _moment(day_at) >= dt.timedelta(days=1):  # type: ignore[operator]
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
        return [_moment(at) for (at,) in self.connection.execute("SELECT created_at FROM subscribers ORDER BY created_at")]  # type: ignore[misc]

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
        return _moment(row[0])

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
            subscriber_id, email, name, status, bool(paused), nonce, topics, _moment(created), _moment(confirmed),  # type: ignore[arg-type]
            _moment(unsubscribed), source, _moment(last_confirmation),
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


def open_store(path: Path, *, secret_id: str, checkpoints: bool = True) -> Store:
    """Open (or create, with its folder, readable by the owner only) the subscriber list at path, bring
    its schema up to date, and check that it was made with this secret (see tokens.secret_id).

    checkpoints=False: this connection never copies the WAL back into the database file itself (a
    checkpoint syncs the disk, which can take long enough to stall every request waiting behind a
    commit); the service calls checkpoint() from a thread of its own instead."""
    path = Path(path)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        new = not path.exists()
        if new:  # created before SQLite opens it, so that it is never readable by others
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("PRAGMA foreign_keys = ON")
        if not checkpoints:
            connection.execute("PRAGMA wal_autocheckpoint = 0")
        store = Store(connection, path)
        migrate(store)
    except sqlite3.DatabaseError as error:
        raise SitegenError([Problem(str(path), message=f"cannot open the subscriber list: {error}")]) from None
    store._check_secret(secret_id)
    return store


def checkpoint(path: Path) -> None:
    """Copy what the WAL holds into the database file, without waiting for or blocking writers (PASSIVE),
    on a connection of its own: for a thread beside the service's."""
    connection = sqlite3.connect(path, isolation_level=None, timeout=10)
    try:
        connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
    finally:
        connection.close()


def migrate(store: Store) -> int:
    """Run the migrations the file has not had yet, each whole or not at all; the schema version after."""
    connection = store.connection
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise SitegenError([Problem(
            str(store.path), message=f"the subscriber list has schema version {version}, made by a newer sitegen "
            f"(this one knows up to {len(MIGRATIONS)}): upgrade sitegen",
        )])
    for number in range(version, len(MIGRATIONS)):
        # executescript commits first; BEGIN ... COMMIT inside makes each migration one transaction,
        # its version number included.
        try:
            connection.executescript(f"BEGIN IMMEDIATE;\n{MIGRATIONS[number]}\nPRAGMA user_version = {number + 1};\nCOMMIT;")
        except sqlite3.Error:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
    return len(MIGRATIONS)
