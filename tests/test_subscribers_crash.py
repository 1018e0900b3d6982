"""Killing the service (SIGKILL) while its outbox holds mail loses none, and sends none twice except the
one message that was in the middle of its SMTP transaction, which the restarted service's log names."""

from __future__ import annotations

import collections
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

import httpx
import pytest

from .subscribers_support import SECRET, MailSink, free_port, make_subscriber_site

pytestmark = pytest.mark.slow  # real service processes, a slow mail server


def start_service(site, port: int, sink: MailSink, log) -> subprocess.Popen:
    env = {**os.environ, "SITEGEN_SECRET": SECRET.decode(), "SITEGEN_SMTP_URL": sink.url}
    process = subprocess.Popen([sys.executable, "-m", "sitegen", "subscribers", "serve", "--source", str(site), "--port", str(port)],
                               env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        assert process.poll() is None, "the service stopped"
        assert time.monotonic() < deadline, "the service did not start"
        time.sleep(0.05)


def outbox(site) -> dict[str, int]:
    with sqlite3.connect(site / "private/subscribers.sqlite3") as connection:
        return dict(connection.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())


def test_a_killed_service_loses_no_mail_and_names_the_one_it_may_send_twice(tmp_path):
    site = make_subscriber_site(tmp_path / "site")
    sink = MailSink()
    sink.delay = 0.3
    port = free_port()
    addresses = [f"person{n}@example.com" for n in range(8)]
    with open(tmp_path / "first.log", "wb") as log:
        service = start_service(site, port, sink, log)
        try:
            for address in addresses:
                response = httpx.post(f"http://127.0.0.1:{port}/subscribe", data={"email": address}, timeout=10)
                assert response.status_code == 200
            sink.wait_for(2)
            sink.entered.clear()
            assert sink.entered.wait(10)  # the third message's DATA has begun: the service waits for its reply
            service.send_signal(signal.SIGKILL)
            service.wait(10)
        finally:
            if service.poll() is None:
                service.kill()
    assert outbox(site).get("sending") == 1

    sink.delay = 0
    with open(tmp_path / "second.log", "wb") as log:
        service = start_service(site, port, sink, log)
        try:
            deadline = time.monotonic() + 30
            while outbox(site) != {"sent": len(addresses)}:
                assert time.monotonic() < deadline, f"the outbox did not drain: {outbox(site)}"
                time.sleep(0.05)
        finally:
            service.send_signal(signal.SIGTERM)
            assert service.wait(30) in (0, -signal.SIGTERM)  # uvicorn stops cleanly, then re-raises the signal
    sink.stop()

    log = (tmp_path / "second.log").read_text()
    named = [int(found) for found in re.findall(r"outbox message (\d+) was being sent", log)]
    assert len(named) == 1
    copies = collections.Counter(message.message["Message-ID"] for message in sink.received)
    twice = [message_id for message_id, count in copies.items() if count > 1]
    assert len(copies) == len(addresses) and len(twice) <= 1 and max(copies.values()) <= 2
    with sqlite3.connect(site / "private/subscribers.sqlite3") as connection:
        (named_address,) = connection.execute(
            "SELECT email FROM outbox JOIN subscribers ON subscribers.id = subscriber_id WHERE outbox.id = ?", named).fetchone()
    if twice:  # the copy that arrived twice is the one the log named
        assert [r for message in sink.received if message.message["Message-ID"] == twice[0] for r in message.recipients] == [named_address] * 2
    for address in addresses:
        assert len(sink.to(address)) == (2 if twice and address == named_address else 1)
    for text in (log, (tmp_path / "first.log").read_text()):
        assert "@example.com" not in text  # the logs name messages by id, never by address
