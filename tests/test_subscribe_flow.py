"""The whole way in, as a customer takes it: headless Chromium fills the sign-up form on the built
Subscribe page (served by a local web server), the real subscriber service receives it, a real SMTP
server (aiosmtpd) receives the confirmation email, and the browser follows its link and presses
Confirm. Everything on 127.0.0.1."""

from __future__ import annotations

import sqlite3
import threading
import time
from urllib.parse import urlsplit

import pytest
import uvicorn

from sitegen import build
from sitegen.mail import parse_smtp_url
from sitegen.subscribers.service import make_app

from .conftest import BASE_CONFIG, NOW, post, write_files
from .subscribers_support import SECRET, Clock, MailSink, free_socket

pytestmark = pytest.mark.browser


def status_of(root, email_key: str) -> str | None:
    with sqlite3.connect(root / "private/subscribers.sqlite3") as connection:
        found = connection.execute("SELECT status FROM subscribers WHERE email_key = ?", (email_key,)).fetchall()
    return found[0][0] if found else None


@pytest.fixture
def service_site(tmp_path):
    """A built site whose [subscribers] url is the real service, started on a free loopback port; and the mail sink."""
    sink = MailSink()
    sock = free_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    root = write_files(tmp_path / "site", {
        "sitegen.toml": BASE_CONFIG + f'\n[subscribers]\nurl = "{url}"\n\n[sending]\nfrom = "Test Bakery <news@bakery.test>"\n',
        "content/posts/2026-03-01-spring.md": post("Spring cakes", tags="[Cakes]"),
    })
    build(root, now=NOW)
    app = make_app(root, secret=SECRET, smtp=parse_smtp_url(sink.url), clock=Clock())
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the service did not start"
        time.sleep(0.01)
    yield root, url, sink
    server.should_exit = True
    thread.join(30)
    sink.stop()


def test_a_customer_signs_up_on_the_built_page_and_confirms_from_the_email(browser, http_server, service_site):
    root, service_url, sink = service_site
    site_url = http_server(root / "output")
    page = browser.new_page(viewport={"width": 375, "height": 667})
    page.goto(f"{site_url}/subscribe/")
    form = page.locator(f'form[action="{service_url}/subscribe"]').first
    form.locator('input[type="email"]').fill("Cara@Example.com")
    form.get_by_text("Or only some topics").click()  # as a person opens the list of topics
    form.locator('input[value="cakes"]').check()  # which unticks "Everything"
    form.locator('button[type="submit"]').click()
    page.wait_for_url(f"{service_url}/**")
    assert "inbox" in page.inner_text("main").lower()
    assert status_of(root, "cara@example.com") == "pending"  # nothing confirmed yet
    with sqlite3.connect(root / "private/subscribers.sqlite3") as connection:
        assert connection.execute("SELECT topic FROM subscriber_topics").fetchall() == [("cakes",)]

    (confirmation,) = sink.wait_for(1)
    assert confirmation.recipients == ["Cara@example.com"]
    (link,) = [link for link in confirmation.links() if urlsplit(link).path.startswith("/confirm/")]
    page.goto(link)  # following the link, as a mail scanner would, changes nothing
    assert status_of(root, "cara@example.com") == "pending"
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()
    assert "subscribed" in page.inner_text("main").lower()
    assert status_of(root, "cara@example.com") == "confirmed"
    welcome = sink.wait_for(2)[1]
    assert welcome.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
