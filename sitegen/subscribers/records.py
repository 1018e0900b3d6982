"""What the subscriber list's queries (store.py) return, and how times are stored."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

STATUSES = ("pending", "confirmed", "unsubscribed")
"""A subscriber's states: signed up but not confirmed; confirmed (receives mail unless paused); left."""


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


@dataclass(frozen=True)
class Recipient:
    """Whom one newsletter message is for: what its links and its footer need, nothing more."""

    id: int
    email: str
    name: str
    nonce: str
    """For the signed preferences and unsubscribe links (tokens.Tokens.manage_token)."""
    topics: tuple[str, ...]
    """What they subscribed to, for the footer's "why you receive this"."""


def stamp(moment: dt.datetime) -> str:
    """A time as stored: ISO 8601 in UTC, microseconds always written, so text order is time order."""
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")


def moment(text: str | None) -> dt.datetime | None:
    """A stored time, or None."""
    return dt.datetime.fromisoformat(text) if text else None

