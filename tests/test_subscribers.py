"""The subscriber service, driven over HTTP as a browser and a mail app would: the real service under
uvicorn on a loopback port, and a real SMTP server (aiosmtpd) receiving its mail."""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
import sqlite3
import time
from urllib.parse import urlsplit

import httpx
import pytest

from sitegen.subscribers.guard import RateLimit
from sitegen.subscribers.outbox import Retry
from sitegen.subscribers.service import ServiceOptions
from sitegen.subscribers.tokens import suppression_hash

from sitegen.channels import consent_version

from .subscribers_support import PUBLIC_URL, SECRET, Clock, MailSink, RunningService, make_subscriber_site

CONSENT = "I agree to receive emails from Test Bakery. Unsubscribe at any time."
"""The consent sentence of the test site (it sets none: the default, naming the business)."""

FORM = {"email": "Ann.Baker@Example.com", "name": "Ann", "topics": ["cakes", "offers"], "source": "https://bakery.test/subscribe/",
        "consent": CONSENT, "consent_version": consent_version(CONSENT)}


@pytest.fixture
def sink():
    server = MailSink()
    yield server
    server.stop()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def site(tmp_path):
    return make_subscriber_site(tmp_path / "site")


@pytest.fixture
def start(site, sink, clock):
    """start(**options) -> the running service (stopped at the end of the test)."""
    running = []

    def run(root=None, **options) -> RunningService:
        service = RunningService(root or site, sink, clock, ServiceOptions(**options))
        running.append(service)
        return service

    yield run
    for service in running:
        service.stop()


@pytest.fixture
def client():
    with httpx.Client(follow_redirects=False, timeout=10) as http:
        yield http


def rows(site, query: str, *values) -> list[tuple]:
    """What the database holds, read as the owner's commands would, beside the running service."""
    with sqlite3.connect(site / "private/subscribers.sqlite3") as connection:
        return connection.execute(query, values).fetchall()


def wait_until(condition, timeout: float = 10) -> None:
    """Poll condition() until it holds, or fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "waited in vain"
        time.sleep(0.01)


def outbox_settled(site) -> bool:
    """Whether the outbox has sent (or given up on) everything: the sink has a message a moment before it is marked sent."""
    return rows(site, "SELECT count(*) FROM outbox WHERE state IN ('queued', 'sending')") == [(0,)]


def status_of(site, email_key: str):
    found = rows(site, "SELECT status FROM subscribers WHERE email_key = ?", email_key)
    return found[0][0] if found else None


def database_dump(site) -> list[str]:
    with sqlite3.connect(site / "private/subscribers.sqlite3") as connection:
        return list(connection.iterdump())


def assert_safe_headers(response: httpx.Response) -> None:
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "form-action 'self'" in csp
    assert "http" not in csp.replace("https://bakery.test", "")  # no third party: the service, and the site's own images
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "set-cookie" not in response.headers
    assert "Traceback" not in response.text


def said(response: httpx.Response) -> str:
    """A page's text as a person reads it (entities decoded)."""
    return html.unescape(response.text)


def link_to(message, kind: str) -> str:
    (link,) = [link for link in message.links() if urlsplit(link).path.startswith(f"/{kind}/")]
    return link


# --- the whole way: sign up, confirm, welcome, leave --------------------------------------------


def test_sign_up_confirm_welcome_and_one_click_unsubscribe(site, sink, start, client):
    service = start()
    response = client.post(service.base + "/subscribe", data=FORM)
    assert response.status_code == 200 and "Check your inbox" in said(response)
    assert_safe_headers(response)
    assert status_of(site, "ann.baker@example.com") == "pending"

    (confirmation,) = sink.wait_for(1)
    assert confirmation.recipients == ["Ann.Baker@example.com"]
    assert confirmation.message["Subject"] == "Confirm your subscription to Test Bakery"
    assert confirmation.message["From"] == "Test Bakery <news@bakery.test>" and confirmation.message["Reply-To"] == "hello@bakery.test"
    html = confirmation.part("html")
    assert "<style" not in html and 'style="' in html  # the CSS is inlined
    confirm = link_to(confirmation, "confirm")
    assert confirm.startswith(PUBLIC_URL + "/confirm/") and confirm in html
    assert link_to(confirmation, "preferences").startswith(PUBLIC_URL + "/preferences/")

    # Opening the link (or a mail scanner following it) shows the button and changes nothing.
    wait_until(lambda: outbox_settled(site))
    before = database_dump(site)
    for _ in range(3):
        page = client.get(service.local(confirm))
        assert page.status_code == 200 and "<form" in said(page) and 'method="post"' in page.text
        assert CONSENT in said(page)  # the consent sentence, shown again
        assert_safe_headers(page)
    assert database_dump(site) == before

    confirmed = client.post(service.local(confirm))
    assert confirmed.status_code == 200 and "You're subscribed" in said(confirmed)
    assert status_of(site, "ann.baker@example.com") == "confirmed"
    ((event, sentence, version, source, detail),) = rows(
        site, "SELECT event, sentence, sentence_version, source, detail FROM consent_log WHERE event = 'confirmed'")
    assert (sentence, source) == (CONSENT, "https://bakery.test/subscribe/")
    assert version == consent_version(CONSENT) and json.loads(detail)["signup_ip"] == "127.0.0.1"
    assert json.loads(detail)["form_sentence_version"] == consent_version(CONSENT)  # what the form showed
    assert client.post(service.local(confirm)).status_code == 200  # pressed twice: still fine, no second welcome

    welcome = sink.wait_for(2)[1]
    headers = welcome.message
    assert headers["Subject"] == "Welcome to Test Bakery"
    # RFC 8058: exactly one https URI in List-Unsubscribe, and the one-click POST body named.
    (uri,) = [part.strip().strip("<>") for part in headers["List-Unsubscribe"].split(",")]
    assert urlsplit(uri).scheme == "https" and uri.startswith(PUBLIC_URL + "/unsubscribe/")
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert {part.get_content_type() for part in welcome.message.walk()} >= {"text/plain", "text/html"}
    assert link_to(welcome, "preferences") and uri in welcome.part("plain")

    one_click = client.post(service.local(uri), content=b"List-Unsubscribe=One-Click", headers={"content-type": "application/x-www-form-urlencoded"})
    assert one_click.status_code == 200 and "location" not in one_click.headers
    assert status_of(site, "ann.baker@example.com") == "unsubscribed"
    assert rows(site, "SELECT reason FROM suppression WHERE hash = ?", suppression_hash(SECRET, "ann.baker@example.com")) == [("unsubscribed",)]
    assert client.post(service.local(uri), content=b"List-Unsubscribe=One-Click").status_code == 200  # twice: still 200
    assert len(sink.received) == 2


def test_the_visible_unsubscribe_link_shows_one_button_and_its_post_unsubscribes(site, sink, start, client):
    service = start()
    confirm_by_mail(service, sink, client, "bo@example.com")
    uri = sink.wait_for(2)[1].message["List-Unsubscribe"].strip("<>")
    page = client.get(service.local(uri))
    assert page.status_code == 200 and page.text.count("<button") == 1
    assert status_of(site, "bo@example.com") == "confirmed"
    button = client.post(service.local(uri), data={"List-Unsubscribe": "One-Click"})
    assert button.status_code == 200 and "You're unsubscribed" in said(button)
    assert status_of(site, "bo@example.com") == "unsubscribed"


def confirm_by_mail(service, sink, client, address: str, **form) -> None:
    """Sign up and confirm through the mailed link; waits for the welcome email."""
    count = len(sink.received)
    assert client.post(service.base + "/subscribe", data={"email": address, **form}).status_code == 200
    confirmation = sink.wait_for(count + 1)[-1]
    assert client.post(service.local(link_to(confirmation, "confirm"))).status_code == 200
    sink.wait_for(count + 2)


# --- links that do not work -----------------------------------------------------------------------


def test_tampered_and_expired_links_get_a_clear_page(site, sink, start, client, clock):
    service = start()
    client.post(service.base + "/subscribe", data={"email": "cy@example.com"})
    confirm = link_to(sink.wait_for(1)[0], "confirm")
    preferences = link_to(sink.wait_for(1)[0], "preferences")
    token = urlsplit(confirm).path.rsplit("/", 1)[1]
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for path in (f"/confirm/{tampered}", "/confirm/nonsense", f"/preferences/{tampered}", f"/unsubscribe/{tampered}", f"/unsubscribe/{token}"):
        for method in ("GET", "POST"):
            response = client.request(method, service.base + path)
            assert response.status_code == 400, path
            assert "This link does not work" in said(response)
            assert_safe_headers(response)
    clock.advance(hours=49)
    for method in ("GET", "POST"):
        expired = client.request(method, service.local(confirm))
        assert expired.status_code == 410 and "This link has expired" in said(expired)
    assert status_of(site, "cy@example.com") == "pending"
    assert client.get(service.local(preferences)).status_code == 200  # preferences links never expire


def test_links_of_deleted_data_are_gone(site, sink, start, client):
    service = start()
    confirm_by_mail(service, sink, client, "di@example.com")
    welcome = sink.received[1]
    preferences, unsubscribe = link_to(welcome, "preferences"), link_to(welcome, "unsubscribe")
    response = client.post(service.local(preferences), data={"action": "delete", "confirm_delete": "yes"})
    assert response.status_code == 200 and "deleted" in said(response)
    assert rows(site, "SELECT count(*) FROM subscribers") == [(0,)]
    assert rows(site, "SELECT count(*) FROM consent_log") == [(0,)]
    assert rows(site, "SELECT reason FROM suppression") == [("deleted",)]
    assert "di@example.com" not in "\n".join(database_dump(site)).lower()
    for link in (preferences, unsubscribe, link_to(sink.received[0], "confirm")):
        gone = client.get(service.local(link))
        assert gone.status_code == 410 and "no longer works" in said(gone)


# --- abuse --------------------------------------------------------------------------------------


def test_the_honeypot_and_an_existing_address_get_the_same_answer_as_a_new_one(site, sink, start, client):
    service = start()
    first = client.post(service.base + "/subscribe", data={"email": "eve@example.com"})
    sink.wait_for(1)
    robot = client.post(service.base + "/subscribe", data={"email": "victim@example.com", "website": "http://spam.example"})
    assert (robot.status_code, robot.text) == (first.status_code, first.text)
    assert status_of(site, "victim@example.com") is None
    confirm_by_mail(service, sink, client, "fay@example.com")
    again = client.post(service.base + "/subscribe", data={"email": "fay@example.com"})
    assert (again.status_code, again.text) == (first.status_code, first.text)
    assert status_of(site, "fay@example.com") == "confirmed"
    with pytest.raises(AssertionError):
        sink.wait_for(4, timeout=0.5)  # nothing more was sent: not to the robot's victim, not to fay again


def test_rate_limits_per_address_and_per_ip(site, sink, start, client, clock):
    service = start(ip_limit=RateLimit(burst=4, per_hour=4))
    answers = [client.post(service.base + "/subscribe", data={"email": "gus@example.com"}) for _ in range(3)]
    assert {a.status_code for a in answers} == {200}
    sink.wait_for(1)
    clock.advance(minutes=11)
    assert client.post(service.base + "/subscribe", data={"email": "gus@example.com"}).status_code == 200
    sink.wait_for(2)
    limited = client.post(service.base + "/subscribe", data={"email": "hal@example.com"})
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0 and "Too many sign-ups" in said(limited)
    # Another address of origin (as a reverse proxy on this machine reports it) is not limited.
    other = client.post(service.base + "/subscribe", data={"email": "hal@example.com"}, headers={"x-forwarded-for": "198.18.0.7"})
    assert other.status_code == 200
    sink.wait_for(3)
    assert len(sink.to("gus@example.com")) == 2
    # At most three confirmations a day to one address, however the sign-ups are spaced.
    for _ in range(3):
        clock.advance(minutes=11)
        client.post(service.base + "/subscribe", data={"email": "gus@example.com"}, headers={"x-forwarded-for": "198.18.0.8"})
    sink.wait_for(4)
    with pytest.raises(AssertionError):
        sink.wait_for(5, timeout=0.5)
    assert len(sink.to("gus@example.com")) == 3


def test_bad_input_gets_a_clear_answer_and_changes_nothing(site, sink, start, client):
    service = start()
    bad = client.post(service.base + "/subscribe", data={"email": "not an address"})
    assert bad.status_code == 400 and "does not look right" in said(bad)
    assert_safe_headers(bad)
    huge = client.post(service.base + "/subscribe", data={"email": "a@example.com", "name": "x" * 20_000})
    assert huge.status_code == 413 and "too much" in said(huge)
    unknown = client.post(service.base + "/subscribe", data={"email": "a@example.com", "topics": "no-such-topic"})
    assert unknown.status_code == 400 and "Please choose a topic" in said(unknown)
    files = client.post(service.base + "/subscribe", data={"email": "a@example.com"}, files={"f": ("x.txt", b"x")})
    assert files.status_code == 400
    assert client.get(service.base + "/no/such/page").status_code == 404
    assert client.get(service.base + "/subscribe").status_code == 303  # the form's address leads to the Subscribe page
    assert rows(site, "SELECT count(*) FROM subscribers") == [(0,)]
    style = client.get(service.base + "/static/css/style.css")
    assert style.status_code == 200 and style.headers["content-type"].startswith("text/css")


def test_an_unknown_error_is_a_plain_500_page_logged_without_the_address(site, sink, start, client, caplog, monkeypatch):
    service = start()

    def broken(**values):
        raise RuntimeError("boom for " + values["email"])  # an error whose words quote the input

    monkeypatch.setattr(service.service.store, "sign_up", broken)
    with caplog.at_level(logging.ERROR, logger="sitegen.subscribers"):
        response = client.post(service.base + "/subscribe", data={"email": "zed@example.com"})
    assert response.status_code == 500 and "Something went wrong" in said(response)
    assert_safe_headers(response)
    assert "RuntimeError" in caplog.text and "zed@example.com" not in caplog.text


# --- preferences -------------------------------------------------------------------------------------


def test_preferences_change_topics_pause_download_and_delete(site, sink, start, client):
    service = start()
    confirm_by_mail(service, sink, client, "ivy@example.com", topics=["cakes"])
    preferences = service.local(link_to(sink.received[1], "preferences"))
    page = client.get(preferences)
    assert page.status_code == 200 and 'value="cakes" checked' in page.text and 'value="bread"' in page.text

    saved = client.post(preferences, data={"action": "save", "topics": ["bread", "recipes"]})
    assert saved.status_code == 200 and "Your topics are saved" in said(saved)
    assert rows(site, "SELECT topic FROM subscriber_topics ORDER BY topic") == [("bread",), ("recipes",)]
    client.post(preferences, data={"action": "pause"})
    assert rows(site, "SELECT paused FROM subscribers") == [(1,)]
    client.post(preferences, data={"action": "resume"})
    assert rows(site, "SELECT paused FROM subscribers") == [(0,)]

    download = client.post(preferences, data={"action": "download"})
    assert download.headers["content-disposition"].startswith("attachment")
    data = download.json()
    assert (data["email"], data["status"], data["topics"]) == ("ivy@example.com", "confirmed", ["bread", "recipes"])
    assert [entry["event"] for entry in data["consent_log"]] == ["signup", "confirmed", "topics", "paused", "resumed"]

    assert client.post(preferences, data={"action": "save"}, files={"f": ("x.txt", b"x")}).status_code == 400
    assert client.post(preferences, data={"action": "dance"}).status_code == 400
    unticked = client.post(preferences, data={"action": "delete"})
    assert unticked.status_code == 200 and "tick the box" in said(unticked)
    assert status_of(site, "ivy@example.com") == "confirmed"
    client.post(preferences, data={"action": "unsubscribe"})
    assert status_of(site, "ivy@example.com") == "unsubscribed"


def test_a_fresh_double_opt_in_lifts_the_suppression(site, sink, start, client, clock):
    service = start()
    confirm_by_mail(service, sink, client, "jo@example.com")
    client.post(service.local(link_to(sink.received[1], "unsubscribe")))
    assert rows(site, "SELECT count(*) FROM suppression") == [(1,)]
    clock.advance(minutes=11)  # a sign-up within 10 minutes of the last confirmation email sends none
    confirm_by_mail(service, sink, client, "jo@example.com")
    assert status_of(site, "jo@example.com") == "confirmed"
    assert rows(site, "SELECT count(*) FROM suppression") == [(0,)]


# --- mail out --------------------------------------------------------------------------------------


def test_temporary_failures_are_retried_and_permanent_ones_logged_without_the_address(site, sink, start, client, clock, caplog):
    sink.refusals = ["451 4.3.0 mailbox busy", "451 4.3.0 mailbox busy"]
    service = start(retry=Retry(first=dt.timedelta(milliseconds=20), attempts=5))
    with caplog.at_level(logging.WARNING, logger="sitegen.subscribers"):
        client.post(service.base + "/subscribe", data={"email": "kim@example.com"})
        (message,) = sink.wait_for(1)
        assert message.recipients == ["kim@example.com"]
        wait_until(lambda: rows(site, "SELECT state, attempts, recipient, message FROM outbox") == [("sent", 3, None, None)])
        sink.refusals = ["550 5.1.1 <lee@example.com>: no such user"]
        client.post(service.base + "/subscribe", data={"email": "lee@example.com"}, headers={"x-forwarded-for": "198.18.0.9"})
        wait_until(lambda: rows(site, "SELECT state FROM outbox WHERE id = 2") == [("failed",)])
    assert "451" in said(caplog) and "550" in said(caplog)
    assert "kim@example.com" not in caplog.text and "lee@example.com" not in caplog.text
    (error,) = rows(site, "SELECT last_error FROM outbox WHERE id = 2")[0]
    assert "<address>" in error and "lee@" not in error
