"""Settings: validation names the key, what was found and what was expected."""

from __future__ import annotations

import datetime as dt
import hashlib
import tomllib

import pytest

from sitegen.config import load_config
from sitegen.errors import SitegenError
from sitegen.scaffold import write_scaffold

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


# --- the sign-up form, the subscriber list and sending ---------------------------------

PROVIDER = """
[subscribe]
pitch = "Fridays only."
button = "Get the letter"
[subscribe.provider]
action = "https://mail.example/subscribe"
name_field = "first_name"
hidden = { list = "weekly" }
"""

OWN_LIST = """
[subscribers]
url = "https://subscribe.bakery.test/"
[sending]
from = "Test Bakery <news@bakery.test>"
reply_to = "hello@bakery.test"
smtp_host = "smtp.mail.example"
smtp_user = "news@bakery.test"
dkim_selector = "news2026"
rate = 0.5
"""


def test_sign_up_form_settings_are_read(tmp_path):
    write_files(tmp_path, {"sitegen.toml": BASE_CONFIG + PROVIDER})
    subscribe = load_config(tmp_path).subscribe
    assert (subscribe.pitch, subscribe.button) == ("Fridays only.", "Get the letter")
    provider = subscribe.provider
    assert (provider.action, provider.method, provider.email_field, provider.name_field, provider.hidden) == (
        "https://mail.example/subscribe", "post", "email", "first_name", {"list": "weekly"}
    )
    write_files(tmp_path, {"sitegen.toml": BASE_CONFIG})
    config = load_config(tmp_path)
    assert (config.subscribe.provider, config.subscribers.url, config.subscribers.database) == (None, "", "private/subscribers.sqlite3")
    assert (config.sending.sender, config.sending.smtp_port, config.sending.rate) == ("", 587, 10)


def test_own_list_and_sending_settings_are_read(tmp_path):
    write_files(tmp_path, {"sitegen.toml": BASE_CONFIG + OWN_LIST})
    config = load_config(tmp_path)
    assert (config.subscribers.url, config.subscribers.database) == ("https://subscribe.bakery.test", "private/subscribers.sqlite3")
    sending = config.sending
    assert (sending.sender, sending.reply_to, sending.smtp_host, sending.smtp_port, sending.smtp_user, sending.dkim_selector, sending.rate) == (
        "Test Bakery <news@bakery.test>", "hello@bakery.test", "smtp.mail.example", 587, "news@bakery.test", "news2026", 0.5
    )


def test_consent_sentence_defaults_to_the_business_and_has_a_version_of_its_text(tmp_path):
    write_files(tmp_path, {"sitegen.toml": BASE_CONFIG})
    subscribe = load_config(tmp_path).subscribe
    assert subscribe.consent == "I agree to receive emails from Test Bakery. Unsubscribe at any time."
    assert subscribe.consent_version == hashlib.sha256(subscribe.consent.encode()).hexdigest()[:8]
    write_files(tmp_path, {"sitegen.toml": BASE_CONFIG + '[business]\nname = "Crumb & Co."\n'})
    assert load_config(tmp_path).subscribe.consent == "I agree to receive emails from Crumb & Co. Unsubscribe at any time."
    # written over two lines, it reads as a page shows it; its version changes with its words
    write_files(tmp_path, {"sitegen.toml": BASE_CONFIG + '[subscribe]\nconsent = """Yes, send me\n  the Friday letter. """\n'})
    written = load_config(tmp_path).subscribe
    assert written.consent == "Yes, send me the Friday letter."
    assert written.consent_version == hashlib.sha256(b"Yes, send me the Friday letter.").hexdigest()[:8] != subscribe.consent_version


@pytest.mark.parametrize("written", ['""', '" \\n "'])
def test_an_empty_consent_sentence_is_an_error_naming_the_key(tmp_path, written):
    problems = problems_for(tmp_path, BASE_CONFIG + f"[subscribe]\nconsent = {written}\n")
    assert problems == [
        "sitegen.toml: subscribe.consent: expected the sentence people agree to by signing up, such as "
        f"'I agree to receive emails from Example Bakery. Unsubscribe at any time.', got {tomllib.loads('x = ' + written)['x']!r}"
    ]


def test_old_newsletter_keys_name_their_new_place(tmp_path):
    old = (
        '[newsletter]\naction = "https://mail.example/subscribe"\nmethod = "get"\nemail_field = "EMAIL"\n'
        'name_field = "FNAME"\nhidden = { u = "abc", "list id" = "7" }\nbutton = "Join"\npitch = "Weekly news."\n'
    )
    problems = problems_for(tmp_path, BASE_CONFIG + old + "[pagination]\nposts = 'ten'\n")
    assert problems == [
        "sitegen.toml: newsletter: the [newsletter] table is now [subscribe] (the form's words) and [subscribe.provider] "
        "(a provider's form); write it as:\n"
        '    [subscribe]\n    button = "Join"\n    pitch = "Weekly news."\n\n'
        '    [subscribe.provider]\n    action = "https://mail.example/subscribe"\n    method = "get"\n    email_field = "EMAIL"\n'
        '    name_field = "FNAME"\n    hidden = { u = "abc", "list id" = "7" }',
        "sitegen.toml: newsletter.action: moved to subscribe.provider.action",
        "sitegen.toml: newsletter.button: moved to subscribe.button",
        "sitegen.toml: newsletter.email_field: moved to subscribe.provider.email_field",
        "sitegen.toml: newsletter.hidden: moved to subscribe.provider.hidden",
        "sitegen.toml: newsletter.method: moved to subscribe.provider.method",
        "sitegen.toml: newsletter.name_field: moved to subscribe.provider.name_field",
        "sitegen.toml: newsletter.pitch: moved to subscribe.pitch",
        "sitegen.toml: pagination.posts: expected a whole number, got 'ten'",  # the rest is checked in the same run
    ]


def test_the_rewritten_newsletter_table_builds_as_it_did(tmp_path):
    old = '[newsletter]\naction = "https://mail.example/subscribe"\nhidden = { list = "weekly" }\npitch = "Weekly \\"news\\"."\n'
    problem = problems_for(tmp_path, BASE_CONFIG + old)[0]
    rewritten = "\n".join(line.removeprefix("    ") for line in problem.split("\n")[1:])
    write_files(tmp_path, {"sitegen.toml": BASE_CONFIG + rewritten + "\n"})
    subscribe = load_config(tmp_path).subscribe
    assert (subscribe.pitch, subscribe.provider.action, subscribe.provider.hidden) == ('Weekly "news".', "https://mail.example/subscribe", {"list": "weekly"})


def test_old_newsletter_table_beside_the_new_one_gets_no_rewrite(tmp_path):
    problems = problems_for(tmp_path, BASE_CONFIG + PROVIDER + '[newsletter]\nbutton = "Join"\nactoin = "x"\n')
    assert problems == [
        "sitegen.toml: newsletter.actoin: unknown key 'actoin' (the [newsletter] table is now [subscribe] (the form's words) "
        "and [subscribe.provider] (a provider's form))",
        "sitegen.toml: newsletter.button: moved to subscribe.button",
    ]


@pytest.mark.parametrize("url", ["https://subscribe.bakery.test", "https://bakery.test/subscribers", "http://127.0.0.1:8001", "http://localhost:8001/"])
def test_subscriber_service_urls_that_are_fine(tmp_path, url):
    write_files(tmp_path, {"sitegen.toml": BASE_CONFIG + f'[subscribers]\nurl = "{url}"\n'})
    assert load_config(tmp_path).subscribers.url == url.rstrip("/")


@pytest.mark.parametrize(
    ("url", "hint"),
    [
        ("http://subscribe.bakery.test", " (did you mean 'https://subscribe.bakery.test'?)"),
        ("subscribe.bakery.test", " (did you mean 'https://subscribe.bakery.test'?)"),
        ("ftp://subscribe.bakery.test", ""),
        ("https://", ""),
    ],
)
def test_subscriber_service_must_be_https(tmp_path, url, hint):
    assert problems_for(tmp_path, BASE_CONFIG + f'[subscribers]\nurl = "{url}"\n') == [
        "sitegen.toml: subscribers.url: expected an https:// address (visitors' email addresses travel to it), "
        f"or http:// on 127.0.0.1 or localhost to try it out, got '{url}'{hint}"
    ]


def test_subscriber_list_is_never_published(tmp_path):
    assert problems_for(tmp_path, BASE_CONFIG + '[subscribers]\ndatabase = "./output/subscribers.sqlite3"\n') == [
        "sitegen.toml: subscribers.database: './output/subscribers.sqlite3' is under output/, which is published: "
        "keep the subscriber list private, as in 'private/subscribers.sqlite3'"
    ]


def test_one_list_a_provider_s_or_our_own(tmp_path):
    assert problems_for(tmp_path, BASE_CONFIG + PROVIDER + OWN_LIST) == [
        "sitegen.toml: the sign-up form can send people to your own list ([subscribers] url) or to a provider's "
        "([subscribe.provider]), not both: remove one"
    ]


def test_secrets_belong_in_the_environment(tmp_path):
    text = BASE_CONFIG + '[sending]\nsmtp_password = "hunter2"\ndkim_key = "-----BEGIN"\n[subscribers]\ntoken = "t"\n[mail]\npassword = "p"\n'
    environment = "secrets never go in sitegen.toml, which is shared and often kept in git; sitegen reads them from the environment: set "
    password = "SITEGEN_SMTP_PASSWORD (the mail server's password, for sending.smtp_user)"
    key = "SITEGEN_DKIM_KEY (the DKIM private key that signs each message, as PEM text)"
    assert problems_for(tmp_path, text) == [
        "sitegen.toml: mail: unknown key 'mail' (expected one of: authors, base_url, business, description, feeds, image, language, "
        "navigation, now, pagination, permalinks, podcast, publish, sending, social, subscribe, subscribers, tagline, theme, timezone, title, websub_hub)",
        f"sitegen.toml: mail.password: {environment}{password}",
        f"sitegen.toml: sending.dkim_key: {environment}{key}",
        f"sitegen.toml: sending.smtp_password: {environment}{password}",
        f"sitegen.toml: subscribers.token: {environment}{password} or {key}",
    ]


def test_a_provider_s_hidden_inputs_are_public_not_secrets(tmp_path):
    write_files(tmp_path, {"sitegen.toml": BASE_CONFIG + PROVIDER.replace('{ list = "weekly" }', '{ token = "public-form-id" }')})
    assert load_config(tmp_path).subscribe.provider.hidden == {"token": "public-form-id"}


def test_sending_settings_are_checked(tmp_path):
    text = BASE_CONFIG + '[sending]\nfrom = "Test Bakery"\nreply_to = "hello at bakery.test"\ndkim_selector = "news_2026"\nrate = 0\nsmtp_port = 70000\nfrm = "x"\n'
    assert problems_for(tmp_path, text) == [
        "sitegen.toml: sending.dkim_selector: expected a DNS name like 'sitegen' or 'news2026' (letters, digits and hyphens), got 'news_2026'",
        "sitegen.toml: sending.frm: unknown key 'frm' (did you mean 'from'?)",
        "sitegen.toml: sending.from: expected an email address, alone or with a name (\"Crumb & Co. <news@example.com>\"), got 'Test Bakery'",
        "sitegen.toml: sending.rate: expected a value greater than 0, got 0",
        "sitegen.toml: sending.reply_to: expected an email address, alone or with a name (\"Crumb & Co. <news@example.com>\"), got 'hello at bakery.test'",
        "sitegen.toml: sending.smtp_port: expected a value less than or equal to 65535, got 70000",
    ]


def uncomment(text: str, table: str) -> str:
    """text with a commented-out table written in: its "# [table]" line and the "# key = ..." lines after it."""
    lines = text.split("\n")
    start = lines.index(f"# [{table}]")
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith("# ") or lines[i].startswith("# [")), len(lines))
    return "\n".join(lines[:start] + [line.removeprefix("# ") for line in lines[start:end]] + lines[end:])


def test_the_scaffold_s_email_settings_load_when_uncommented(tmp_path):
    write_scaffold(tmp_path, title="Corner Shop", today=dt.date(2026, 6, 15))
    text = (tmp_path / "sitegen.toml").read_text(encoding="utf-8")
    config = load_config(tmp_path)
    assert (config.subscribe.pitch, config.subscribe.button, config.subscribe.provider) == (
        "One email when there's something new. No spam; unsubscribe in one click.", "Subscribe", None
    )
    write_files(tmp_path, {"sitegen.toml": uncomment(text, "subscribe.provider")})
    assert load_config(tmp_path).subscribe.provider.hidden == {"list": "your-list-id"}
    write_files(tmp_path, {"sitegen.toml": uncomment(uncomment(text, "subscribers"), "sending")})
    config = load_config(tmp_path)
    assert (config.subscribers.url, config.sending.sender, config.sending.dkim_selector) == (
        "https://subscribe.example.com", "Corner Shop <news@example.com>", "sitegen"
    )
