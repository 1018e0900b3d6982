"""Settings: validation names the key, what was found and what was expected."""

from __future__ import annotations

import pytest

from sitegen.config import load_config
from sitegen.errors import SitegenError

from .conftest import BASE_CONFIG, write_files


def problems_for(tmp_path, text: str) -> list[str]:
    write_files(tmp_path, {"sitegen.toml": text})
    with pytest.raises(SitegenError) as caught:
        load_config(tmp_path)
    return [str(p) for p in caught.value.problems]


def test_valid_settings_load_with_defaults(tmp_path):
    write_files(tmp_path, {"sitegen.toml": BASE_CONFIG})
    config = load_config(tmp_path)
    assert config.title == "Test Bakery"
    assert config.base_url == "https://bakery.test"
    assert config.pagination.posts == 10
    assert config.permalinks.post == "/posts/{slug}/"
    assert config.authors["ann"].name == "Ann Baker"
    assert str(config.tz) == "Europe/Paris"


def test_trailing_slash_of_base_url_is_dropped(tmp_path):
    write_files(tmp_path, {"sitegen.toml": BASE_CONFIG.replace("https://bakery.test", "https://bakery.test/shop/")})
    assert load_config(tmp_path).base_url == "https://bakery.test/shop"


def test_unknown_keys_suggest_the_nearest(tmp_path):
    problems = problems_for(tmp_path, "titel = 'x'\n" + BASE_CONFIG + "[pagination]\npost = 3\n")
    assert "sitegen.toml: titel: unknown key 'titel' (did you mean 'title'?)" in problems
    assert "sitegen.toml: pagination.post: unknown key 'post' (did you mean 'posts'?)" in problems


def test_wrong_type_names_key_and_value(tmp_path):
    problems = problems_for(tmp_path, BASE_CONFIG + "[pagination]\nposts = 'ten'\n")
    assert problems == ["sitegen.toml: pagination.posts: expected a whole number, got 'ten'"]


def test_missing_required_keys_are_all_reported(tmp_path):
    problems = problems_for(tmp_path, 'title = "x"\n')
    assert problems == [
        "sitegen.toml: base_url: required, but missing",
        "sitegen.toml: description: required, but missing",
    ]


def test_bad_timezone_and_base_url(tmp_path):
    text = BASE_CONFIG.replace("Europe/Paris", "Europe/Pari").replace("https://bakery.test", "bakery.test")
    problems = problems_for(tmp_path, text)
    assert "sitegen.toml: timezone: unknown time zone 'Europe/Pari' (did you mean 'Europe/Paris'?)" in problems
    assert "sitegen.toml: base_url: expected an absolute http(s) URL like 'https://example.com', got 'bakery.test'" in problems


def test_invalid_toml_names_the_line(tmp_path):
    problems = problems_for(tmp_path, BASE_CONFIG + "oops = \n")
    assert len(problems) == 1
    assert problems[0].startswith(f"sitegen.toml:{BASE_CONFIG.count(chr(10)) + 1}: invalid TOML")


def test_missing_file_says_how_to_start(tmp_path):
    with pytest.raises(SitegenError) as caught:
        load_config(tmp_path)
    assert "run 'sitegen init'" in str(caught.value)


def test_bad_permalink_pattern(tmp_path):
    problems = problems_for(tmp_path, BASE_CONFIG + "[permalinks]\npost = '/posts/'\n")
    assert problems == ["sitegen.toml: permalinks.post: expected a pattern like '/posts/{slug}/', got '/posts/'"]


def test_author_table_unknown_key(tmp_path):
    problems = problems_for(tmp_path, BASE_CONFIG + "[authors.bob]\nname = 'Bob'\navatr = 'a.png'\n")
    assert problems == ["sitegen.toml: authors.bob.avatr: unknown key 'avatr' (did you mean 'avatar'?)"]


# --- opening hours ---------------------------------------------------------------

HOURS = """
[business]
type = "Bakery"
[[business.hours]]
days = "Tue-fri"
opens = "7:00"
closes = "15:00"
[[business.hours]]
days = ["Saturday", "SUN"]
opens = 08:00:00
closes = "24:00"
[[business.hours]]
days = "sat-mon"
opens = "18:00"
closes = "02:00"
[[business.special_hours]]
date = 2026-12-24
until = 2026-12-26
note = "Christmas"
"""


def test_opening_hours_are_read_as_data(tmp_path):
    write_files(tmp_path, {"sitegen.toml": BASE_CONFIG + HOURS})
    business = load_config(tmp_path).business
    assert business.type == "Bakery"
    assert [(row.days, row.opens, row.closes) for row in business.hours] == [
        ((1, 2, 3, 4), "07:00", "15:00"),
        ((5, 6), "08:00", "24:00"),
        ((0, 5, 6), "18:00", "02:00"),  # a range may wrap around the week; closing after midnight
    ]
    special = business.special_hours[0]
    assert (special.date.isoformat(), special.last.isoformat(), special.closed, special.note) == ("2026-12-24", "2026-12-26", True, "Christmas")


def test_bad_day_and_time_name_the_key(tmp_path):
    text = BASE_CONFIG + HOURS.replace('"Tue-fri"', '["tusday", "wed"]').replace('"24:00"', '"25:00"').replace('"02:00"', '"2pm"')
    assert problems_for(tmp_path, text) == [
        "sitegen.toml: business.hours[0].days: 'tusday' is not a day (expected mon, tue, … sun or Monday … Sunday, or a range like 'tue-fri')",
        "sitegen.toml: business.hours[1].closes: '25:00' is not a time of day (expected HH:MM, 00:00–24:00)",
        "sitegen.toml: business.hours[2].closes: '2pm' is not a time of day (expected HH:MM, 00:00–24:00)",
    ]


def test_inconsistent_hours_are_errors(tmp_path):
    text = BASE_CONFIG + HOURS.replace('closes = "15:00"', 'closes = "07:00"').replace('until = 2026-12-26', 'until = 2026-12-20\nopens = "10:00"')
    text += '[[business.special_hours]]\ndate = 2026-12-31\nuntil = 2026-12-30\n'
    assert problems_for(tmp_path, text) == [
        "sitegen.toml: business.hours[0]: opens and closes are both '07:00': for a day the business is closed, leave it out of every row",
        "sitegen.toml: business.special_hours[0]: give both opens and closes, or neither (closed all day)",
        "sitegen.toml: business.special_hours[1]: until 2026-12-30 is before date 2026-12-31",
    ]


def test_old_free_text_hours_show_the_new_form(tmp_path):
    problems = problems_for(tmp_path, BASE_CONFIG + '[business]\nhours = ["Tue–Fri 7:00–15:00", "Mon closed"]\n')
    assert len(problems) == 1
    assert problems[0].startswith("sitegen.toml: business.hours: opening hours are now tables, not lines of text")
    assert '[[business.hours]]\n    days = "tue-fri"\n    opens = "07:00"\n    closes = "15:00"' in problems[0]


def test_business_links_and_address_parts(tmp_path):
    parts = '[business]\nphone = "+1 (555) 014-2"\nstreet = "1 Rue Haute"\nlocality = "Lyon"\npostal_code = "69001"\ncountry = "FR"\n'
    write_files(tmp_path, {"sitegen.toml": BASE_CONFIG + parts})
    business = load_config(tmp_path).business
    assert business.phone_link == "tel:+15550142"
    assert business.address_line == "1 Rue Haute, Lyon, 69001, FR"
    assert business.map_link == "https://www.google.com/maps/search/?api=1&query=1%20Rue%20Haute%2C%20Lyon%2C%2069001%2C%20FR"
    write_files(tmp_path, {"sitegen.toml": BASE_CONFIG + parts + 'address = "1 Rue Haute, 69001 Lyon"\nmap_url = "https://maps.example/x"\n'})
    business = load_config(tmp_path).business
    assert (business.address_line, business.map_link) == ("1 Rue Haute, 69001 Lyon", "https://maps.example/x")


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("CET", "time zone 'CET' is an abbreviation, not a place; write the IANA name of your place, such as 'Europe/Paris'"),
        ("PST", "time zone 'PST' is an abbreviation, not a place; write the IANA name of your place, such as 'America/Los_Angeles'"),
        ("PST8PDT", "time zone 'PST8PDT' is an abbreviation, not a place; write the IANA name of your place, such as 'America/Los_Angeles'"),
    ],
)
def test_time_zone_abbreviations_suggest_a_place(tmp_path, zone, expected):
    problems = problems_for(tmp_path, BASE_CONFIG.replace("Europe/Paris", zone))
    assert problems == [f"sitegen.toml: timezone: {expected}"]


@pytest.mark.parametrize("zone", ["UTC", "GMT", "America/New_York", "US/Eastern"])
def test_places_and_utc_are_fine_time_zones(tmp_path, zone):
    write_files(tmp_path, {"sitegen.toml": BASE_CONFIG.replace("Europe/Paris", zone)})
    assert load_config(tmp_path).timezone == zone


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("title = Bread: a love story", 'the value of \'title\' is text, which TOML needs in quotes; write it as:\n    title = "Bread: a love story"'),
        ('title = "Bread', 'the value of \'title\' has no closing quote; write it as:\n    title = "Bread"'),
        ("title = 'Joe's'", "the value of 'title' is in quotes and has the same quote inside too, which ends the text early; write it as:\n    title = \"Joe's\""),
    ],
)
def test_unquoted_toml_text_gets_the_fixed_line(tmp_path, line, expected):
    text = BASE_CONFIG.replace('title = "Test Bakery"', line)
    assert problems_for(tmp_path, text) == [f"sitegen.toml:1: {expected}"]


def test_a_bare_word_gets_quotes_but_numbers_and_lists_are_left_to_toml(tmp_path):
    assert problems_for(tmp_path, BASE_CONFIG.replace('title = "Test Bakery"', "title = bakery")) == [
        "sitegen.toml:1: the value of 'title' is text, which TOML needs in quotes; write it as:\n    title = \"bakery\""
    ]
    assert problems_for(tmp_path, BASE_CONFIG + "[pagination]\nposts = 1O\n")[0].startswith("sitegen.toml:11: invalid TOML: ")
