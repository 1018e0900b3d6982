"""Newsletter issues are content: content/newsletter/YYYY-MM-DD-slug.md builds to a web version, an
archive and feeds; its front matter is checked like a post's; `sitegen newsletter draft` writes
the next issue from what is new."""

from __future__ import annotations

import json

import feedparser
import pytest
from bs4 import BeautifulSoup

from sitegen import SitegenError, build

from .conftest import NOW, Rebuilds, post, run_cli, write_files

OFFER = """\
---
title: Bread club
price: 30
valid_from: 2026-06-01
valid_until: 2026-07-31
cta: {label: Join, url: "https://shop.example/bread"}
---
A loaf a week.
"""


def issue(title: str, date: str, items: list[str], topics: str = "[all]", body: str = "Hello from the bakery.", **fields) -> str:
    lines = [f"title: {title!r}", f"date: {date}", f"topics: {topics}", "items:", *(f"  - {item}" for item in items)]
    lines += [f"{key}: {value}" for key, value in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n" + body + "\n"


SITE = {
    "content/posts/2026-05-01-rye.md": post("Rye returns", "2026-05-01 08:00", "Dark rye is back.", tags="[rye, bread]"),
    "content/posts/2026-06-10-buns.md": post("Cardamom buns", "2026-06-10 08:00", "Twisted and glazed.", tags="[pastry]", categories="[Recipes]"),
    "content/offers/bread-club.md": OFFER,
    "content/newsletter/2026-05-02-may.md": issue("News for May", "2026-05-02 09:00", ["posts/2026-05-01-rye.md"], preheader="'Rye is back'"),
    "content/newsletter/2026-06-11-june.md": issue(
        "News for June", "2026-06-11 09:00", ["posts/2026-06-10-buns.md", "offers/bread-club.md"], topics="[pastry, offers]",
        body="Buns, and a [club](../offers/bread-club.md).",
    ),
}


def soup(path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_an_issue_builds_its_web_version_the_archive_and_feeds(make_site, w3c_feed_validator):
    root = make_site(SITE)
    result = build(root, now=NOW)
    assert [i.slug for i in result.site.newsletters] == ["june", "may"]  # newest first
    june = soup(root / "output/newsletter/june/index.html")
    assert june.h1.get_text() == "News for June"
    text = june.get_text(" ", strip=True)
    assert "Buns, and a club" in text
    assert june.find("a", string="club")["href"] == "/offers/bread-club/"  # the intro's links resolve like a post's
    card_links = [a["href"] for a in june.select(".card-title a")]
    assert card_links == ["/posts/buns/", "/offers/bread-club/"]  # the items, in order
    archive = soup(root / "output/newsletter/index.html")
    assert [a["href"] for a in archive.select(".issue-list a")] == ["/newsletter/june/", "/newsletter/may/"]
    assert "Rye is back" in archive.get_text()

    atom = feedparser.parse((root / "output/newsletter/atom.xml").read_bytes())
    assert [e.title for e in atom.entries] == ["News for June", "News for May"]
    assert atom.entries[0].link == "https://bakery.test/newsletter/june/"
    assert "https://bakery.test/posts/buns/" in atom.entries[0].content[0].value  # the items, linked absolutely
    assert atom.entries[1].summary == "Rye is back"  # the preheader
    rss = feedparser.parse((root / "output/newsletter/rss.xml").read_bytes())
    assert [e.title for e in rss.entries] == ["News for June", "News for May"]
    feed = json.loads((root / "output/newsletter/feed.json").read_text())
    assert [i["url"] for i in feed["items"]] == ["https://bakery.test/newsletter/june/", "https://bakery.test/newsletter/may/"]
    found = w3c_feed_validator(root / "output/newsletter", "https://bakery.test/newsletter")
    assert {name: f["errors"] for name, f in found.items()} == {"atom.xml": [], "rss.xml": []}
    subscribe = soup(root / "output/subscribe/index.html")
    assert subscribe.find(id="issues") is not None  # the channel is on the Subscribe page


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {"content/newsletter/2026-06-11-june.md": issue("June", "2026-06-11", ["posts/2026-06-10-bunz.md"])},
            ["content/newsletter/2026-06-11-june.md:6: items: 'posts/2026-06-10-bunz.md' is not a content file (did you mean 'posts/2026-06-10-buns.md'?)"],
        ),
        (
            {"content/newsletter/2026-06-11-june.md": issue("June", "2026-06-11", [], topics="[pastri]")},
            ["content/newsletter/2026-06-11-june.md:4: topics: 'pastri' is not a topic anyone can subscribe to (did you mean 'pastry'?)"],
        ),
        (
            {"content/newsletter/2026-06-11-june.md": issue("June", "2026-06-11", [], topics="[weather]")},
            ["content/newsletter/2026-06-11-june.md:4: topics: 'weather' is not a topic anyone can subscribe to (expected one of: all, offers, bread, pastry, rye, recipes)"],
        ),
        (
            {
                "content/posts/2026-06-12-secret.md": post("Secret", "2026-06-12", draft="true"),
                "content/newsletter/2026-06-13-june.md": issue("June", "2026-06-13", ["posts/2026-06-12-secret.md"]),
            },
            ["content/newsletter/2026-06-13-june.md:6: items: 'posts/2026-06-12-secret.md' is not built (a draft), so this issue cannot carry it"],
        ),
        (
            {"content/newsletter/2026-06-11-june.md": issue("June", "2026-06-11", [], subject="'Hi'")},
            ["content/newsletter/2026-06-11-june.md:6: unknown field 'subject' (put your own fields under 'extra:')"],
        ),
    ],
    ids=["missing item", "misspelt topic", "unknown topic", "draft item", "unknown key"],
)
def test_bad_front_matter_names_the_file_line_and_what_was_expected(make_site, files, expected):
    base = {k: v for k, v in SITE.items() if not k.startswith("content/newsletter/")}
    root = make_site({**base, **files})
    with pytest.raises(SitegenError) as error:
        build(root, now=NOW)
    assert [str(p) for p in error.value.problems] == expected
    assert not (root / "output").exists()


def test_an_issue_changes_with_what_it_carries(make_site, tmp_path):
    root = make_site(SITE)
    rebuild = Rebuilds()
    rebuild(root, now=NOW)
    path = root / "content/posts/2026-06-10-buns.md"
    path.write_text(path.read_text().replace("Cardamom buns", "Cardamom knots"))
    result = rebuild(root, now=NOW)
    assert "newsletter/june/index.html" in result.rendered
    assert "Cardamom knots" in (root / "output/newsletter/june/index.html").read_text()
    clean = build(root, tmp_path / "clean", now=NOW)
    assert (root / "output/newsletter/june/index.html").read_bytes() == (clean.output_dir / "newsletter/june/index.html").read_bytes()


def test_draft_writes_the_next_issue_from_what_is_new(make_site):
    root = make_site(SITE)
    write_files(root, {"content/posts/2026-06-14-cake.md": post("Plum cake", "2026-06-14 08:00", "Plums!", tags="[pastry]")})
    result = run_cli("newsletter", "draft", "--source", str(root), "--now", NOW.isoformat(), check=True)
    path = root / result.stdout.strip()
    assert path.parent == root / "content/newsletter" and path.name == "2026-06-15-plum-cake.md"
    text = path.read_text()
    assert "items:\n- posts/2026-06-14-cake.md\n" in text  # new since June's issue; the offer was carried already
    assert "draft: true" in text
    build(root, now=NOW)  # the draft is valid, and left out until it is ready
    assert not (root / "output/newsletter/plum-cake").exists()
    again = run_cli("newsletter", "draft", "--source", str(root), "--now", NOW.isoformat(), check=True)
    assert again.stdout.startswith("nothing new since the last issue (2026-06-15)")
    assert sorted(p.name for p in (root / "content/newsletter").iterdir()) == ["2026-05-02-may.md", "2026-06-11-june.md", "2026-06-15-plum-cake.md"]


def test_draft_since_a_date_carries_everything_after_it(make_site):
    root = make_site({k: v for k, v in SITE.items() if not k.startswith("content/newsletter/")})
    result = run_cli("newsletter", "draft", "--source", str(root), "--now", NOW.isoformat(), "--since", "2026-05-15", check=True)
    text = (root / result.stdout.strip()).read_text()
    assert "items:\n- posts/2026-06-10-buns.md\n- offers/bread-club.md\n" in text


def test_with_an_own_list_the_web_version_ends_with_a_sign_up_form_for_its_topics(make_site):
    root = make_site(SITE, extra_config='\n[subscribers]\nurl = "https://subscribe.bakery.test"\n')
    build(root, now=NOW)
    form = soup(root / "output/newsletter/june/index.html").select_one("aside.signup form")
    assert form["action"] == "https://subscribe.bakery.test/subscribe"
    assert [i["value"] for i in form.select('input[name="topics"]')] == ["pastry", "offers"]
    assert form.select_one('input[name="source"]')["value"] == "https://bakery.test/newsletter/june/"


def test_short_links_lead_to_the_items_of_issues_and_to_listed_offers(make_site):
    from sitegen.redirects import short_code

    root = make_site(SITE)
    result = build(root, now=NOW)
    by_path = {item.source_path: item for item in (*result.site.posts, *result.site.offers)}
    carried = ["content/posts/2026-05-01-rye.md", "content/posts/2026-06-10-buns.md", "content/offers/bread-club.md"]
    codes = {path: short_code(by_path[path]) for path in carried}
    assert len(set(codes.values())) == 3 and all(len(code) == 6 for code in codes.values())
    for path, code in codes.items():
        page = soup(root / f"output/go/{code}/index.html")
        target = f"{by_path[path].url}?utm_source=sms&utm_medium=text&utm_campaign={by_path[path].slug}"
        assert page.find("meta", attrs={"http-equiv": "refresh"})["content"] == f"0; url={target}"
        assert page.find("link", rel="canonical")["href"] == by_path[path].permalink
        assert f"/go/{code}/  {target}  301" in (root / "output/_redirects").read_text()
    # the code stays while the file keeps its name, whatever its title becomes
    path = root / "content/posts/2026-06-10-buns.md"
    path.write_text(path.read_text().replace("Cardamom buns", "Cardamom knots"))
    build(root, now=NOW)
    assert (root / f"output/go/{codes['content/posts/2026-06-10-buns.md']}/index.html").is_file()


def test_texts_prints_a_message_of_at_most_160_characters_per_item(make_site):
    long_title = "A very long title about our cardamom buns, twisted by hand at four in the morning, glazed, and sold out by nine on most Saturdays of the year"
    root = make_site({**SITE, "content/posts/2026-06-10-buns.md": post(long_title, "2026-06-10 08:00", "Buns.", tags="[pastry]")})
    result = run_cli("newsletter", "texts", "june", "--source", str(root), "--now", NOW.isoformat(), check=True)
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2 and all(len(line) <= 160 for line in lines)
    assert lines[0].startswith("Test Bakery: A very long title") and "..." in lines[0]
    assert lines[1].startswith("Test Bakery: Bread club - $30.00 https://bakery.test/go/")
    assert all(line.rsplit(" ", 1)[1].startswith("https://bakery.test/go/") for line in lines)
