"""The settings schema (sitegen.toml) and load_config()."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
import types
import typing
import zoneinfo
from pathlib import Path
from urllib.parse import urlsplit
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

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


class Business(Strict):
    """Who runs the site: shown in the footer, the contact block and offer pages."""

    name: str = ""
    """The business's name as customers know it; defaults to the site title."""
    email: str = ""
    """A contact email address."""
    phone: str = ""
    """A contact phone number, written as customers should dial it."""
    address: str = ""
    """The street address, one line."""
    hours: tuple[str, ...] = ()
    """Opening hours, one line each ("Tue–Fri 7:00–15:00")."""
    map_url: str = ""
    """A link to a map of the address."""


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


class NewsletterSettings(Strict):
    """The newsletter sign-up form on the Subscribe page: any provider's form works."""

    action: str = ""
    """The provider's form URL (the form's action); empty: no form."""
    method: typing.Literal["post", "get"] = "post"
    """The form's HTTP method."""
    email_field: str = "email"
    """The name of the email input the provider expects."""
    name_field: str = ""
    """The name of an optional first-name input; empty: no name input."""
    hidden: dict[str, str] = {}
    """Hidden inputs the provider needs (list ids, ...), name = value."""
    button: str = "Subscribe"
    """The button text."""
    pitch: str = "One email when there's something new. No spam; unsubscribe in one click."
    """A sentence above the form."""


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
    newsletter: NewsletterSettings = Field(default_factory=NewsletterSettings)
    """The newsletter sign-up form."""
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

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+(/\S*)?$", value):
            raise ValueError(f"expected an absolute http(s) URL like 'https://example.com', got {value!r}")
        return value.rstrip("/")

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
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
        raise SitegenError([Problem(CONFIG_FILE, line=line, message=f"invalid TOML: {message}")]) from None
    if base_url is not None:
        data["base_url"] = base_url
    try:
        settings = Settings.model_validate(data)
    except ValidationError as error:
        raise SitegenError(problems_from_validation(error, Settings, CONFIG_FILE)) from None
    if cache is not None:
        cache.settings = {key: settings}
    return settings


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
) -> list[Problem]:
    """Turn a pydantic ValidationError into problems naming the field, what was found and what was expected."""
    problems = []
    for detail in error.errors(include_url=False):
        loc = tuple(detail["loc"])
        field = ".".join(str(part) for part in loc) or None
        kind = detail["type"]
        found = detail.get("input")
        hint = None
        if kind == "extra_forbidden":
            parent = _model_at(model, loc[:-1])
            known = parent.model_fields.keys() if parent else ()
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
