"""Opening hours for people: the regular week as grouped lines ("Tue–Fri 7:00–15:00"), the special
hours still to come, and the data the home page's script reads to say whether the business is open today."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from dataclasses import dataclass

from .business import Business, OpeningHours, SpecialHours

SHORT_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class HoursLine:
    """One line of the regular week: days that share the same hours."""

    days: str
    """'Tue–Fri', 'Mon, Wed', 'Sat–Mon'."""
    times: str
    """'7:00–15:00', '7:00–12:00, 14:00–18:00', or 'closed'."""

    @property
    def closed(self) -> bool:
        """Whether these days are closed all day."""
        return self.times == "closed"


@dataclass(frozen=True)
class SpecialLine:
    """A day or run of days with special hours, as visitors read it."""

    text: str
    """'Closed Fri, Dec 25: Christmas Day', 'Open 8:00–12:00 Thu, Dec 31: New Year's Eve'."""
    row: SpecialHours
    """The settings row it shows."""


@dataclass(frozen=True)
class Hours:
    """The opening hours as a build shows them (special hours relative to the build's now)."""

    week: tuple[HoursLine, ...] = ()
    """The regular week, open days first (by their first day, Monday first), then the closed days; empty when
    no hours are set."""
    special: tuple[SpecialLine, ...] = ()
    """Special hours whose last day is today or later, soonest first."""
    script_data: str = ""
    """JSON for the home page's "open today" script: the time zone, each weekday's hours (Monday first,
    '' when closed) and the upcoming special hours as [first day, last day, hours, note]; '' without
    regular hours."""
    next_change: dt.datetime | None = None
    """When the first upcoming special hours end, so the pages showing them change."""

    @property
    def summary(self) -> str:
        """The whole week on one line: 'Tue–Fri 7:00–15:00 · Sat–Sun 8:00–14:00 · Mon closed'."""
        return " · ".join(f"{line.days} {line.times}" for line in self.week)


def build_hours(business: Business, now: dt.datetime, timezone: str) -> Hours:
    """The week's lines and the special hours upcoming at `now` (today is now's date in `timezone`)."""
    zone = zoneinfo.ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    per_day = _times_per_day(business.hours)
    upcoming = sorted((row for row in business.special_hours if row.last >= today), key=_special_order)
    data = {
        "timezone": timezone,
        "week": [", ".join(times) for times in per_day],
        "special": [[row.date.isoformat(), row.last.isoformat(), _times(row), row.note] for row in upcoming],
    }
    return Hours(
        week=_week_lines(per_day) if business.hours else (),
        special=tuple(SpecialLine(_special_text(row, today), row) for row in upcoming),
        # Without a regular week, a day with no special hours is not known to be closed: no "today" line.
        script_data=json.dumps(data, ensure_ascii=False, separators=(",", ":")) if business.hours else "",
        next_change=min((dt.datetime.combine(row.last + dt.timedelta(days=1), dt.time(), zone) for row in upcoming), default=None),
    )


def format_time(value: str) -> str:
    """'07:00' -> '7:00' (24-hour, as the hours are written)."""
    return value[1:] if value.startswith("0") and len(value) == 5 else value


def format_day_list(days: tuple[int, ...]) -> str:
    """(1, 2, 3, 4) -> 'Tue–Fri'; (0, 2) -> 'Mon, Wed'; (5, 6, 0) -> 'Sat–Mon'; a run of two is a range too."""
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    if len(runs) > 1 and runs[0][0] == 0 and runs[-1][-1] == 6:  # around the weekend: Sat–Mon
        runs = [runs[-1] + runs[0]] + runs[1:-1]
    return ", ".join(SHORT_DAYS[run[0]] if len(run) == 1 else f"{SHORT_DAYS[run[0]]}–{SHORT_DAYS[run[-1]]}" for run in runs)


def _times_per_day(rows: tuple[OpeningHours, ...]) -> tuple[tuple[str, ...], ...]:
    """Each weekday's opening times ('7:00–15:00', ...), Monday first; () when closed."""
    return tuple(
        tuple(_span(opens, closes) for opens, closes in sorted({(r.opens, r.closes) for r in rows if day in r.days}))
        for day in range(7)
    )


def _week_lines(per_day: tuple[tuple[str, ...], ...]) -> tuple[HoursLine, ...]:
    groups: dict[tuple[str, ...], list[int]] = {}
    for day, times in enumerate(per_day):
        groups.setdefault(times, []).append(day)
    open_lines = [(days[0], HoursLine(format_day_list(tuple(days)), ", ".join(times))) for times, days in groups.items() if times]
    lines = [line for _, line in sorted(open_lines, key=lambda pair: pair[0])]
    if () in groups:
        lines.append(HoursLine(format_day_list(tuple(groups[()])), "closed"))
    return tuple(lines)


def _special_order(row: SpecialHours) -> tuple:
    return (row.date, row.last, row.opens or "", row.closes or "", row.note)


def _span(opens: str, closes: str) -> str:
    """'7:00–15:00'."""
    return f"{format_time(opens)}–{format_time(closes)}"


def _times(row: SpecialHours) -> str:
    return "" if row.closed else _span(row.opens or "", row.closes or "")


def _format_day(day: dt.date, today: dt.date) -> str:
    """'Fri, Dec 25'; the year too when it is not this year's ('Fri, Jan 1, 2027')."""
    text = f"{SHORT_DAYS[day.weekday()]}, {day:%b} {day.day}"
    return text if day.year == today.year else f"{text}, {day.year}"


def _special_text(row: SpecialHours, today: dt.date) -> str:
    dates = _format_day(row.date, today)
    if row.last != row.date:
        dates += f" – {_format_day(row.last, today)}"
    text = f"Closed {dates}" if row.closed else f"Open {_times(row)} {dates}"
    return f"{text}: {row.note}" if row.note else text
