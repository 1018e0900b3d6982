"""Bad input: every problem named with file, line or field; exit 1; the previous output untouched."""

from __future__ import annotations

import re

import pytest
import yaml

from sitegen.frontmatter import parse_yaml
from sitegen.errors import SitegenError

from .conftest import post, run_cli, snapshot, write_files

GOOD = {
    "content/posts/2026-01-01-good.md": post("Good post", "2026-01-01 09:00", "Fine. See [about](../pages/about.md)."),
    "content/pages/about.md": "---\ntitle: About\n---\nAbout us.\n",
}

CASES = {
    "invalid yaml": (
        {"content/posts/2026-02-01-bad.md": "---\ntitle: Bad\ndate: 2026-02-01\ntags: [a, b\n---\nx\n"},
        "error: content/posts/2026-02-01-bad.md:5: invalid YAML in front matter: expected ',' or ']', but got '<stream end>'",
    ),
    "yaml colon in value": (
        {"content/posts/2026-03-01-x.md": "---\ntitle: Bread: a love story\ndate: 2026-03-01\n---\nx\n"},
        "error: content/posts/2026-03-01-x.md:2: the value of 'title' contains ': ', which YAML reads as a new key. "
        'Put the value in quotes:\n    title: "Bread: a love story"\n',
    ),
    "yaml tab": (
        {"content/posts/2026-03-01-x.md": "---\ntitle: X\ndate: 2026-03-01\ntags:\n\t- bread\n---\nx\n"},
        "error: content/posts/2026-03-01-x.md:5: a tab is used for indenting; YAML needs spaces. Replace the tab with spaces.\n",
    ),
    "yaml quote not closing": (
        {"content/posts/2026-03-01-x.md": '---\ntitle: X\nsummary: "Best" loaf in town\ndate: 2026-03-01\n---\nx\n'},
        "error: content/posts/2026-03-01-x.md:3: the value of 'summary' starts with a quote but does not end with one. "
        "Quote the whole value:\n    summary: '\"Best\" loaf in town'\n",
    ),
    "time zone abbreviation in a date": (
        {"content/posts/2026-02-01-bad.md": post("Bad", "2026-02-01 09:00 EST")},
        "error: content/posts/2026-02-01-bad.md:3: date: the time zone abbreviation 'EST' in '2026-02-01 09:00 EST' is not understood: "
        "write the offset instead ('2026-02-01 09:00-05:00') or leave it out; a date without one is in the site's time zone "
        "(timezone in sitegen.toml, such as 'America/New_York')\n",
    ),
    "time zone abbreviation in settings": (
        {"sitegen.toml": 'timezone = "EST"\n'},
        "error: sitegen.toml: timezone: time zone 'EST' is an abbreviation, not a place (it stays at UTC-05:00 all year, "
        "with no daylight saving time); write the IANA name of your place, such as 'America/New_York'\n",
    ),
    "offer cta without https": (
        {"content/offers/cakes.md": "---\ntitle: Cakes\ncta:\n  label: Buy\n  url: shop.example.com/cakes\n---\nx\n"},
        "error: content/offers/cakes.md:3: cta.url: expected an https:// address (customers' order and payment links must be secure), "
        "or a mailto: or tel: link, got 'shop.example.com/cakes' (did you mean 'https://shop.example.com/cakes'?)\n",
    ),
    "offer cta over http": (
        {"content/offers/cakes.md": "---\ntitle: Cakes\ncta: {label: Buy, url: 'http://shop.example.com/cakes'}\n---\nx\n"},
        "error: content/offers/cakes.md:3: cta.url: expected an https:// address (customers' order and payment links must be secure), "
        "or a mailto: or tel: link, got 'http://shop.example.com/cakes' (did you mean 'https://shop.example.com/cakes'?)\n",
    ),
    "missing image": (
        {"content/posts/2026-02-01-bad.md": post("Bad", "2026-02-01", "Fresh bread.\n\n![the loaf](/static/missing.jpg)")},
        "error: content/posts/2026-02-01-bad.md:7: image '/static/missing.jpg' is not a file of the site "
        "(a file in content/static/ is at /static/<its path there>)\n",
    ),
    "link to no page": (
        {
            "content/pages/our-menu.md": "---\ntitle: Our menu\n---\nBread.\n",
            "content/posts/2026-02-01-bad.md": post("Bad", "2026-02-01", "See\n\nthe [menu](/menu/)."),
        },
        "error: content/posts/2026-02-01-bad.md:7: link to '/menu/' has no target: no page, feed or file of the site has that URL "
        "(did you mean '/our-menu/'?)\n",
    ),
    "missing front matter image": (
        {"content/static/loaf.jpg": b"jpeg", "content/posts/2026-02-01-bad.md": post("Bad", "2026-02-01", image="/static/loaf.jpeg")},
        "error: content/posts/2026-02-01-bad.md:4: image: '/static/loaf.jpeg' is not a file of the site (did you mean '/static/loaf.jpg'?)\n",
    ),
    "bad date": (
        {"content/posts/2026-02-01-bad.md": post("Bad", "2026-02-30 09:00")},
        "error: content/posts/2026-02-01-bad.md:3: date: expected a date like YYYY-MM-DD, YYYY-MM-DD HH:MM or "
        "YYYY-MM-DDTHH:MM:SS+01:00, got '2026-02-30 09:00'",
    ),
    "missing title": (
        {"content/posts/2026-02-01-bad.md": "---\ndate: 2026-02-01\n---\nx\n"},
        "error: content/posts/2026-02-01-bad.md:1: title: required, but missing",
    ),
    "unknown field": (
        {"content/posts/2026-02-01-bad.md": "---\ntitle: Bad\ndate: 2026-02-01\ntgas: [a]\n---\nx\n"},
        "error: content/posts/2026-02-01-bad.md:4: unknown field 'tgas' (did you mean 'tags'?)",
    ),
    "not utf-8": (
        {"content/posts/2026-02-01-bad.md": b"---\ntitle: Bad\ndate: 2026-02-01\n---\nCaf\xe9 au lait\n"},
        "error: content/posts/2026-02-01-bad.md:5: not valid UTF-8 (byte 0xe9); save the file as UTF-8",
    ),
    "slug escapes": (
        {"content/pages/evil.md": "---\ntitle: Evil\nslug: ../../etc\n---\nx\n"},
        "error: content/pages/evil.md:3: slug: slug '../../etc' is not a single URL path segment",
    ),
    "absolute slug": (
        {"content/pages/evil.md": "---\ntitle: Evil\nslug: /tmp/x\n---\nx\n"},
        "error: content/pages/evil.md:3: slug: slug '/tmp/x' is not a single URL path segment",
    ),
    "two items one url": (
        {"content/pages/about-us.md": "---\ntitle: About us\nslug: about\n---\nx\n"},
        "error: content/pages/about.md: its URL /about/ is already taken by content/pages/about-us.md (give one of them another 'slug')",
    ),
    "missing link target": (
        {"content/posts/2026-02-01-bad.md": post("Bad", "2026-02-01", "Read\n\nthe [about page](../pages/abot.md).")},
        "error: content/posts/2026-02-01-bad.md:7: link to 'pages/abot.md' has no target (did you mean 'pages/about.md'?)",
    ),
    "no front matter": (
        {"content/pages/plain.md": "# Just markdown\n"},
        "error: content/pages/plain.md:1: expected front matter between '---' lines at the top of the file (at least a title)",
    ),
    "offer dates reversed": (
        {
            "content/offers/spring.md": "---\ntitle: Spring\ncta: {label: Buy, url: 'https://x.test'}\n"
            "valid_from: 2026-04-01\nvalid_until: 2026-03-01\n---\nx\n"
        },
        "error: content/offers/spring.md:1: valid_until 2026-03-01 23:59 is before valid_from 2026-04-01 00:00",
    ),
    "post promotes unknown offer": (
        {"content/posts/2026-02-01-bad.md": post("Bad", "2026-02-01", offer="sprnig")},
        "error: content/posts/2026-02-01-bad.md:4: offer: no offer has the slug 'sprnig'",
    ),
    "bad setting": (
        {"sitegen.toml": '[pagination]\nposts = "ten"\n'},
        "error: sitegen.toml: pagination.posts: expected a whole number, got 'ten'",
    ),
    "bad opening day": (
        {"sitegen.toml": '[[business.hours]]\ndays = ["mon", "tusday"]\nopens = "07:00"\ncloses = "15:00"\n'},
        "error: sitegen.toml: business.hours[0].days: 'tusday' is not a day (expected mon, tue, … sun or Monday … Sunday, or a range like 'tue-fri')",
    ),
    "bad closing time": (
        {"sitegen.toml": '[[business.hours]]\ndays = "tue-fri"\nopens = "07:00"\ncloses = "25:00"\n'},
        "error: sitegen.toml: business.hours[0].closes: '25:00' is not a time of day (expected HH:MM, 00:00–24:00)",
    ),
    "newsletter settings in their old place": (
        {"sitegen.toml": '[newsletter]\naction = "https://mail.example/subscribe"\nbutton = "Join"\n'},
        "error: sitegen.toml: newsletter: the [newsletter] table is now [subscribe] (the form's words) and [subscribe.provider] "
        '(a provider\'s form); write it as:\n    [subscribe]\n    button = "Join"\n\n    [subscribe.provider]\n'
        '    action = "https://mail.example/subscribe"\n'
        "error: sitegen.toml: newsletter.action: moved to subscribe.provider.action\n"
        "error: sitegen.toml: newsletter.button: moved to subscribe.button\n",
    ),
    "a password in settings": (
        {"sitegen.toml": '[sending]\nsmtp_user = "news@bakery.test"\nsmtp_password = "hunter2"\n'},
        "error: sitegen.toml: sending.smtp_password: secrets never go in sitegen.toml, which is shared and often kept in git; "
        "sitegen reads them from the environment: set SITEGEN_SMTP_PASSWORD (the mail server's password, for sending.smtp_user)\n",
    ),
    "empty consent sentence": (
        {"sitegen.toml": '[subscribe]\nconsent = ""\n'},
        "error: sitegen.toml: subscribe.consent: expected the sentence people agree to by signing up, such as "
        "'I agree to receive emails from Example Bakery. Unsubscribe at any time.', got ''\n",
    ),
    "subscriber service over http": (
        {"sitegen.toml": '[subscribers]\nurl = "http://subscribe.bakery.test"\n'},
        "error: sitegen.toml: subscribers.url: expected an https:// address (visitors' email addresses travel to it), or http:// "
        "on 127.0.0.1 or localhost to try it out, got 'http://subscribe.bakery.test' (did you mean 'https://subscribe.bakery.test'?)\n",
    ),
}


@pytest.fixture
def built_site(make_site):
    root = make_site(GOOD)
    run_cli("build", "--source", str(root), check=True)
    return root


@pytest.mark.slow  # real `sitegen` runs, one per case
@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_reported_and_output_untouched(built_site, case):
    files, expected = CASES[case]
    if "sitegen.toml" in files:
        settings = (built_site / "sitegen.toml").read_text()
        if files["sitegen.toml"].startswith("["):  # a table: added at the end
            files = {"sitegen.toml": settings + files["sitegen.toml"]}
        else:  # a top-level key: replaces the settings' own line of that key
            key = files["sitegen.toml"].split("=", 1)[0].strip()
            files = {"sitegen.toml": re.sub(rf"^{key} =.*\n", lambda _: files["sitegen.toml"], settings, count=1, flags=re.M)}
    before = snapshot(built_site / "output")
    write_files(built_site, files)

    result = run_cli("build", "--source", str(built_site))

    assert result.returncode == 1, result.stderr
    assert expected in result.stderr, result.stderr
    assert result.stderr.rstrip().endswith("nothing was written.")
    assert snapshot(built_site / "output") == before


@pytest.mark.slow  # real `sitegen` runs
def test_every_problem_is_reported_in_one_run(built_site):
    files = {}
    for case in ("bad date", "unknown field", "not utf-8", "slug escapes", "missing link target"):
        for path, text in CASES[case][0].items():
            files[path.replace("bad.md", f"bad-{case.replace(' ', '-')}.md")] = text
    write_files(built_site, files)

    result = run_cli("build", "--source", str(built_site))

    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 5, result.stderr
    assert result.stderr.rstrip().endswith("5 errors; nothing was written.")


def test_yaml_mistakes_are_all_named_with_checked_fixes():
    front = "title: 'Joe's bakery'\nsummary: Rye: our take # the best\ntags: [a, b\n"

    with pytest.raises(SitegenError) as raised:
        parse_yaml(front, "content/posts/x.md")

    assert [str(p) for p in raised.value.problems] == [
        "content/posts/x.md:2: the value of 'title' is in single quotes and has an apostrophe inside too, "
        "which ends the value early. Write it as:\n    title: \"Joe's bakery\"",
        "content/posts/x.md:3: the value of 'summary' contains ': ', which YAML reads as a new key. "
        'Put the value in quotes:\n    summary: "Rye: our take" # the best',
        "content/posts/x.md:5: invalid YAML in front matter: expected ',' or ']', but got '<stream end>'",
    ]
    assert yaml.safe_load("title: \"Joe's bakery\"\nsummary: \"Rye: our take\" # the best") == {"title": "Joe's bakery", "summary": "Rye: our take"}


def test_a_value_going_on_to_the_next_line_gets_no_fix():
    with pytest.raises(SitegenError) as raised:
        parse_yaml("title: Bread: a\n  love story\n", "content/posts/x.md")

    assert [str(p) for p in raised.value.problems] == ["content/posts/x.md:2: invalid YAML in front matter: mapping values are not allowed here"]


def test_an_offer_may_call_or_mail_to_order(make_site):
    root = make_site({
        "content/offers/call.md": "---\ntitle: Call\ncta: {label: Call to order, url: 'tel:+15550142'}\n---\nx\n",
        "content/offers/mail.md": "---\ntitle: Mail\ncta: {label: Write to order, url: 'mailto:orders@bakery.test'}\n---\nx\n",
    })

    run_cli("build", "--source", str(root), check=True)

    assert 'href="tel:+15550142"' in (root / "output/offers/call/index.html").read_text()


PODCAST = '\n[podcast]\nauthor = "Ann"\nimage = "/static/cover.png"\ncategory = "Arts"\nowner_email = "pod@bakery.test"\n'


def test_missing_audio_file_names_the_line(make_site):
    episode = post("Episode", "2026-02-01", audio="{url: /static/ep1.mp3, length: 3, duration: '00:00:03'}")
    root = make_site({"content/static/cover.png": b"png", "content/static/ep01.mp3": b"mp3", "content/posts/2026-02-01-ep.md": episode}, extra_config=PODCAST)

    result = run_cli("build", "--source", str(root))

    assert result.returncode == 1
    assert result.stderr == (
        "error: content/posts/2026-02-01-ep.md:4: audio.url: '/static/ep1.mp3' is not a file of the site (did you mean '/static/ep01.mp3'?)\n"
        "1 error; nothing was written.\n"
    )
    assert not (root / "output").exists()


def test_site_links_resolve_as_a_web_server_serves_them(make_site):
    body = (
        "[a](/our-menu/?from=post#bread) [b](/our-menu) [c](/our-menu/index.html) [d](/static/my%20photo.jpg) "
        "[e](/atom.xml) [f](/tags/rye/feed.json) [g](/archive/) [h](/subscribe/#podcast) [i](/static/css/style.css) [j](/)\n\n"
        '<img src="/static/my%20photo.jpg" alt=""> <a href="/offers/">offers</a> `<a href="/in-code/">`'
    )
    root = make_site({
        "content/pages/our-menu.md": "---\ntitle: Our menu\n---\nBread.\n",
        "content/static/my photo.jpg": b"jpeg",
        "content/posts/2026-02-01-ok.md": post("OK", "2026-02-01", body, tags="[rye]", image="static/my photo.jpg"),
    })

    run_cli("build", "--source", str(root), check=True)


def test_links_under_a_base_url_path_are_written_from_the_site_root(make_site):
    root = make_site(
        {"content/static/x.png": b"png", "content/posts/2026-02-01-a.md": post("A", "2026-02-01", "![ok](/static/x.png)\n\n![doubled](/shop/static/x.png)")},
    )

    result = run_cli("build", "--source", str(root), "--base-url", "https://bakery.test/shop")

    assert result.returncode == 1
    assert "error: content/posts/2026-02-01-a.md:7: image '/shop/static/x.png' is not a file of the site (did you mean '/static/x.png'?)\n" in result.stderr
    assert result.stderr.endswith("1 error; nothing was written.\n")


@pytest.mark.slow  # real `sitegen` runs
def test_broken_links_are_reported_by_every_build_cached_or_not(built_site):
    write_files(built_site, {"content/posts/2026-02-01-bad.md": post("Bad", "2026-02-01", "![x](/static/missing.jpg)")})

    first = run_cli("build", "--source", str(built_site))
    again = run_cli("build", "--source", str(built_site))  # the cache knows the file now
    clean = run_cli("build", "--source", str(built_site), "--no-cache")

    assert first.returncode == again.returncode == clean.returncode == 1
    assert "error: content/posts/2026-02-01-bad.md:5: image '/static/missing.jpg'" in first.stderr
    assert [first.stderr, again.stderr] == [clean.stderr, clean.stderr]


@pytest.mark.slow  # real `sitegen` runs
def test_broken_settings_urls_are_named_by_field(built_site):
    settings = (built_site / "sitegen.toml").read_text()
    write_files(built_site, {"sitegen.toml": 'image = "/static/card.png"\n' + settings + '\n[[navigation]]\ntitle = "Menu"\nurl = "/abut/"\n'})

    result = run_cli("build", "--source", str(built_site))

    assert result.returncode == 1
    assert result.stderr == (
        "error: sitegen.toml: image: '/static/card.png' is not a file of the site (a file in content/static/ is at /static/<its path there>)\n"
        "error: sitegen.toml: navigation[0].url: link to '/abut/' has no target: no page, feed or file of the site has that URL (did you mean '/about/'?)\n"
        "2 errors; nothing was written.\n"
    )


@pytest.mark.slow  # real `sitegen` runs
def test_a_draft_s_broken_link_waits_until_the_draft_is_built(make_site):
    root = make_site({"content/posts/2026-02-01-draft.md": post("Draft", "2026-02-01", "![x](/static/later.jpg)", draft="true")})

    run_cli("build", "--source", str(root), check=True)
    with_drafts = run_cli("build", "--source", str(root), "--drafts")

    assert with_drafts.returncode == 1
    assert "error: content/posts/2026-02-01-draft.md:6: image '/static/later.jpg' is not a file of the site" in with_drafts.stderr


@pytest.mark.slow  # real `sitegen` runs
def test_a_post_over_a_megabyte_builds_with_a_warning_every_time(built_site):
    paragraph = "Crumb, crust and a long ferment. " * 30 + "\n\n"
    write_files(built_site, {"content/posts/2026-02-01-long.md": post("Long", "2026-02-01", paragraph * 1100)})
    size = (built_site / "content/posts/2026-02-01-long.md").stat().st_size
    assert size > 1_000_000
    warning = (
        f"warning: content/posts/2026-02-01-long.md: {size / 1_000_000:.1f} MB of Markdown: its page, and its entry in every feed it is in, "
        "are as large; feed readers may cut or drop entries that big (split it into several posts, or set full_content = false under "
        "[feeds] to send summaries)\n"
    )

    first = run_cli("build", "--source", str(built_site))
    again = run_cli("build", "--source", str(built_site))  # nothing changed: all from the cache

    assert first.returncode == again.returncode == 0
    assert first.stderr == again.stderr == warning
    assert (built_site / "output/posts/long/index.html").is_file()
