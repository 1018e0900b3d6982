"""`sitegen newsletter send` as a real process against a slow real SMTP server: killed (SIGKILL) partway,
then run again, every recipient has exactly one copy, save at most the one the summary names in doubt;
and a one-click unsubscribe (RFC 8058 POST, through the real service) during a send stops mail to that address."""

from __future__ import annotations

import collections
import os
import re
import signal
import sqlite3
import subprocess
import sys

import httpx
import pytest

from sitegen.subscribers.tokens import Tokens

from .conftest import write_files
from .subscribers_support import SECRET, Clock, MailSink, RunningService, make_subscriber_site
from .test_newsletter_send import FILES, add_people

pytestmark = pytest.mark.slow  # real sender processes, a slow mail server

SUBJECT = "Rye is back, and a bread club"


def everyone(count: int) -> dict:
    return {f"person{n}@example.com": ("confirmed", ["all"], False, True) for n in range(count)}


def send(site, sink: MailSink, **popen) -> subprocess.Popen:
    env = {**os.environ, "SITEGEN_SECRET": SECRET.decode(), "SITEGEN_SMTP_URL": sink.url}
    return subprocess.Popen([sys.executable, "-m", "sitegen", "newsletter", "send", "rye-club", "--rate", "0", "--source", str(site)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def states(site) -> dict[str, int]:
    with sqlite3.connect(site / "private/subscribers.sqlite3") as connection:
        return dict(connection.execute("SELECT state, count(*) FROM deliveries GROUP BY state").fetchall())


def copies(sink: MailSink) -> collections.Counter:
    with sink.condition:
        return collections.Counter(r for m in sink.received if m.message["Subject"] == SUBJECT for r in m.recipients)


def test_a_killed_send_run_again_sends_everyone_exactly_once_save_the_one_in_doubt(tmp_path):
    site = make_subscriber_site(tmp_path / "site")
    write_files(site, FILES)
    people = everyone(10)
    ids = add_people(site, people)
    sink = MailSink()
    sink.delay = 0.3
    try:
        first = send(site, sink)
        sink.wait_for(3, timeout=60)
        sink.entered.clear()
        assert sink.entered.wait(10)  # a message's DATA has begun: the sender waits for the reply
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        assert states(site).get("sending") == 1

        sink.delay = 0
        second = send(site, sink)
        out, err = second.communicate(timeout=120)
        assert second.returncode == 0, out + err
        in_doubt = [int(found) for found in re.findall(r"in doubt: subscriber (\d+)", out)]
        assert len(in_doubt) == 1, out
        assert states(site) == {"sent": 9, "doubt": 1}
        doubtful = next(address for address, number in ids.items() if number == in_doubt[0])
        received = copies(sink)
        assert {address: received[address] for address in people if address != doubtful} == {address: 1 for address in people if address != doubtful}
        assert received[doubtful] <= 1
        assert doubtful not in out + err  # subscribers are named by id, never by address

        third = send(site, sink)
        out, _ = third.communicate(timeout=120)
        assert "sent 0, skipped 0, failed 0, in doubt 1 (of 10 recipients; 9 sent before)" in out
    finally:
        sink.stop()


def test_a_one_click_unsubscribe_during_a_send_stops_mail_to_that_address(tmp_path):
    site = make_subscriber_site(tmp_path / "site")
    write_files(site, FILES)
    people = everyone(6)
    ids = add_people(site, people)
    leaver = max(ids, key=ids.get)  # sent last: ids go in order
    with sqlite3.connect(site / "private/subscribers.sqlite3") as connection:
        (nonce,) = connection.execute("SELECT nonce FROM subscribers WHERE id = ?", (ids[leaver],)).fetchone()
    sink = MailSink()
    sink.delay = 0.3
    service = RunningService(site, sink, Clock())
    try:
        process = send(site, sink)
        sink.wait_for(1, timeout=60)
        token = Tokens(SECRET, Clock()).manage_token(ids[leaver], nonce)
        response = httpx.post(f"{service.base}/unsubscribe/{token}", content=b"List-Unsubscribe=One-Click",
                              headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10)
        assert response.status_code == 200
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, out + err
        assert "sent 5, skipped 1, failed 0, in doubt 0" in out
        received = copies(sink)
        assert received[leaver] == 0
        assert all(received[address] == 1 for address in people if address != leaver)
        assert states(site) == {"sent": 5, "skipped": 1}
    finally:
        service.stop()
        sink.stop()
