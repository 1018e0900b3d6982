"""How people follow by email, in the settings: the sign-up form ([subscribe]), our own list
([subscribers]), sending ([sending]), secrets kept out of sitegen.toml, and the [newsletter] keys that moved."""

from __future__ import annotations

import email.utils
import hashlib
import json
import re
import tomllib
import typing
from pathlib import PurePosixPath
from urllib.parse import urlsplit
from typing import Any

from pydantic import Field, field_validator

from .errors import Problem
from .schema import CONFIG_FILE, Strict


class ProviderForm(Strict):
    """A mailing service's own sign-up form (Buttondown, Mailchimp, ...), drawn by the Subscribe page: the
    service keeps the list and sends the newsletter. Copy these from the form the service gives you."""

    action: str
    """Where the form sends what visitors type: the service's form URL (its <form action="...">)."""
    method: typing.Literal["post", "get"] = "post"
    """The form's HTTP method, as the service's form has it."""
    email_field: str = "email"
    """The name the service gives its email input (<input name="...">)."""
    name_field: str = ""
    """The name the service gives a first-name input, to ask for a first name too; empty: email only."""
    hidden: dict[str, str] = {}
    """Hidden inputs the service's form carries (a list id, ...), name = value. They are in the page for
    anyone to read, so never a password or an API key."""


class SubscribeSettings(Strict):
    """The email sign-up form on the Subscribe page: its words, and where it sends what visitors type
    (a provider's form, in [subscribe.provider]; or, in a later version, your own list in [subscribers])."""

    pitch: str = "One email when there's something new. No spam; unsubscribe in one click."
    """The sentence above the form: what people get, and how often."""
    button: str = "Subscribe"
    """The button's text ("Get the Friday letter")."""
    consent: str | None = None
    """The sentence people agree to by signing up to your own list ([subscribers] url), shown above the
    button and again on the confirmation page; the list records it word for word, with its version, as
    each person's consent. None: filled in when the settings are read, as default_consent(your business name)."""
    provider: ProviderForm | None = None
    """A mailing service's sign-up form; without it (and without [subscribers] url), no form is shown."""

    @field_validator("consent")
    @classmethod
    def _consent(cls, value: str | None) -> str | None:
        if value is None:
            return value
        sentence = " ".join(value.split())  # as a page shows it: what people read is what the version stands for
        if not sentence:
            raise ValueError(f"expected the sentence people agree to by signing up, such as {default_consent('Example Bakery')!r}, got {value!r}")
        return sentence

    @property
    def consent_version(self) -> str:
        """A short digest of the consent sentence: a new sentence is a new version, so each sign-up records
        which one it agreed to (the form sends it, as `consent_version`, beside the sentence itself)."""
        return consent_version(self.consent or "")


def default_consent(business_name: str) -> str:
    """The consent sentence of a site that writes none."""
    # One full stop after "Crumb & Co.", not two.
    return f"I agree to receive emails from {business_name.rstrip('.')}. Unsubscribe at any time."


def consent_version(sentence: str) -> str:
    """The version of a consent sentence: the first 8 hex digits of its SHA-256, the same in every process."""
    return hashlib.sha256(sentence.encode("utf-8")).hexdigest()[:8]


LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
"""Hosts a service may be reached at over plain http://: this computer, while trying it out."""


class SubscribersSettings(Strict):
    """Your own subscriber list, kept by `sitegen subscribers serve`, a small web service you run
    (instead of a provider's form): sign-ups, confirmations and unsubscribes go to it."""

    url: str = ""
    """The public address `sitegen subscribers serve` is reached at, behind HTTPS
    ("https://subscribe.example.com"); http:// only on 127.0.0.1 or localhost, to try it out.
    Empty: no subscriber service of your own."""
    thanks: str = ""
    """A page of your site to send people to after they sign up ("/thanks/"); empty: the service's own
    "check your inbox" page."""
    database: str = "private/subscribers.sqlite3"
    """The subscriber list: a SQLite file, relative to the site folder (or an absolute path). Never
    under content/ or output/, which are published; keep it out of version control, as private/ is."""

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value:
            return value
        parts = urlsplit(value)
        if (parts.scheme == "https" and parts.hostname) or (parts.scheme == "http" and parts.hostname in LOCAL_HOSTS):
            return value.rstrip("/")
        guess = "https://" + value.removeprefix("http://")
        hint = f" (did you mean '{guess}'?)" if parts.scheme in ("", "http") and "." in (urlsplit(guess).hostname or "") else ""
        raise ValueError(
            "expected an https:// address (visitors' email addresses travel to it), or http:// on 127.0.0.1 "
            f"or localhost to try it out, got {value!r}{hint}"
        )

    @field_validator("database")
    @classmethod
    def _database(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("expected a file path like 'private/subscribers.sqlite3', got ''")
        parts = PurePosixPath(value.replace("\\", "/")).parts
        if parts and parts[0] in ("content", "output"):
            raise ValueError(f"{value!r} is under {parts[0]}/, which is published: keep the subscriber list private, as in 'private/subscribers.sqlite3'")
        return value


SECRET_VARIABLES = {
    "SITEGEN_SMTP_PASSWORD": "the mail server's password, for sending.smtp_user",
    "SITEGEN_DKIM_KEY": "the DKIM private key that signs each message, as PEM text",
}
"""The environment variables sitegen reads its secrets from, and what each holds. sitegen.toml is shared
and often kept in git, so a secret written there is refused."""

_SECRET_WORDS = re.compile(r"(?:^|[_-])(?:password|passwd|pass|pwd|secret|token|credentials?|apikey)(?:$|[_-])|(?:^|[_-])key$")


def secret_message(key: str) -> str | None:
    """Why a key that looks like a secret is refused in sitegen.toml, and where the secret goes instead."""
    lowered = key.lower()
    if not _SECRET_WORDS.search(lowered):
        return None
    if "dkim" in lowered:
        variables = ["SITEGEN_DKIM_KEY"]
    elif re.search(r"pass|pwd", lowered):
        variables = ["SITEGEN_SMTP_PASSWORD"]
    else:
        variables = list(SECRET_VARIABLES)
    where = " or ".join(f"{name} ({SECRET_VARIABLES[name]})" for name in variables)
    return f"secrets never go in sitegen.toml, which is shared and often kept in git; sitegen reads them from the environment: set {where}"


class SendingSettings(Strict):
    """Sending the newsletter by email yourself, to your own subscriber list: who it is from, and the
    mail server it goes through. Passwords and keys never go here: sitegen reads them from the
    environment variables SITEGEN_SMTP_PASSWORD and SITEGEN_DKIM_KEY."""

    sender: str = Field(default="", alias="from")
    """Who the newsletter is from, as mail apps show it: "Crumb & Co. <news@crumbandco.example>".
    Best an address at your site's own domain, so that DKIM and SPF can vouch for it."""
    reply_to: str = ""
    """Where replies go, when not to `from` ("hello@crumbandco.example")."""
    smtp_host: str = ""
    """The mail server that sends for you ("smtp.fastmail.com"), as your mail provider names it."""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    """The mail server's port: 587 (STARTTLS, the usual) or 465 (TLS from the start)."""
    smtp_user: str = ""
    """The user name to log in to the mail server with; its password comes from SITEGEN_SMTP_PASSWORD."""
    dkim_selector: str = ""
    """The DKIM selector: the name of the DNS record <selector>._domainkey.<your domain> that holds the
    public key; with the private key in SITEGEN_DKIM_KEY, sitegen signs each message. Empty: sitegen does
    not sign (your mail provider may)."""
    rate: float = Field(default=10, gt=0)
    """At most this many messages a second; your mail provider says what it allows (0.5: one every two seconds).
    `sitegen newsletter send --rate N` overrides it for one run (0: as fast as the server takes them)."""
    full_text: bool = False
    """Newsletter emails carry each post's whole text; false: its picture, summary and a "Read on" link to the site."""
    unsubscribe_email: str = ""
    """An address that takes unsubscribe requests by email ("unsubscribe@crumbandco.example"), offered in each
    newsletter's List-Unsubscribe header beside the one-click link; you act on them with `sitegen subscribers
    remove`. Empty: the one-click link only."""

    @field_validator("sender", "reply_to", "unsubscribe_email")
    @classmethod
    def _address(cls, value: str) -> str:
        if not value:
            return value
        _, address = email.utils.parseaddr(value)
        local, _, domain = address.rpartition("@")
        if not local or "." not in domain or any(c.isspace() for c in address):
            raise ValueError(f"expected an email address, alone or with a name (\"Crumb & Co. <news@example.com>\"), got {value!r}")
        return value

    @field_validator("dkim_selector")
    @classmethod
    def _selector(cls, value: str) -> str:
        if value and not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*", value):
            raise ValueError(f"expected a DNS name like 'sitegen' or 'news2026' (letters, digits and hyphens), got {value!r}")
        return value


MOVED = {
    "newsletter.pitch": "subscribe.pitch",
    "newsletter.button": "subscribe.button",
    "newsletter.action": "subscribe.provider.action",
    "newsletter.method": "subscribe.provider.method",
    "newsletter.email_field": "subscribe.provider.email_field",
    "newsletter.name_field": "subscribe.provider.name_field",
    "newsletter.hidden": "subscribe.provider.hidden",
}
"""Settings that moved, old key -> new key: a site still writing the old one gets an error naming the new place."""

_MOVED_TABLES = {
    "newsletter": "the [newsletter] table is now [subscribe] (the form's words) and [subscribe.provider] (a provider's form)",
}


def moved_settings(data: dict[str, Any]) -> list[Problem]:
    """A problem for each setting written in its old place (MOVED), naming its new one, and the old table
    rewritten when that is sure to read back the same. Old tables are taken out of data, so the rest is
    validated as usual and every problem is reported in one run."""
    problems = []
    for table, why in _MOVED_TABLES.items():
        if table not in data:
            continue
        old = data.pop(table)
        if not isinstance(old, dict):
            problems.append(Problem(CONFIG_FILE, field=table, message=why))
            continue
        rewritten = _rewritten(table, old) if not any(new.split(".", 1)[0] in data for new in MOVED.values()) else None
        if rewritten:
            problems.append(Problem(CONFIG_FILE, field=table, message=f"{why}; write it as:\n{rewritten}"))
        for key in old:
            new = MOVED.get(f"{table}.{key}")
            message = f"moved to {new}" if new else f"unknown key '{key}' ({why})"
            problems.append(Problem(CONFIG_FILE, field=f"{table}.{key}", message=message))
    return problems


def _rewritten(table: str, old: dict[str, Any]) -> str | None:
    """An old table's keys written in their new places, as TOML indented to quote; None unless every key
    moved and the TOML reads back as the values written."""
    tables: dict[str, dict[str, Any]] = {}
    for key, value in old.items():
        new = MOVED.get(f"{table}.{key}")
        if new is None:
            return None
        place, _, name = new.rpartition(".")
        tables.setdefault(place, {})[name] = value
    lines = []
    for place in sorted(tables):  # a table before the tables inside it: [subscribe], then [subscribe.provider]
        lines += ["", f"[{place}]"] if lines else [f"[{place}]"]
        lines += [f"{name} = {_toml_value(value)}" for name, value in tables[place].items()]
    text = "\n".join(lines)
    expected: dict[str, Any] = {}
    for place, values in tables.items():
        target = expected
        for part in place.split("."):
            target = target.setdefault(part, {})
        target.update(values)
    try:
        if tomllib.loads(text) != expected:
            return None
    except tomllib.TOMLDecodeError:
        return None
    return "\n".join(f"    {line}" if line else "" for line in lines)


def _toml_value(value: Any) -> str:
    """A text, or a table of texts, as TOML (JSON's strings are TOML's); anything else as Python writes it,
    which the read-back check of _rewritten refuses if TOML reads it differently."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        pairs = (f"{key if re.fullmatch(r'[A-Za-z0-9_-]+', key) else json.dumps(key, ensure_ascii=False)} = {_toml_value(item)}" for key, item in value.items())
        return "{ " + ", ".join(pairs) + " }" if value else "{}"
    return repr(value)
