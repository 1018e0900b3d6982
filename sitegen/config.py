"""The settings schema (sitegen.toml) and load_config()."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
import typing
import zoneinfo
from pathlib import Path
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator, model_validator

from .business import Business
from .channels import SendingSettings, SubscribersSettings, SubscribeSettings, default_consent, moved_settings, secret_message
from .errors import Problem, SitegenError, did_you_mean
from .hosting import PublishSettings
from .memo import kept
from .schema import CONFIG_FILE, Strict, problems_from_validation, toml_fix


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
    newsletter: str = "/newsletter/{slug}/"
    """A newsletter issue's web version ("view in browser")."""

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
    newsletter: bool = True
    """A channel of the newsletter's issues (/newsletter/), once there is one: nothing sent by email is
    lost to someone who prefers a feed."""


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
    """A WebSub hub URL: feeds declare it, and `sitegen ping` (and `sitegen publish`) tell it which feeds changed."""
    publish: PublishSettings = Field(default_factory=PublishSettings)
    """Where `sitegen publish` puts the site."""
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

    @model_validator(mode="after")
    def _consent(self) -> "Settings":
        # The default names the business, which a table of its own cannot know.
        if self.subscribe.consent is None:
            object.__setattr__(self.subscribe, "consent", default_consent(self.business_name))
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


@dataclass(frozen=True)
class ConfigMemo:
    """What read_settings() may reuse: the Settings last validated."""

    settings: Mapping[tuple[str, str | None], Settings] = kept()
    """(sitegen.toml's text, --base-url) -> the Settings validated from them."""


def load_config(root: Path, *, base_url: str | None = None) -> Settings:
    """Read and validate sitegen.toml in the site root; base_url overrides the file's."""
    return read_settings(root, base_url)[0]


def read_settings(root: Path, base_url: str | None = None, memo: ConfigMemo = ConfigMemo()) -> tuple[Settings, ConfigMemo]:
    """load_config(), and its memo: settings whose text did not change are not validated again."""
    path = root / CONFIG_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SitegenError([Problem(CONFIG_FILE, message=f"not found in {root}; run 'sitegen init' to create a site")]) from None
    except UnicodeDecodeError as error:
        raise SitegenError([Problem(CONFIG_FILE, message=f"not valid UTF-8 ({error.reason}); save it as UTF-8")]) from None
    key = (text, base_url)
    known = memo.settings.get(key)
    if known is not None:
        return known, memo
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"\(at line (\d+), column \d+\)", str(error))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error))
        line = int(match.group(1)) if match else None
        raise SitegenError([Problem(CONFIG_FILE, line=line, message=toml_fix(text, line) or f"invalid TOML: {message}")]) from None
    if base_url is not None:
        data["base_url"] = base_url
    problems = moved_settings(data)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as error:
        problems += problems_from_validation(error, Settings, CONFIG_FILE, explain_unknown=secret_message)
    if problems:
        raise SitegenError(problems)
    return settings, ConfigMemo({key: settings})
