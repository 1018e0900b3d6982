"""Opening hours: grouped for people, upcoming special hours relative to the build's now, and the
home page's LocalBusiness JSON-LD that search engines and maps read."""

from __future__ import annotations

import datetime as dt
import json

from bs4 import BeautifulSoup

from sitegen.business import Business
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


def jsonld(page: BeautifulSoup) -> dict:
    return json.loads(page.find("script", type="application/ld+json").string)


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
    assert hours.script_data == ""  # no regular week: whether today is open is not known
    assert [line.text for line in hours.special] == [
        "Closed Sun, Jun 14 – Mon, Jun 15: Break",
        "Open 9:00–12:00 Tue, Jul 14: Bastille Day",
        "Closed Fri, Jan 1, 2027",
    ]
    # the site changes by itself when the break is over: at midnight, in the site's zone
    assert hours.next_change == dt.datetime(2026, 6, 16, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    # late on June 15 in UTC is already June 16 in Tokyo: the break is over there
    assert [line.text for line in build_hours(business(special_hours=rows), NOW.replace(hour=20), "Asia/Tokyo").special][0].startswith("Open 9:00")


def test_home_page_json_ld_is_a_local_business(make_site, build_at):
    root = make_site(extra_config=BAKERY)
    build_at(root)
    data = jsonld(soup(root / "output/index.html"))
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Bakery"
    assert data["@id"] == "https://bakery.test/#business"
    assert (data["name"], data["url"], data["telephone"], data["email"]) == ("Test Bakery Ltd", "https://bakery.test/", "+33 1 23 45 67 89", "hi@bakery.test")
    assert data["image"] == "https://bakery.test/static/shop.jpg"
    assert data["address"] == {"@type": "PostalAddress", "streetAddress": "1 Rue Haute, 75001 Paris"}
    week = "https://schema.org/"
    assert data["openingHoursSpecification"] == [
        {"@type": "OpeningHoursSpecification", "dayOfWeek": [week + d for d in ("Tuesday", "Wednesday", "Thursday", "Friday")], "opens": "07:00", "closes": "12:30"},
        {"@type": "OpeningHoursSpecification", "dayOfWeek": [week + d for d in ("Tuesday", "Wednesday", "Thursday", "Friday")], "opens": "14:00", "closes": "19:00"},
        {"@type": "OpeningHoursSpecification", "dayOfWeek": [week + "Saturday", week + "Sunday"], "opens": "08:00", "closes": "23:59"},
        # special hours still to come; closed all day is 00:00-00:00 (Google's guidelines)
        {"@type": "OpeningHoursSpecification", "opens": "00:00", "closes": "00:00", "validFrom": "2026-06-14", "validThrough": "2026-06-16", "name": "Summer break"},
        {"@type": "OpeningHoursSpecification", "opens": "09:00", "closes": "12:00", "validFrom": "2026-07-14", "validThrough": "2026-07-14", "name": "Bastille Day"},
        {"@type": "OpeningHoursSpecification", "opens": "00:00", "closes": "00:00", "validFrom": "2027-01-01", "validThrough": "2027-01-01"},
    ]


def test_structured_address_and_default_type(make_site, build_at):
    parts = '[business]\naddress = "1 Rue Haute"\nstreet = "1 Rue Haute"\nlocality = "Paris"\npostal_code = "75001"\ncountry = "FR"\nmap_url = "https://maps.example/p"\n'
    root = make_site({"content/static/card.png": b"\x89PNG card"}, config='image = "/static/card.png"\n' + BASE_CONFIG + parts)
    build_at(root)
    data = jsonld(soup(root / "output/index.html"))
    assert data["@type"] == "LocalBusiness"
    assert data["name"] == "Test Bakery"  # the site title, with no business name
    assert data["image"] == "https://bakery.test/static/card.png"
    assert data["hasMap"] == "https://maps.example/p"
    assert data["address"] == {"@type": "PostalAddress", "streetAddress": "1 Rue Haute", "addressLocality": "Paris", "postalCode": "75001", "addressCountry": "FR"}
    assert "openingHoursSpecification" not in data


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
    # the first screen: today's line (filled in by the script), the week, the address as a map search, a call link
    now = home.select_one(".hero .visit-now")
    data = json.loads(now.select_one(".visit-today")["data-hours"])
    assert data["timezone"] == "Europe/Paris"
    assert data["week"] == ["", *["7:00–12:30, 14:00–19:00"] * 4, "8:00–24:00", "8:00–24:00"]
    assert data["special"][0] == ["2026-06-14", "2026-06-16", "", "Summer break"]
    assert now.select_one(".visit-week").get_text() == "Tue–Fri 7:00–12:30, 14:00–19:00 · Sat–Sun 8:00–24:00 · Mon closed"
    assert now.select_one(".visit-address a")["href"] == "https://www.google.com/maps/search/?api=1&query=1%20Rue%20Haute%2C%2075001%20Paris"
    assert now.select_one(".visit-call a")["href"] == "tel:+33123456789"
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
    assert [s.get("name") for s in jsonld(home)["openingHoursSpecification"] if "validFrom" in s] == ["Bastille Day", None]
