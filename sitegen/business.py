"""The business in the settings ([business]): who and where it is, and its opening hours as data."""

from __future__ import annotations

import datetime as dt
import functools
import re
from urllib.parse import quote
from typing import Annotated, Any

from pydantic import BeforeValidator, field_validator, model_validator

from .schema import Strict, show_value


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
        raise ValueError(f"expected a list of days like ['tue', 'wed'] or a range like 'tue-fri', got {show_value(value)}")
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
        raise ValueError(f"expected a time of day as text like \"07:00\" (HH:MM, 00:00–24:00), got {show_value(value)}")
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
            raise ValueError(f"expected a date like 2026-12-25, got {show_value(value)}")
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
