"""What the subscriber tests share: a clock that can jump ahead, a real SMTP server (aiosmtpd) on
127.0.0.1 that keeps what it receives, the real service under uvicorn on a free loopback port, and a
site to serve."""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn
from aiosmtpd.controller import Controller

from sitegen.mail import parse_smtp_url
from sitegen.subscribers.service import ServiceOptions, make_app

from .conftest import BASE_CONFIG, post, write_files

SECRET = b"test-secret-0123456789abcdef"
PUBLIC_URL = "https://subscribe.bakery.test"
"""The service's public address in the tests' sites: links in mail use it; tests send them to the local server."""

SITE_FILES = {
    "content/posts/2026-03-01-spring.md": post("Spring cakes", tags="[Cakes, Bread]", category="News"),
    "content/posts/2026-03-02-rye.md": post("Rye", tags="[Bread]", category="Recipes"),
}

SERVICE_CONFIG = f"""
[subscribers]
url = "{PUBLIC_URL}"

[sending]
from = "Test Bakery <news@bakery.test>"
reply_to = "hello@bakery.test"
"""


def make_subscriber_site(root: Path, extra_config: str = "") -> Path:
    """A small site with two tags (cakes, bread) and two categories (news, recipes), set up for the service."""
    root.mkdir(parents=True, exist_ok=True)
    write_files(root, {"sitegen.toml": BASE_CONFIG + SERVICE_CONFIG + extra_config})
    return write_files(root, SITE_FILES)


class Clock:
    """The wall clock, moved ahead by advance(): what the service reads as now."""

    def __init__(self):
        self.offset = dt.timedelta()

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.timezone.utc) + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += dt.timedelta(**delta)


def free_socket() -> socket.socket:
    """A listening-ready socket on a free loopback port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def free_port() -> int:
    with contextlib.closing(free_socket()) as sock:
        return sock.getsockname()[1]


@dataclass
class Received:
    """A message as the SMTP server got it."""

    sender: str
    recipients: list[str]
    raw: bytes
    message: EmailMessage = field(init=False)

    def __post_init__(self):
        self.message = email.message_from_bytes(self.raw, policy=email.policy.default)  # type: ignore[assignment]

    def part(self, subtype: str) -> str:
        return self.message.get_body(preferencelist=(subtype,)).get_content()  # type: ignore[union-attr]

    def links(self) -> list[str]:
        """Every link in the text part."""
        return re.findall(r"https?://\S+", self.part("plain"))


class MailSink:
    """A real SMTP server (aiosmtpd) on 127.0.0.1: keeps every message; can answer slowly or refuse."""

    def __init__(self, port: int | None = None):
        self.received: list[Received] = []
        self.condition = threading.Condition()
        self.delay = 0.0
        """Seconds to wait before answering each DATA."""
        self.refusals: list[str] = []
        """Replies to give instead of 250, one per message, first first (e.g. '451 4.3.0 try later')."""
        self.entered = threading.Event()
        """Set as each DATA starts (before the delay)."""
        self.port = port or free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        import asyncio

        self.entered.set()
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.condition:
            if self.refusals:
                return self.refusals.pop(0)
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content))
            self.condition.notify_all()
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 10) -> list[Received]:
        """Wait until at least count messages arrived; all of them."""
        with self.condition:
            if not self.condition.wait_for(lambda: len(self.received) >= count, timeout):
                raise AssertionError(f"expected {count} messages within {timeout} s, got {len(self.received)}")
            return list(self.received)

    def to(self, address: str) -> list[Received]:
        with self.condition:
            return [message for message in self.received if address in message.recipients]

    def stop(self) -> None:
        self.controller.stop()


@pytest.fixture
def sink():
    """A MailSink for one test (import this fixture into a test module to use it)."""
    server = MailSink()
    yield server
    server.stop()


class RunningService:
    """The service (make_app) under uvicorn in a thread, on a free loopback port."""

    def __init__(self, root: Path, sink: MailSink, clock: Clock, options: ServiceOptions = ServiceOptions()):
        self.app = make_app(root, secret=SECRET, smtp=parse_smtp_url(sink.url), clock=clock, options=options)
        self.service = self.app.state.service
        sock = free_socket()
        self.base = f"http://127.0.0.1:{sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise AssertionError("the service did not start")
            time.sleep(0.01)

    def local(self, url: str) -> str:
        """A link from a page or an email, sent to the local server."""
        parts = urlsplit(url)
        return self.base + parts.path + (f"?{parts.query}" if parts.query else "")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)
