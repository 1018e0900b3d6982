"""Front matter -> typed meta: the schemas of posts, pages and offers, YAML read with plain-words
errors, validation against the settings, and the small parsers it uses (dates, slugs)."""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from typing import Any

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator

from .config import ZONE_ABBREVIATIONS, Settings
from .errors import Problem, SitegenError, did_you_mean
from .markdown import MARKDOWN_SUFFIXES
from .schema import Strict, problems_from_validation

# ---------------------------------------------------------------------------------
# Front matter schemas
# ---------------------------------------------------------------------------------


class Meta(Strict):
    title: str = Field(min_length=1)
    """The title (required)."""
    summary: str | None = None
    """A one or two sentence summary (Markdown); else the text before <!-- more -->, else the first paragraph."""
    slug: str | None = None
    """The last part of the URL; default: the file name without a date prefix."""
    image: str | None = None
    """A picture for social previews and feeds: a site URL (/static/...) or an absolute URL."""
    template: str | None = None
    """A template to render this item with, instead of the default for its kind."""
    draft: bool = False
    """Never built unless `sitegen build --drafts`."""
    extra: dict[str, Any] = {}
    """Anything else; templates receive it untouched as item.extra."""
    aliases: tuple[str, ...] = ()
    """Old site-relative URLs of this item ('/2019/03/spring-menu/', '/?p=12'): each becomes a redirect to it."""

    @field_validator("aliases", mode="before")
    @classmethod
    def _aliases(cls, value: Any) -> Any:
        values = [value] if isinstance(value, str) else value
        if isinstance(values, (list, tuple)):
            for alias in values:
                if isinstance(alias, str):
                    check_alias(alias)
        return values

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str | None) -> str | None:
        if value is not None:
            check_slug(value)
        return value

    @field_validator("date", "updated", "valid_from", "valid_until", mode="before", check_fields=False)
    @classmethod
    def _datetime(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None:
            return None
        end_of_day = info.field_name == "valid_until"
        return parse_datetime(value, info.context["tz"], end_of_day=end_of_day)


class Audio(Strict):
    """A podcast episode's media file."""

    url: str
    """The file: a site URL (/static/ep1.mp3) or an absolute URL."""
    length: int = Field(ge=0)
    """Its size in bytes."""
    type: str = "audio/mpeg"
    """Its media type."""
    duration: str | None = None
    """Its duration, HH:MM:SS."""


class PostMeta(Meta):
    """A post's front matter."""

    date: dt.datetime
    """When it was published (required); in the site's zone unless the value has one."""
    updated: dt.datetime | None = None
    """When it last changed in a way readers should know about."""
    tags: tuple[str, ...] = ()
    """Topics; each gets an archive page and feeds."""
    categories: tuple[str, ...] = ()
    """Sections (`category: News` or `categories: [News, Recipes]`)."""
    author: str | None = None
    """A key into [authors] in sitegen.toml, or just a name."""
    id: str | None = None
    """The feed entry id; default: derived once from the first date and slug."""
    audio: Audio | None = None
    """A podcast episode attached to the post."""
    offer: str | None = None
    """The slug of an offer this post promotes."""

    @field_validator("tags", "categories", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class PageMeta(Meta):
    """A page's front matter."""

    menu: int | None = None
    """Position in the site navigation (1 first); leave out to keep the page out of it."""
    updated: dt.datetime | None = None
    """When the page last changed in a way readers should know about."""


class Cta(Strict):
    """An offer's one call to action."""

    label: str = Field(min_length=1)
    """The button text ("Order now")."""
    url: str = Field(min_length=1)
    """Where the button goes: an https:// address (a shop, a payment page), or a mailto: or tel: link ("Call to order")."""

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        scheme = value.split(":", 1)[0].lower() if ":" in value else ""
        if re.match(r"https://[^/\s]+", value, re.I) or (scheme in ("mailto", "tel") and value.split(":", 1)[1].strip()):
            return value
        if scheme == "http":
            suggestion = " (did you mean " + repr("https" + value[4:]) + "?)"
        elif not scheme and re.match(r"[\w-]+(\.[\w-]+)+(/|$)", value):
            suggestion = f" (did you mean 'https://{value}'?)"
        else:
            suggestion = ""
        raise ValueError(
            f"expected an https:// address (customers' order and payment links must be secure), "
            f"or a mailto: or tel: link, got {value!r}{suggestion}"
        )


class OfferMeta(Meta):
    """An offer's front matter."""

    price: float | None = Field(default=None, ge=0)
    """The offer price."""
    currency: str = "USD"
    """ISO 4217 currency code of the prices."""
    was: float | None = Field(default=None, ge=0)
    """The former price, shown struck through."""
    cta: Cta
    """The one call to action: {label, url} (required)."""
    valid_from: dt.datetime | None = None
    """The offer's page is built from this time on (date-only: the start of that day)."""
    valid_until: dt.datetime | None = None
    """After this time the page says the offer has ended (date-only: the end of that day)."""
    code: str | None = None
    """A coupon code, shown so it is easy to copy."""
    terms: str | None = None
    """The fine print."""
    listed: bool = True
    """False: reachable by link only, not on the home page, /offers/ or feeds."""
    featured: bool = False
    """Shown first among current offers."""

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Z]{3}", value):
            raise ValueError(f"expected a three-letter ISO 4217 code like 'USD', got {value!r}")
        return value

    @model_validator(mode="after")
    def _dates_in_order(self) -> "OfferMeta":
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValueError(
                f"valid_until {self.valid_until:%Y-%m-%d %H:%M} is before valid_from {self.valid_from:%Y-%m-%d %H:%M}"
            )
        return self


class NewsletterMeta(Meta):
    """A newsletter issue's front matter (content/newsletter/YYYY-MM-DD-slug.md); the body is the
    owner's introduction."""

    date: dt.datetime
    """The issue's date (required): what it carries is what is new since the issue before."""
    preheader: str | None = None
    """The preview text mail apps show after the subject (the title)."""
    topics: tuple[str, ...] = Field(default=("all",), min_length=1)
    """Who receives it: `all` (every subscriber), or tag and category slugs and `offers`; a
    subscriber of `all` receives every issue."""
    items: tuple[str, ...] = ()
    """The content files it carries, in order, as links name them: 'posts/2026-03-01-spring.md'."""

    @field_validator("topics", "items", mode="before")
    @classmethod
    def _listify(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name == "items":  # `items:` with nothing under it yet
            return []
        return [value] if isinstance(value, str) else value


SCHEMAS: dict[str, type[Meta]] = {"post": PostMeta, "page": PageMeta, "offer": OfferMeta, "newsletter": NewsletterMeta}

# Keys written for Jekyll, Hugo or Pelican, and the key they mean here.
ALIASES = {"category": "categories", "lastmod": "updated", "modified": "updated", "description": "summary", "redirect_from": "aliases"}


# ---------------------------------------------------------------------------------
# Front matter
# ---------------------------------------------------------------------------------


def validate_meta(raw: dict, key_lines: dict[str, int], source_path: str, kind: str, config: Settings) -> Meta:
    """Front matter dict -> typed meta, with Jekyll/Hugo aliases; problems name the line and field."""
    schema = SCHEMAS[kind]
    problems = []
    data: dict[str, Any] = {}
    for key, value in raw.items():
        key = str(key)
        if key == "published":  # Jekyll: published: false means a draft
            if not isinstance(value, bool):
                problems.append(Problem(source_path, key_lines.get(key), key, f"expected true or false, got {value!r}"))
            else:
                data["draft"] = data.get("draft", False) or not value
            continue
        canonical = ALIASES.get(key, key)
        if canonical not in schema.model_fields:
            hint = did_you_mean(key, [*schema.model_fields, *(a for a, c in ALIASES.items() if c in schema.model_fields)])
            problems.append(
                Problem(source_path, key_lines.get(key), None, f"unknown field '{key}'", hint or "put your own fields under 'extra:'")
            )
            continue
        if canonical in data:
            problems.append(Problem(source_path, key_lines.get(key), key, f"'{key}' repeats a field given already; use one of them"))
            continue
        data[canonical] = value
    if kind == "post" and "date" not in data:
        named = _DATE_PREFIX.match(source_path.rsplit("/", 1)[-1])
        if named:  # as Jekyll dates its posts: 2026-03-01-spring-menu.md
            data["date"] = named.group(0)[:10]
    try:
        meta = schema.model_validate(data, context={"tz": config.tz})
    except ValidationError as error:
        reverse = {canonical: alias for alias, canonical in ALIASES.items()}

        def line_of(loc: tuple) -> int | None:
            key = str(loc[0]) if loc else ""
            return key_lines.get(key) or key_lines.get(reverse.get(key, "")) or 1

        problems.extend(problems_from_validation(error, schema, source_path, line_of))
        meta = None
    if problems:
        raise SitegenError(problems)
    return meta


# ---------------------------------------------------------------------------------
# Small parsers
# ---------------------------------------------------------------------------------

_DATE_FORMATS = "YYYY-MM-DD, YYYY-MM-DD HH:MM or YYYY-MM-DDTHH:MM:SS+01:00"


def parse_datetime(value: Any, tz: dt.tzinfo, *, end_of_day: bool = False) -> dt.datetime:
    """A front matter date or datetime, zone-aware (the site's zone unless it has one)."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime.combine(value, dt.time.max.replace(microsecond=0) if end_of_day else dt.time())
    elif isinstance(value, str):
        text = value.strip()
        zone = _ZONE_SUFFIX.search(text)
        if zone and zone.group(1).upper() in ("UTC", "GMT"):
            text = text[: zone.start()].rstrip() + "+00:00"
        elif zone and zone.group(1).upper() in ZONE_ABBREVIATIONS:
            raise ValueError(_zone_in_date_message(text, zone))
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                day = dt.date.fromisoformat(text)
                parsed = dt.datetime.combine(day, dt.time.max.replace(microsecond=0) if end_of_day else dt.time())
            else:
                parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"expected a date like {_DATE_FORMATS}, got {value!r}") from None
    else:
        raise ValueError(f"expected a date like {_DATE_FORMATS}, got {value!r}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed


_ZONE_SUFFIX = re.compile(r"(?<=\d)\s*([A-Za-z]{2,4}(?:\d[A-Za-z]{3})?)$")


def _zone_in_date_message(text: str, zone: re.Match) -> str:
    abbreviation = zone.group(1).upper()
    place, offset = ZONE_ABBREVIATIONS[abbreviation]
    bare = text[: zone.start()].rstrip()
    instead = f"write the offset instead ('{bare}{offset}') or leave it out" if offset and re.search(r"\d:\d\d$", bare) else "leave it out"
    return (
        f"the time zone abbreviation '{zone.group(1)}' in {text!r} is not understood: {instead}; "
        f"a date without one is in the site's time zone (timezone in sitegen.toml, such as '{place}')"
    )


def check_slug(slug: str) -> None:
    """Raise ValueError unless slug is one safe URL path segment."""
    if (
        not slug
        or slug in (".", "..")
        or any(c in slug for c in "/\\?#%\"'<>")
        or any(unicodedata.category(c)[0] in "CZ" for c in slug)
    ):
        raise ValueError(
            f"slug {slug!r} is not a single URL path segment (it could escape the output folder or break links); "
            "expected letters, digits and '-' like 'spring-menu'"
        )


def check_alias(alias: str) -> None:
    """Raise ValueError unless alias is a site-relative URL an old link could have used."""
    path = alias.split("?", 1)[0]
    if not alias.startswith("/") or alias.startswith("//") or "#" in alias or any(c.isspace() for c in alias) or ".." in path.split("/"):
        raise ValueError(
            f"alias {alias!r} is not a site-relative URL; expected an old address of this page from the site root, "
            "like '/2019/03/spring-menu/' or '/?p=12'"
        )


_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}-")


def slug_from_filename(filename: str, kind: str) -> str:
    """'2026-03-01-Spring Menu.md' -> 'spring-menu'."""
    stem = filename.rsplit(".", 1)[0] if filename.endswith(MARKDOWN_SUFFIXES) else filename
    if kind in ("post", "newsletter"):
        stem = _DATE_PREFIX.sub("", stem)
    return slugify(stem)


@functools.lru_cache(maxsize=65536)
def slugify(text: str) -> str:
    """Lower-case words joined by '-', accents folded ('Crème brûlée' -> 'creme-brulee')."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    if not slug:  # a name with no Latin letters keeps its own, URL-safe
        slug = re.sub(r"[\s/\\?#%]+", "-", text.strip().lower()).strip("-")
    return slug or "item"
