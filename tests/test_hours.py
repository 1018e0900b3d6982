"""Opening hours: grouped for people, and upcoming special hours relative to the build's now."""

from __future__ import annotations

import datetime as dt
import json

from bs4 import BeautifulSoup

from sitegen.config import Business
from sitegen.hours import build_hours, format_day_list

from .conftest import BASE_CONFIG, NOW

BAKERY = """
[business]
name = "Test Bakery Ltd"
type = "Bakery"
phone = "+33 1 23 45 67 89"
email = "hi@bakery.test"
address = "1 Rue Haute, 75001 Paris"
image = "/static/shop.jpg"

[[business.hours]]
days = "tue-fri"
opens = "07:00"
closes = "12:30"

[[business.hours]]
days = "tue-fri"
opens = "14:00"
closes = "19:00"

[[business.hours]]
days = ["saturday", "sun"]
opens = "08:00"
closes = "24:00"

[[business.special_hours]]
date = 2026-06-01
note = "Long past"

[[business.special_hours]]
date = 2026-06-14
until = 2026-06-16
note = "Summer break"

[[business.special_hours]]
date = 2026-07-14
opens = "09:00"
closes = "12:00"
note = "Bastille Day"

[[business.special_hours]]
date = 2027-01-01
"""
"""NOW is Monday 2026-06-15, 14:00 in Paris: the summer break has begun, June 1 is past."""


def soup(path) -> BeautifulSoup:
    return BeautifulSoup(path.read_bytes(), "lxml")


def business(**fields) -> Business:
    return Business.model_validate(fields)


def test_days_are_written_as_ranges():
    assert format_day_list((1, 2, 3, 4)) == "Tue–Fri"
    assert format_day_list((0, 2, 4)) == "Mon, Wed, Fri"
    assert format_day_list((5, 6)) == "Sat–Sun"
    assert format_day_list((0, 1, 3, 5, 6)) == "Sat–Tue, Thu"  # around the weekend
    assert format_day_list(tuple(range(7))) == "Mon–Sun"


def test_week_is_grouped_by_shared_hours_closed_days_last():
    rows = [
        {"days": "tue-fri", "opens": "07:00", "closes": "15:00"},
        {"days": ["sat", "sun"], "opens": "08:00", "closes": "14:00"},
        {"days": ["thu"], "opens": "17:00", "closes": "20:00"},
    ]
    hours = build_hours(business(hours=rows), NOW, "Europe/Paris")
    assert [(line.days, line.times) for line in hours.week] == [
        ("Tue–Wed, Fri", "7:00–15:00"),
        ("Thu", "7:00–15:00, 17:00–20:00"),
        ("Sat–Sun", "8:00–14:00"),
        ("Mon", "closed"),
    ]
    assert hours.summary == "Tue–Wed, Fri 7:00–15:00 · Thu 7:00–15:00, 17:00–20:00 · Sat–Sun 8:00–14:00 · Mon closed"
    assert json.loads(hours.script_data)["week"] == ["", "7:00–15:00", "7:00–15:00", "7:00–15:00, 17:00–20:00", "7:00–15:00", "8:00–14:00", "8:00–14:00"]


def test_no_hours_no_lines():
    hours = build_hours(business(address="1 Main St"), NOW, "UTC")
    assert (hours.week, hours.special, hours.script_data, hours.next_change) == ((), (), "", None)


def test_special_hours_shown_only_until_their_last_day(tmp_path):
    rows = [
        {"date": "2026-06-14", "until": "2026-06-15", "note": "Break"},
        {"date": "2026-06-13"},
        {"date": "2026-07-14", "opens": "09:00", "closes": "12:00", "note": "Bastille Day"},
        {"date": "2027-01-01"},
    ]
    hours = build_hours(business(special_hours=rows), NOW, "Europe/Paris")
    assert [line.text for line in hours.special] == [
        "Closed Sun, Jun 14 – Mon, Jun 15: Break",
        "Open 9:00–12:00 Tue, Jul 14: Bastille Day",
        "Closed Fri, Jan 1, 2027",
    ]
    # the site changes by itself when the break is over: at midnight, in the site's zone
    assert hours.next_change == dt.datetime(2026, 6, 16, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    # late on June 15 in UTC is already June 16 in Tokyo: the break is over there
    assert [line.text for line in build_hours(business(special_hours=rows), NOW.replace(hour=20), "Asia/Tokyo").special][0].startswith("Open 9:00")


def test_home_and_footer_show_the_hours(make_site, build_at):
    root = make_site({"content/pages/about.md": "---\ntitle: About\n---\nUs.\n"}, extra_config=BAKERY)
    build_at(root)
    home = soup(root / "output/index.html")
    visit = home.find(id="visit")
    assert [li.get_text(" ", strip=True) for li in visit.select(".hours-week li")] == ["Tue–Fri 7:00–12:30, 14:00–19:00", "Sat–Sun 8:00–24:00", "Mon closed"]
    assert [li.get_text(strip=True) for li in visit.select(".hours-special li")] == [
        "Closed Sun, Jun 14 – Tue, Jun 16: Summer break",
        "Open 9:00–12:00 Tue, Jul 14: Bastille Day",
        "Closed Fri, Jan 1, 2027",
    ]
    footer = soup(root / "output/about/index.html").find("footer")
    assert [li.get_text(" ", strip=True) for li in footer.select(".hours-week li")] == ["Tue–Fri 7:00–12:30, 14:00–19:00", "Sat–Sun 8:00–24:00", "Mon closed"]
    assert footer.select_one(".contact a[href^='tel:']")["href"] == "tel:+33123456789"


def test_passing_special_hours_change_the_pages(make_site, build_at):
    root = make_site(extra_config=BAKERY)
    first = build_at(root)
    assert first.site.next_change == dt.datetime(2026, 6, 17, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    build_at(root, now=first.site.next_change)
    home = soup(root / "output/index.html")
    assert "Summer break" not in home.get_text()
