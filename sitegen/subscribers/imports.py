"""Reading subscriber lists from elsewhere: Mailchimp's and Buttondown's CSV exports, and a plain
CSV with the header `email,name,topics,consent_at`.

An address counts as opted in only when the file says so (Mailchimp's OPTIN_TIME or CONFIRM_TIME,
Buttondown's active subscriber types, a plain file's consent_at), and that evidence is what the
consent log keeps. People the file says unsubscribed go on the suppression list, never on the list.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

from ..errors import Problem, did_you_mean
from .forms import FormError, parse_address, parse_name, parse_topics

FORMATS = ("mailchimp", "buttondown", "plain")
"""The formats `sitegen subscribers import` reads; `auto` tells them apart by their header."""

PLAIN_HEADER = ("email", "name", "topics", "consent_at")

BUTTONDOWN_ACTIVE = frozenset({"regular", "premium", "trialed", "unpaid", "gifted", "churning", "paused", "past_due"})
"""Buttondown's subscriber types of people who confirmed (or opted in): its docs call every other type inactive."""
BUTTONDOWN_LEFT = frozenset({"unsubscribed", "removed", "spammy", "complained", "undeliverable"})
"""Buttondown's types of people who left or must not be mailed: they go on the suppression list."""


@dataclass(frozen=True)
class ImportRow:
    """One person in an import file, checked."""

    line: int
    email: str
    email_key: str
    name: str
    topics: tuple[str, ...]
    consent_at: dt.datetime | None
    """When they opted in, per the file; None: they did not, as far as the file says (pending)."""
    evidence: str
    """What the file says of their opt-in, for the consent log."""
    left: bool = False
    """The file says they unsubscribed (or bounced): suppress them."""


def detect_format(header: list[str]) -> str | None:
    """Which export a CSV header is from, or None."""
    names = {name.strip().lower() for name in header}
    if "email address" in names:
        return "mailchimp"
    if names & {"subscriber_type", "creation_date", "email_address", "unsubscription_date"}:
        return "buttondown"
    if "email" in names and names <= set(PLAIN_HEADER):
        return "plain"
    return None


def read_import(path: Path, topics: frozenset[str], timezone: str, format: str = "auto") -> tuple[list[ImportRow], list[Problem]]:  # noqa: A002
    """Every row of an import file, checked; and a problem (file, line, field) for each that is wrong."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")  # Excel writes a byte-order mark
    except UnicodeDecodeError as error:
        return [], [Problem(name, message=f"not UTF-8 text ({error.reason}): save the CSV as UTF-8")]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    chosen = detect_format(header) if format == "auto" else format
    if chosen is None:
        return [], [Problem(name, 1, message=f"a header of {', '.join(PLAIN_HEADER)}, or a Mailchimp or Buttondown export, was expected; "
                                             f"found {', '.join(header) or 'nothing'}")]
    zone = zoneinfo.ZoneInfo(timezone)
    rows: list[ImportRow] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    read = {"mailchimp": _mailchimp, "buttondown": _buttondown, "plain": _plain}[chosen]
    for record in reader:
        line = reader.line_num
        values = {key.strip().lower(): (value or "").strip() for key, value in record.items() if key is not None}
        try:
            row = read(values, line, topics, zone)
        except _RowError as error:
            problems.append(Problem(name, line, error.field, error.message))
            continue
        if row is None or row.email_key in seen:  # an empty row; or an address twice: the first one counts
            continue
        seen.add(row.email_key)
        rows.append(row)
    return rows, problems


class _RowError(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def _address(value: str, field: str):
    try:
        return parse_address(value)
    except FormError as error:
        raise _RowError(field, f"{error} (found {value!r})") from None


def _time(value: str, field: str, zone: zoneinfo.ZoneInfo) -> dt.datetime | None:
    """An ISO 8601 time ('2026-03-01T09:00:00+01:00', '2026-03-01 09:00:00'); without a zone, in `zone`."""
    if not value or value.startswith("0000"):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _RowError(field, f"expected an ISO 8601 time like 2026-03-01T09:00:00+01:00, got {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _tags(value: str, topics: frozenset[str]) -> tuple[str, ...]:
    """A provider's tags ('"cakes","news"', "['cakes']", 'cakes, news') as our topics: those that are topics of the
    site; the others are the provider's own and are left out. None of them: everything."""
    names = [part.strip(" \"'[]") for part in re.split(r"[,;]", value)]
    chosen, _ = parse_topics([name for name in names if name], topics)
    return chosen


def _plain(values: dict[str, str], line: int, topics: frozenset[str], zone) -> ImportRow | None:
    if not any(values.values()):
        return None
    address = _address(values.get("email", ""), "email")
    names = [name for name in values.get("topics", "").split(";") if name.strip()]
    chosen, unknown = parse_topics(names, topics)
    if unknown:
        hint = did_you_mean(unknown[0], topics)
        raise _RowError("topics", f"no topic '{unknown[0]}' on this site" + (f" ({hint})" if hint else "") + f"; topics are {', '.join(sorted(topics))}")
    consent_at = _time(values.get("consent_at", ""), "consent_at", zone)
    evidence = f"opted in at {consent_at.isoformat()}, as the imported file says" if consent_at else ""
    return ImportRow(line, address.email, address.key, parse_name(values.get("name", "")), chosen, consent_at, evidence)


def _mailchimp(values: dict[str, str], line: int, topics: frozenset[str], zone) -> ImportRow | None:
    if not any(values.values()):
        return None
    address = _address(values.get("email address", ""), "Email Address")
    utc = zoneinfo.ZoneInfo("UTC")  # Mailchimp writes its times in UTC, without a zone
    optin = _time(values.get("optin_time", ""), "OPTIN_TIME", utc)
    confirm = _time(values.get("confirm_time", ""), "CONFIRM_TIME", utc)
    left = bool(values.get("unsub_time") or values.get("clean_time"))
    parts = []
    if optin:
        parts.append(f"opted in at {optin.isoformat()}" + (f" from {values['optin_ip']}" if values.get("optin_ip") else ""))
    if confirm:
        parts.append(f"confirmed at {confirm.isoformat()}" + (f" from {values['confirm_ip']}" if values.get("confirm_ip") else ""))
    consent_at = None if left else confirm or optin
    evidence = "Mailchimp export: " + ", ".join(parts) if parts else ""
    return ImportRow(line, address.email, address.key, parse_name(values.get("first name", "")), _tags(values.get("tags", ""), topics),
                     consent_at, evidence, left)


def _buttondown(values: dict[str, str], line: int, topics: frozenset[str], zone) -> ImportRow | None:
    if not any(values.values()):
        return None
    field = "email" if "email" in values else "email_address"
    address = _address(values.get(field, ""), field)
    kind = (values.get("subscriber_type") or values.get("type") or "").lower()
    left = kind in BUTTONDOWN_LEFT or bool(values.get("unsubscription_date"))
    created = _time(values.get("creation_date", ""), "creation_date", dt.timezone.utc)  # type: ignore[arg-type]
    active = kind in BUTTONDOWN_ACTIVE and not left
    consent_at = (created or None) if active else None
    if active and consent_at is None:
        raise _RowError("creation_date", f"a {kind} subscriber needs the time they subscribed, to keep as their consent; found none")
    evidence = f"Buttondown export: subscriber_type {kind}, subscribed at {consent_at.isoformat()}" if consent_at else ""
    return ImportRow(line, address.email, address.key, "", _tags(values.get("tags", ""), topics), consent_at, evidence, left)

