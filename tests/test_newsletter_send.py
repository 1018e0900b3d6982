"""`sitegen newsletter preview` and `send`, against a real SMTP server (aiosmtpd) on 127.0.0.1: each
matching subscriber gets exactly one message and nobody else any; the message is a text and an HTML
part with absolute URLs and inlined CSS, RFC 8058 headers, and a DKIM signature that verifies; a rerun
sends nothing more; a draft cannot be sent."""

from __future__ import annotations

import base64
import datetime as dt
import re
import shutil
import sqlite3
import subprocess

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from sitegen.cli import cli
from sitegen.subscribers.database import open_store
from sitegen.subscribers.tokens import secret_id

from .conftest import post, write_files
from .subscribers_support import SECRET, make_subscriber_site, sink  # noqa: F401 - sink is a fixture

NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.timezone.utc)

ISSUE = """\
---
title: "Rye is back, and a bread club"
date: 2026-03-05 09:00
preheader: "Dark rye, and four loaves for three."
topics: [bread, offers]
items:
  - posts/2026-03-02-rye.md
  - offers/club.md
---
Hello from the bakery. Read [about our rye](../posts/2026-03-02-rye.md) first.
"""

OFFER = """\
---
title: Bread club
price: 27
was: 36
valid_until: 2026-12-31
image: /static/club.png
cta: {label: Join, url: "https://shop.example/club"}
---
Four loaves for the price of three.
"""

FILES = {
    "content/newsletter/2026-03-05-rye-club.md": ISSUE,
    "content/newsletter/2026-03-06-draft.md": ISSUE.replace("topics:", "draft: true\ntopics:").replace("Rye is back", "Not yet"),
    "content/offers/club.md": OFFER,
    "content/posts/2026-03-02-rye.md": post("Rye", tags="[Bread]", category="Recipes", image="/static/rye.png"),
    "content/static/rye.png": b"\x89PNG\r\n\x1a\n",
    "content/static/club.png": b"\x89PNG\r\n\x1a\n",
}

PEOPLE = {
    # address: (status, topics, paused), and whether the bread-and-offers issue goes to them
    "ann@example.com": ("confirmed", ["bread"], False, True),
    "bo@example.com": ("confirmed", ["all"], False, True),
    "cy@example.com": ("confirmed", ["cakes"], False, False),
    "dee@example.com": ("confirmed", ["offers", "news"], False, True),
    "eve@example.com": ("pending", ["bread"], False, False),
    "fay@example.com": ("confirmed", ["bread"], True, False),
    "gus@example.com": ("unsubscribed", ["bread"], False, False),
}


def add_people(site, people=PEOPLE) -> dict[str, int]:
    """The subscribers, straight into the list; their ids by address."""
    store = open_store(site / "private/subscribers.sqlite3", secret_id=secret_id(SECRET))
    ids = {}
    try:
        for address, (status, topics, paused, _) in people.items():
            added = store.add(email=address, email_key=address, name=address.split("@")[0].title(), topics=topics, now=NOW, source="cli",
                              confirmed_at=NOW if status != "pending" else None, evidence="test")
            ids[address] = added.id
            if status == "unsubscribed":
                store.connection.execute("UPDATE subscribers SET status = 'unsubscribed' WHERE id = ?", (added.id,))
            if paused:
                store.set_paused(added, True, NOW)
    finally:
        store.close()
    return ids


@pytest.fixture
def site(tmp_path):
    root = make_subscriber_site(tmp_path / "site", '\nfull_text = false\nunsubscribe_email = "leave@bakery.test"\n')
    write_files(root, FILES)
    return root


def sitegen(site, sink, *args: str, env: dict | None = None):
    return CliRunner().invoke(cli, ["newsletter", *args, "--source", str(site)],
                              env={"SITEGEN_SECRET": SECRET.decode(), "SITEGEN_SMTP_URL": sink.url, **(env or {})})


def ledger(site) -> dict[str, int]:
    with sqlite3.connect(site / "private/subscribers.sqlite3") as connection:
        return dict(connection.execute("SELECT state, count(*) FROM deliveries GROUP BY state").fetchall())


def test_each_matching_subscriber_gets_exactly_one_message_and_a_rerun_sends_nothing(site, sink):
    add_people(site)
    result = sitegen(site, sink, "send", "rye-club", "--rate", "0")
    assert result.exit_code == 0, result.output
    assert "sent 3, skipped 0, failed 0, in doubt 0 (of 3 recipients; 0 sent before)" in result.output
    expected = sorted(address for address, (*_, receives) in PEOPLE.items() if receives)
    assert sorted(r for message in sink.received for r in message.recipients) == expected
    assert not re.search(r"\w+@example\.com", result.output)

    again = sitegen(site, sink, "send", "rye-club", "--rate", "0")
    assert again.exit_code == 0, again.output
    assert "sent 0, skipped 0, failed 0, in doubt 0 (of 3 recipients; 3 sent before)" in again.output
    assert len(sink.received) == 3
    status = sitegen(site, sink, "status")
    assert status.output.strip() == "rye-club: pending 0, sending 0, sent 3, failed 0, skipped 0, in doubt 0"


def test_the_message_has_a_text_and_an_inlined_html_part_with_absolute_urls_and_rfc_8058_headers(site, sink):
    add_people(site, {"ann@example.com": PEOPLE["ann@example.com"]})
    assert sitegen(site, sink, "send", "rye-club").exit_code == 0
    (received,) = sink.wait_for(1)
    message = received.message
    assert message["Subject"] == "Rye is back, and a bread club"
    assert message["From"] == "Test Bakery <news@bakery.test>" and message["Reply-To"] == "hello@bakery.test"
    assert message["To"] == "Ann <ann@example.com>" and message["Date"] and message["Message-ID"].endswith("@bakery.test>")
    assert message["List-Id"] == '"Test Bakery" <newsletter.bakery.test>'
    unsubscribe = re.fullmatch(r"<(https://subscribe\.bakery\.test/unsubscribe/[\w.-]+)>, <mailto:leave@bakery\.test\?subject=unsubscribe>",
                               message["List-Unsubscribe"])
    assert unsubscribe, message["List-Unsubscribe"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]

    page = BeautifulSoup(received.part("html"), "html.parser")
    assert page.find("link") is None
    assert page.find("h1").get_text() == "Rye is back, and a bread club"
    assert all(a["href"].startswith("https://") for a in page.find_all("a")), [a["href"] for a in page.find_all("a")]
    images = page.find_all("img")
    assert [img["src"] for img in images] == ["https://bakery.test/static/rye.png", "https://bakery.test/static/club.png"]
    assert all(img["alt"] and img["width"] and img["height"] for img in images)
    assert page.find("h1")["style"]  # the CSS is inlined
    links = [a["href"] for a in page.find_all("a")]
    assert "https://bakery.test/offers/club/?utm_source=newsletter&utm_medium=email&utm_campaign=club" in links  # the offer's email campaign link
    assert unsubscribe[1] in links and unsubscribe[1].replace("/unsubscribe/", "/preferences/") in links
    assert "https://bakery.test/newsletter/rye-club/" in links  # view in browser
    text = page.get_text(" ", strip=True)
    assert "$27.00" in text and "$36.00" in text and "Until December 31, 2026" in text
    assert "you subscribed to Bread from Test Bakery" in text

    plain = received.part("plain")
    assert "Read on: https://bakery.test/posts/rye/?utm_source=newsletter&utm_medium=email&utm_campaign=rye-club" in plain
    assert "Read about our rye [1] first." in plain and "[1] https://bakery.test/posts/rye/" in plain
    assert f"Unsubscribe in one click: {unsubscribe[1]}" in plain
    assert "$27.00 (was $36.00), until December 31, 2026" in plain


def test_a_draft_cannot_be_sent_but_can_be_previewed(site, sink):
    add_people(site)
    result = sitegen(site, sink, "send", "draft")
    assert result.exit_code == 1
    assert "content/newsletter/2026-03-06-draft.md: draft: this issue is a draft" in str(result.exception)
    assert sink.received == [] and ledger(site) == {}

    preview = sitegen(site, sink, "preview", "draft")
    assert preview.exit_code == 0, preview.output
    paths = preview.output.split()
    assert [path.rsplit("/", 2)[-2:] for path in paths] == [["draft", "message.eml"], ["draft", "message.html"], ["draft", "message.txt"]]
    assert "private/newsletter-preview/draft/" in paths[0]
    assert "Not yet" in (site / "private/newsletter-preview/draft/message.txt").read_text()
    assert sink.received == []

    unknown = sitegen(site, sink, "send", "nope")
    assert unknown.exit_code == 2 and "no issue 'nope'; the issues are: rye-club" in unknown.output


def test_a_test_copy_and_a_dry_run_touch_no_ledger(site, sink):
    add_people(site)
    copy = sitegen(site, sink, "send", "rye-club", "--to", "owner@example.com")
    assert copy.exit_code == 0, copy.output
    assert [m.recipients for m in sink.received] == [["owner@example.com"]]
    dry = sitegen(site, sink, "send", "rye-club", "--dry-run")
    assert dry.exit_code == 0 and "rye-club: would send 3 messages (0 sent before;" in dry.output
    assert len(sink.received) == 1 and ledger(site) == {}


def test_a_permanent_refusal_is_recorded_per_subscriber_and_a_temporary_one_retried(site, sink):
    ids = add_people(site)
    sink.refusals = ["550 5.1.1 no such user here", "451 4.3.0 try again later"]
    result = sitegen(site, sink, "send", "rye-club", "--rate", "0")
    assert result.exit_code == 0, result.output
    # the first message was refused for good; the second refused for now, then taken (after a 2 s pause)
    assert "sent 2, skipped 0, failed 1, in doubt 0" in result.output
    failed = re.search(r"failed: subscriber (\d+): the mail server refused the message: 550 5.1.1 no such user here", result.output)
    assert failed and int(failed[1]) == ids["ann@example.com"]
    assert sorted(r for m in sink.received for r in m.recipients) == ["bo@example.com", "dee@example.com"]
    assert ledger(site) == {"sent": 2, "failed": 1}


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl makes the test key")
def test_the_dkim_signature_verifies_and_covers_both_unsubscribe_headers(tmp_path, sink):
    import dkim

    site = make_subscriber_site(tmp_path / "site", '\ndkim_selector = "news2026"\n')
    write_files(site, FILES)
    add_people(site, {"ann@example.com": PEOPLE["ann@example.com"]})
    key = subprocess.run(["openssl", "genrsa", "2048"], capture_output=True, check=True).stdout
    public = subprocess.run(["openssl", "rsa", "-pubout", "-outform", "DER"], input=key, capture_output=True, check=True).stdout
    result = sitegen(site, sink, "send", "rye-club", env={"SITEGEN_DKIM_KEY": key.decode()})
    assert result.exit_code == 0, result.output
    (received,) = sink.wait_for(1)
    records = {b"news2026._domainkey.bakery.test.": b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)}
    assert dkim.verify(received.raw, dnsfunc=lambda name, timeout=5: records.get(name))
    signed = [h.strip() for h in re.search(r"\bh=([^;]+);", " ".join(received.message["DKIM-Signature"].split()))[1].split(":")]
    assert {"list-unsubscribe", "list-unsubscribe-post", "from", "subject"} <= set(signed)
    assert "c=relaxed/relaxed;" in received.message["DKIM-Signature"]  # survives relays that re-fold headers
    tampered = received.raw.replace(b"List-Unsubscribe-Post: List-Unsubscribe=One-Click", b"List-Unsubscribe-Post: nothing")
    assert not dkim.verify(tampered, dnsfunc=lambda name, timeout=5: records.get(name))

    bad = sitegen(site, sink, "send", "rye-club", env={"SITEGEN_DKIM_KEY": "not a key"})
    assert bad.exit_code == 1 and "SITEGEN_DKIM_KEY: expected an RSA private key as PEM text" in str(bad.exception)
