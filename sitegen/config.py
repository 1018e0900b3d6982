"""The settings schema (sitegen.toml) and load_config()."""

from __future__ import annotations

import datetime as dt
import email.utils
import functools
import json
import re
import tomllib
import types
import typing
import zoneinfo
from pathlib import Path, PurePosixPath
from urllib.parse import quote, urlsplit
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import Problem, SitegenError, did_you_mean

if TYPE_CHECKING:
    from .cache import Cache

CONFIG_FILE = "sitegen.toml"


class Strict(BaseModel):
    """Base for every schema (settings tables, front matter): frozen, unknown keys rejected.

    Validators are built at the first validation, not at import (defer_build): a rebuild whose
    settings and front matter are unchanged validates nothing, and so never pays the 30-40 ms
    pydantic spends building them. Defaults that are models use default_factory for the same reason.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
"""The days of the week, Monday first (ISO 8601's order, and Python's weekday())."""

_DAY_NAMES = {name: index for index, day in enumerate(DAYS) for name in (day, day[:3])}
_EXPECTED_DAY = "expected mon, tue, … sun or Monday … Sunday, or a range like 'tue-fri'"
_EXPECTED_TIME = "expected HH:MM, 00:00–24:00"


def _day(text: str) -> int:
    index = _DAY_NAMES.get(text.strip().lower())
    if index is None:
        raise ValueError(f"{text.strip()!r} is not a day ({_EXPECTED_DAY})")
    return index


def parse_days(value: Any) -> tuple[int, ...]:
    """'tue-fri', ['Saturday', 'sun'] -> weekday numbers (0 = Monday), in week order; a range may wrap ('sat-mon')."""
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, (list, tuple)) or not names or not all(isinstance(name, str) for name in names):
        raise ValueError(f"expected a list of days like ['tue', 'wed'] or a range like 'tue-fri', got {_show(value)}")
    days: set[int] = set()
    for name in names:
        ends = re.split(r"\s*[-–—]\s*", name.strip())
        if len(ends) == 1:
            days.add(_day(ends[0]))
        elif len(ends) == 2:
            first, last = _day(ends[0]), _day(ends[1])
            days.update(day % 7 for day in range(first, first + (last - first) % 7 + 1))
        else:
            raise ValueError(f"{name!r} is not a day or a range of days ({_EXPECTED_DAY})")
    return tuple(sorted(days))


def parse_time_of_day(value: Any, *, closing: bool = False) -> str:
    """'7:00', '07:00' or a TOML time -> 'HH:MM'; '24:00' (the end of the day) only as a closing time."""
    if isinstance(value, dt.time):
        if value.second or value.microsecond:
            raise ValueError(f"'{value.isoformat()}' has seconds; {_EXPECTED_TIME}")
        return f"{value:%H:%M}"
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip()) if isinstance(value, str) else None
    hour, minute = (int(match.group(1)), int(match.group(2))) if match else (-1, -1)
    if not (0 <= hour <= 23 and 0 <= minute <= 59) and not (closing and (hour, minute) == (24, 0)):
        if isinstance(value, str):
            raise ValueError(f"{value!r} is not a time of day ({_EXPECTED_TIME})")
        raise ValueError(f"expected a time of day as text like \"07:00\" (HH:MM, 00:00–24:00), got {_show(value)}")
    return f"{hour:02d}:{minute:02d}"


_OPENING = BeforeValidator(parse_time_of_day)
_CLOSING = BeforeValidator(functools.partial(parse_time_of_day, closing=True))


class OpeningHours(Strict):
    """One row of the regular week: these days, open from `opens` to `closes`. A day with a break
    at lunch takes two rows; a day no row names is a day the business is closed."""

    days: Annotated[tuple[int, ...], BeforeValidator(parse_days)]
    """The days this row is for: ["tue", "wed"], ["Saturday", "Sunday"], a range "tue-fri", or both
    (["mon", "wed-fri"]). Read as weekday numbers, 0 = Monday."""
    opens: Annotated[str, _OPENING]
    """The opening time, 24-hour "HH:MM" ("07:00")."""
    closes: Annotated[str, _CLOSING]
    """The closing time, 24-hour "HH:MM" ("15:00"); "24:00" is midnight at the end of the day, and a time
    before `opens` means after midnight ("02:00" for a bar open from "18:00")."""

    @model_validator(mode="after")
    def _not_empty(self) -> "OpeningHours":
        if self.opens == self.closes:
            raise ValueError(f"opens and closes are both {self.opens!r}: for a day the business is closed, leave it out of every row")
        return self


class SpecialHours(Strict):
    """A day or a run of days that differ from the regular week: a holiday closing, or special hours."""

    date: dt.date
    """The day (2026-12-25), or the first day of a run of days."""
    until: dt.date | None = None
    """The last day of a run of days (2026-12-31), if more than one."""
    opens: Annotated[str | None, _OPENING] = None
    """The opening time on these days, "HH:MM"; leave out opens and closes when closed all day."""
    closes: Annotated[str | None, _CLOSING] = None
    """The closing time on these days, "HH:MM" ("24:00" is midnight at the end of the day)."""
    note: str = ""
    """Why, for visitors ("Christmas Day")."""

    @field_validator("date", "until", mode="before")
    @classmethod
    def _date(cls, value: Any) -> Any:
        if isinstance(value, dt.datetime) or not isinstance(value, (dt.date, str)):
            raise ValueError(f"expected a date like 2026-12-25, got {_show(value)}")
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                raise ValueError(f"expected a date like 2026-12-25, got {value!r}") from None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "SpecialHours":
        if (self.opens is None) != (self.closes is None):
            raise ValueError("give both opens and closes, or neither (closed all day)")
        if self.opens is not None and self.opens == self.closes:
            raise ValueError(f"opens and closes are both {self.opens!r}: to close all day, leave both out")
        if self.until is not None and self.until < self.date:
            raise ValueError(f"until {self.until} is before date {self.date}")
        return self

    @property
    def last(self) -> dt.date:
        """The last day these hours are for."""
        return self.until or self.date

    @property
    def closed(self) -> bool:
        """Whether the business is closed all day on these days."""
        return self.opens is None


_OLD_HOURS = (
    "opening hours are now tables, not lines of text, so search engines and maps can read them: "
    "replace `hours = [...]` with one table per row, such as\n"
    "    [[business.hours]]\n"
    '    days = "tue-fri"\n'
    '    opens = "07:00"\n'
    '    closes = "15:00"\n'
    "  (see \"Opening hours and local search\" in the README)"
)


class Business(Strict):
    """Who runs the site and where to find it: shown on the home page, in the footer and on offer
    pages, and described to search engines and maps on the home page."""

    name: str = ""
    """The business's name as customers know it; defaults to the site title."""
    type: str = "LocalBusiness"
    """What kind of place it is, as a schema.org type for search engines: LocalBusiness, or a more
    specific one such as Bakery, CafeOrCoffeeShop, Restaurant, Store, HairSalon (schema.org/LocalBusiness lists them)."""
    email: str = ""
    """A contact email address."""
    phone: str = ""
    """A contact phone number, written as customers should dial it, best with the country code ("+1 555 0142")."""
    address: str = ""
    """The street address as one line, shown to visitors; default: the parts below joined."""
    street: str = ""
    """The street address part ("214 Alder Street"), for search engines and maps."""
    locality: str = ""
    """The town or city ("Harlow Falls")."""
    region: str = ""
    """The state, province or region ("VT")."""
    postal_code: str = ""
    """The postal or ZIP code ("05491")."""
    country: str = ""
    """The country, best as a two-letter code ("US")."""
    map_url: str = ""
    """A link to a map of the address; default: a map search for the address."""
    image: str = ""
    """A photo of the place or what it sells, for search engines; default: the site's `image`."""
    hours: tuple[OpeningHours, ...] = ()
    """The regular opening hours, one [[business.hours]] table per row: days, opens, closes."""
    special_hours: tuple[SpecialHours, ...] = ()
    """Holidays and other days that differ from the regular week, one [[business.special_hours]]
    table each: date (and until), opens and closes (or neither: closed), note."""

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Z][A-Za-z]*", value):
            raise ValueError(f"expected a schema.org type name like 'LocalBusiness' or 'Bakery', got {value!r}")
        return value

    @field_validator("hours", mode="before")
    @classmethod
    def _hours(cls, value: Any) -> Any:
        if isinstance(value, (list, tuple)) and any(isinstance(row, str) for row in value):
            raise ValueError(_OLD_HOURS)
        return value

    @property
    def address_line(self) -> str:
        """The address as one line: `address`, else its parts joined ("214 Alder Street, Harlow Falls, VT 05491")."""
        region = " ".join(part for part in (self.region, self.postal_code) if part)
        return self.address or ", ".join(part for part in (self.street, self.locality, region, self.country) if part)

    @property
    def map_link(self) -> str:
        """map_url, else a map search for the address (empty without an address)."""
        if self.map_url or not self.address_line:
            return self.map_url
        return "https://www.google.com/maps/search/?api=1&query=" + quote(self.address_line, safe="")

    @property
    def phone_link(self) -> str:
        """The phone number as a tel: link, digits and a leading + only (empty without a number)."""
        digits = re.sub(r"[^0-9]", "", self.phone)
        return f"tel:{'+' if self.phone.strip().startswith('+') else ''}{digits}" if digits else ""


class AuthorSettings(Strict):
    """A person who writes posts; posts name them by their key in [authors]."""

    name: str
    """The author's display name."""
    role: str = ""
    """A short role shown beside the name ("Head baker")."""
    bio: str = ""
    """One or two sentences shown on the author's page and under their posts."""
    avatar: str = ""
    """A picture of the author: a site URL (/static/...) or an absolute URL."""
    url: str = ""
    """The author's own website, if any."""


class NavLink(Strict):
    """An extra navigation link, after the pages that set `menu`."""

    title: str
    """The link text."""
    url: str
    """Where it goes: a site URL (/offers/) or an absolute URL."""


class Pagination(Strict):
    """How many entries list pages show."""

    posts: int = Field(default=10, ge=1)
    """Posts per page on archives (all posts, years, tags, categories, authors)."""
    home: int = Field(default=6, ge=0)
    """Latest posts shown on the home page."""


class Permalinks(Strict):
    """URL patterns. Each starts and ends with '/'; {slug} is the item's slug."""

    post: str = "/posts/{slug}/"
    """A post; may also use {year}, {month} and {day} of its date."""
    page: str = "/{slug}/"
    """A standalone page."""
    offer: str = "/offers/{slug}/"
    """An offer landing page."""
    tag: str = "/tags/{slug}/"
    """A tag archive."""
    category: str = "/categories/{slug}/"
    """A category archive."""
    author: str = "/authors/{slug}/"
    """An author's archive."""

    @field_validator("*")
    @classmethod
    def _pattern(cls, value: str) -> str:
        if not (value.startswith("/") and value.endswith("/")) or "{slug}" not in value:
            raise ValueError(f"expected a pattern like '/posts/{{slug}}/', got {value!r}")
        return value


class FeedSettings(Strict):
    """Subscription channels: which exist, how many entries each holds, and what the entries carry."""

    authority: str = ""
    """The tag URI authority of entry ids (a domain you own, 'example.com'). Set it once and never change it:
    ids stay the same when the site moves to a new domain, so readers never see a post twice.
    Default: the host of base_url."""
    entries: int = Field(default=20, ge=1)
    """Entries per feed, newest first."""
    full_content: bool = True
    """Whole posts in feeds; false: summaries only, with a link to read on."""
    tags: bool = True
    """A channel per tag (/tags/<tag>/atom.xml ...)."""
    categories: bool = True
    """A channel per category."""
    authors: bool = True
    """A channel per author."""
    offers: bool = True
    """A channel of current, listed offers (/offers/atom.xml ...)."""
    updates: bool = True
    """A "what's new on the site" channel of pages whose front matter has `updated` (/updates/atom.xml ...)."""


class PodcastSettings(Strict):
    """The show, when posts carry `audio`: what podcast apps require."""

    title: str = ""
    """The show's title; default: the site title."""
    description: str = ""
    """What the show is about; default: the site description."""
    author: str = ""
    """Who makes the show (required when posts carry audio)."""
    image: str = ""
    """Square cover art, .jpg or .png, at least 1400x1400 pixels (required when posts carry audio)."""
    category: str = ""
    """An Apple Podcasts category ('Arts', 'Business', ...) (required when posts carry audio)."""
    subcategory: str = ""
    """An Apple Podcasts subcategory of category ('Food')."""
    explicit: bool = False
    """Whether episodes contain explicit material."""
    owner_name: str = ""
    """The owner's name, for podcast directories (not shown to listeners)."""
    owner_email: str = ""
    """The owner's email, for podcast directories to verify the show (required when posts carry audio)."""
    type: typing.Literal["episodic", "serial"] = "episodic"
    """episodic: newest first; serial: listened to in order."""


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
    provider: ProviderForm | None = None
    """A mailing service's sign-up form; without it (and without [subscribers] url), no form is shown."""


LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
"""Hosts a service may be reached at over plain http://: this computer, while trying it out."""


class SubscribersSettings(Strict):
    """Your own subscriber list, kept by `sitegen subscribers serve`, a small web service you run
    (instead of a provider's form): sign-ups, confirmations and unsubscribes go to it."""

    url: str = ""
    """The public address `sitegen subscribers serve` is reached at, behind HTTPS
    ("https://subscribe.example.com"); http:// only on 127.0.0.1 or localhost, to try it out.
    Empty: no subscriber service of your own."""
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


def _secret_message(key: str) -> str | None:
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
    """At most this many messages a second; your mail provider says what it allows (0.5: one every two seconds)."""

    @field_validator("sender", "reply_to")
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


PLACEHOLDER_TEXTS = {
    "tagline": "What you do, in one sentence your customers care about.",
    "description": "Who you are, where you are, and why people come back.",
}
"""Settings `sitegen init` writes for the owner to replace: a build warns while they are unchanged."""


class Settings(Strict):
    """Everything in sitegen.toml."""

    title: str
    """The site's name, shown in the header, page titles and feeds."""
    description: str
    """One or two sentences about the site: the home page's meta description and the feeds' description."""
    base_url: str
    """The full URL the site is published at, such as https://example.com or https://example.com/shop."""
    tagline: str = ""
    """A value statement shown large on the home page."""
    language: str = "en"
    """The language of the content, as a BCP 47 tag (en, en-GB, fr)."""
    timezone: str = "UTC"
    """The IANA time zone content dates are written in (Europe/Paris)."""
    theme: str = "default"
    """A bundled theme's name, or a path (relative to the site) to a theme folder."""
    image: str = ""
    """The default picture for social previews, when a page has none of its own (/static/card.png)."""
    business: Business = Field(default_factory=Business)
    """Contact details of the business."""
    authors: dict[str, AuthorSettings] = {}
    """The people who write, by the key posts use in `author:`."""
    navigation: tuple[NavLink, ...] = ()
    """Extra navigation links."""
    social: dict[str, str] = {}
    """Social profiles, name = URL (instagram, facebook, mastodon, ...), in display order."""
    pagination: Pagination = Field(default_factory=Pagination)
    """List sizes."""
    permalinks: Permalinks = Field(default_factory=Permalinks)
    """URL patterns."""
    feeds: FeedSettings = Field(default_factory=FeedSettings)
    """Subscription channels."""
    podcast: PodcastSettings = Field(default_factory=PodcastSettings)
    """The podcast show, when posts carry audio."""
    subscribe: SubscribeSettings = Field(default_factory=SubscribeSettings)
    """The email sign-up form on the Subscribe page."""
    subscribers: SubscribersSettings = Field(default_factory=SubscribersSettings)
    """Your own subscriber list and the service that keeps it."""
    sending: SendingSettings = Field(default_factory=SendingSettings)
    """Sending the newsletter yourself: sender, mail server, signing, pace."""
    websub_hub: str = ""
    """A WebSub hub URL: feeds declare it, and `sitegen ping` tells it which feeds changed."""
    now: dt.datetime | None = None
    """Build as if it were this time (previews of a future date, reproducible builds); `--now` overrides it."""

    @field_validator("now", mode="before")
    @classmethod
    def _now(cls, value: typing.Any) -> typing.Any:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return dt.datetime.combine(value, dt.time())
        if isinstance(value, str):
            try:
                return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise ValueError(f"expected a date and time like 2026-03-01T09:00:00+01:00, got {value!r}") from None
        return value

    @model_validator(mode="after")
    def _now_in_zone(self) -> "Settings":
        if self.now is not None and self.now.tzinfo is None:
            object.__setattr__(self, "now", self.now.replace(tzinfo=zoneinfo.ZoneInfo(self.timezone)))
        return self

    @model_validator(mode="after")
    def _one_list(self) -> "Settings":
        # One list of subscribers: with a provider's form and our own service both set, sign-ups would go
        # to the provider while `sitegen send` mailed our list, and neither would be the whole list.
        if self.subscribers.url and self.subscribe.provider is not None:
            raise ValueError(
                "the sign-up form can send people to your own list ([subscribers] url) or to a provider's "
                "([subscribe.provider]), not both: remove one"
            )
        return self

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+(/\S*)?$", value):
            raise ValueError(f"expected an absolute http(s) URL like 'https://example.com', got {value!r}")
        return value.rstrip("/")

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        if value.upper() in ZONE_ABBREVIATIONS:
            raise ValueError(zone_abbreviation_message(value))
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            hint = did_you_mean(value, zoneinfo.available_timezones())
            raise ValueError(f"unknown time zone {value!r}" + (f" ({hint})" if hint else "")) from None
        return value

    @field_validator("websub_hub")
    @classmethod
    def _hub(cls, value: str) -> str:
        if value and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"expected an absolute http(s) URL, got {value!r}")
        return value

    @property
    def feed_authority(self) -> str:
        """The tag URI authority: feeds.authority, else base_url's host."""
        return self.feeds.authority or urlsplit(self.base_url).hostname or "localhost"

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        """The site's time zone."""
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def business_name(self) -> str:
        """The business name, falling back to the site title."""
        return self.business.name or self.title


ZONE_ABBREVIATIONS: dict[str, tuple[str, str | None]] = {
    "EST": ("America/New_York", "-05:00"), "EDT": ("America/New_York", "-04:00"), "ET": ("America/New_York", None),
    "EST5EDT": ("America/New_York", None),
    "CST": ("America/Chicago", "-06:00"), "CDT": ("America/Chicago", "-05:00"), "CT": ("America/Chicago", None),
    "CST6CDT": ("America/Chicago", None),
    "MST": ("America/Denver", "-07:00"), "MDT": ("America/Denver", "-06:00"), "MT": ("America/Denver", None),
    "MST7MDT": ("America/Denver", None),
    "PST": ("America/Los_Angeles", "-08:00"), "PDT": ("America/Los_Angeles", "-07:00"), "PT": ("America/Los_Angeles", None),
    "PST8PDT": ("America/Los_Angeles", None),
    "AKST": ("America/Anchorage", "-09:00"), "AKDT": ("America/Anchorage", "-08:00"),
    "HST": ("Pacific/Honolulu", "-10:00"),
    "WET": ("Europe/Lisbon", "+00:00"), "WEST": ("Europe/Lisbon", "+01:00"), "BST": ("Europe/London", "+01:00"),
    "CET": ("Europe/Paris", "+01:00"), "CEST": ("Europe/Paris", "+02:00"), "MET": ("Europe/Paris", "+01:00"),
    "MEST": ("Europe/Paris", "+02:00"), "EET": ("Europe/Athens", "+02:00"), "EEST": ("Europe/Athens", "+03:00"),
    "IST": ("Asia/Kolkata", "+05:30"), "JST": ("Asia/Tokyo", "+09:00"),
    "AEST": ("Australia/Sydney", "+10:00"), "AEDT": ("Australia/Sydney", "+11:00"),
    "NZST": ("Pacific/Auckland", "+12:00"), "NZDT": ("Pacific/Auckland", "+13:00"),
}
"""Time zone abbreviations and legacy zone names -> (the IANA place they usually mean, their fixed UTC offset).
Some are valid zoneinfo keys (EST, CET, PST8PDT) but name an offset or an old rule, not a place: EST stays
at -05:00 all summer, which is not the clock of anyone in New York."""


def zone_abbreviation_message(name: str) -> str:
    """Why a time zone abbreviation is refused in sitegen.toml, and the IANA name to write instead."""
    place, _ = ZONE_ABBREVIATIONS[name.upper()]
    try:
        zone = zoneinfo.ZoneInfo(name)
        winter, summer = (dt.datetime(2026, month, 1, tzinfo=zone).utcoffset() for month in (1, 7))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        winter = summer = None
    fixed = f" (it stays at UTC{_offset(winter)} all year, with no daylight saving time)" if winter is not None and winter == summer else ""
    also = " or 'America/Phoenix' in Arizona" if place == "America/Denver" else ""
    return f"time zone {name!r} is an abbreviation, not a place{fixed}; write the IANA name of your place, such as {place!r}{also}"


def _offset(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def load_config(root: Path, *, base_url: str | None = None, cache: Cache | None = None) -> Settings:
    """Read and validate sitegen.toml in the site root; base_url overrides the file's.

    With a cache, unchanged settings are not validated again: they are last build's Settings.
    """
    path = root / CONFIG_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SitegenError([Problem(CONFIG_FILE, message=f"not found in {root}; run 'sitegen init' to create a site")]) from None
    except UnicodeDecodeError as error:
        raise SitegenError([Problem(CONFIG_FILE, message=f"not valid UTF-8 ({error.reason}); save it as UTF-8")]) from None
    key = (text, base_url)
    known = cache.settings.get(key) if cache is not None else None
    if known is not None:
        return known
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"\(at line (\d+), column \d+\)", str(error))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error))
        line = int(match.group(1)) if match else None
        raise SitegenError([Problem(CONFIG_FILE, line=line, message=_toml_fix(text, line) or f"invalid TOML: {message}")]) from None
    if base_url is not None:
        data["base_url"] = base_url
    problems = _moved_settings(data)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as error:
        problems += problems_from_validation(error, Settings, CONFIG_FILE, explain_unknown=_secret_message)
    if problems:
        raise SitegenError(problems)
    if cache is not None:
        cache.settings = {key: settings}
    return settings


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


def _moved_settings(data: dict[str, Any]) -> list[Problem]:
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


_TOML_KEY_VALUE = re.compile(r"^(?P<key>\s*[A-Za-z0-9_.-]+\s*)=\s*(?P<value>.*?)\s*$")


def _toml_fix(text: str, line: int | None) -> str | None:
    """For a line whose text value is not quoted, or not quoted right: say so and show the line fixed.
    Offered only when the fixed line reads back as the text written."""
    lines = text.splitlines()
    if line is None or not 0 < line <= len(lines):
        return None
    found = _TOML_KEY_VALUE.match(lines[line - 1])
    if not found or not found.group("value"):
        return None
    key, value = found.group("key").strip(), found.group("value")
    if value[0] in "'\"" and value.endswith(value[0]) and len(value) > 1 and value[0] in value[1:-1]:
        value, why = value[1:-1], "is in quotes and has the same quote inside too, which ends the text early"
    elif value[0] in "'\"" and value[0] not in value[1:]:
        value, why = value[1:], "has no closing quote"
    elif value[0] in "'\"":
        why = "starts with a quote but does not end with one"
    elif value not in ("true", "false", "inf", "nan") and value[0] not in "0123456789+-.[{":  # a number or list typo is TOML's to name
        why = "is text, which TOML needs in quotes"
    else:
        return None
    fixed = f'{key} = "' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    try:
        if tomllib.loads(fixed).get(key) != value:
            return None
    except tomllib.TOMLDecodeError:
        return None
    return f"the value of '{key}' {why}; write it as:\n    {fixed}"


# --- turning pydantic's errors into problems --------------------------------------

_EXPECTED = {
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "decimal_parsing": "a number",
    "decimal_type": "a number",
    "string_type": "text",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "list_type": "a list",
    "tuple_type": "a list",
    "dict_type": "a table of keys and values",
    "model_type": "a table of keys and values",
    "model_attributes_type": "a table of keys and values",
}


def problems_from_validation(
    error: ValidationError,
    model: type[BaseModel],
    source_path: str,
    line_of: typing.Callable[[tuple], int | None] = lambda loc: None,
    explain_unknown: typing.Callable[[str], str | None] = lambda key: None,
) -> list[Problem]:
    """Turn a pydantic ValidationError into problems naming the field, what was found and what was expected.

    explain_unknown(key) may say why an unknown key, or a key inside an unknown table, does not belong
    (a secret in sitegen.toml); that message then stands for the key.
    """
    problems = []
    for detail in error.errors(include_url=False):
        loc = tuple(detail["loc"])
        field = _field_name(loc)
        kind = detail["type"]
        found = detail.get("input")
        hint = None
        if kind == "extra_forbidden":
            explained = [(inner, why) for inner in _keys_within(loc, found) if (why := explain_unknown(str(inner[-1])))]
            problems += [Problem(source_path, line=line_of(inner), field=_field_name(inner), message=why) for inner, why in explained]
            if explained and explained[0][0] == loc:
                continue
            parent = _model_at(model, loc[:-1])
            known = [info.alias or name for name, info in parent.model_fields.items()] if parent else ()
            message = f"unknown key '{loc[-1]}'"
            hint = did_you_mean(str(loc[-1]), known)
            if hint is None and known:
                hint = "expected one of: " + ", ".join(sorted(known))
        elif kind == "missing":
            message = "required, but missing"
        elif kind in _EXPECTED:
            message = f"expected {_EXPECTED[kind]}, got {_show(found)}"
        elif kind == "value_error":
            message = str(detail["ctx"]["error"]) if "ctx" in detail else detail["msg"]
        elif kind.startswith(("greater_than", "less_than")):
            message = f"{detail['msg'].replace('Input should be', 'expected a value')}, got {_show(found)}"
        else:
            message = f"{detail['msg'][0].lower()}{detail['msg'][1:]}, got {_show(found)}"
        problems.append(Problem(source_path, line=line_of(loc), field=field, message=message, hint=hint))
    return problems


def _keys_within(loc: tuple, value: Any):
    """loc, then the location of every key in the tables inside value (an unknown table's keys)."""
    yield loc
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _keys_within((*loc, key), item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                for key, inner in item.items():
                    yield from _keys_within((*loc, index, key), inner)


def _field_name(loc: tuple) -> str | None:
    """('business', 'hours', 0, 'days') -> 'business.hours[0].days', as the TOML and YAML are written."""
    name = ""
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else ("." if name else "") + str(part)
    return name or None


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, (list, tuple)):
        return "a list"
    return repr(value)


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The model class a location inside `model` points into (None if not a model)."""
    current: Any = model
    parts = list(loc)
    while parts:
        part = parts.pop(0)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return None
            current = field.annotation
        else:
            return None
        # Step through containers: dict[str, X] (skip the key), tuple[X, ...] / list[X] (skip the index).
        while True:
            origin = typing.get_origin(current)
            args = typing.get_args(current)
            if origin in (typing.Union, types.UnionType):
                current = next((a for a in args if a is not type(None)), None)
            elif origin is dict and parts:
                parts.pop(0)
                current = args[1]
            elif origin in (tuple, list) and parts and isinstance(parts[0], int):
                parts.pop(0)
                current = args[0]
            else:
                break
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None
