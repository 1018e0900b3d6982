"""Text helpers: formatting values for people (dates and prices), and finding a line in a file's text."""

from __future__ import annotations

import datetime as dt


def format_date(value: dt.datetime, style: str = "long") -> str:
    """'November 22, 2026' (long), 'Nov 22, 2026' (short), '2026-11-22' (iso)."""
    if style == "iso":
        return f"{value:%Y-%m-%d}"
    month = f"{value:%b}" if style == "short" else f"{value:%B}"
    return f"{month} {value.day}, {value.year}"


_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "AUD": "A$", "CAD": "C$", "NZD": "NZ$", "INR": "₹"}


def format_money(amount: float, currency: str) -> str:
    """'$24.00', '€24.00', '24.00 CHF'; whole amounts keep their cents so prices line up."""
    symbol = _SYMBOLS.get(currency)
    return f"{symbol}{amount:,.2f}" if symbol else f"{amount:,.2f} {currency}"


def format_moment(value: dt.datetime) -> str:
    """A date with its time and zone, unless the time is the start or end of the day.

    'February 28, 2027, 6:00 PM EST'; 'February 28, 2027' for 00:00 and 23:59.
    """
    day = format_date(value)
    if (value.hour, value.minute) in ((0, 0), (23, 59)):
        return day
    hour = value.hour % 12 or 12
    return f"{day}, {hour}:{value.minute:02d} {'AM' if value.hour < 12 else 'PM'} {value.tzname()}"


def offset_of_line(text: str, line: int) -> int:
    """Where 1-based line `line` starts in text (its end, past the last line)."""
    offset = 0
    for _ in range(line - 1):
        offset = text.find("\n", offset) + 1
        if not offset:
            return len(text)
    return offset
