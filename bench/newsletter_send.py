"""Sending one newsletter issue to 10,000 subscribers, end to end, with the ledger.

    .venv/bin/python bench/newsletter_send.py --recipients 10000

Makes a small site in a temporary folder with one issue (two posts and an offer) and a subscriber
list of --recipients confirmed addresses, then runs the real `sitegen newsletter send ISSUE --rate 0`
as a new process (measure.run_measured: wall time, CPU time and peak memory from os.wait4), its mail
going to an aiosmtpd server in this process on 127.0.0.1 that counts what each address receives.
Before it, `send --dry-run` renders every message without sending, for the time per message.

Reports messages/s (end to end: process start to exit, site reading included; and the send loop
alone, first to last message received), the sender's peak memory, the rendering time per message,
and checks that every address received exactly one message (exit 1 otherwise).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import os
import re
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import run_measured  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SECRET = "bench-secret-0123456789abcdef"

SITE = {
    "sitegen.toml": """title = "Bench Bakery"
description = "A bakery sending its newsletter."
base_url = "https://bakery.test"
timezone = "Europe/Paris"

[business]
address = "1 Oven Street, Breadtown"

[subscribers]
url = "https://subscribe.bakery.test"

[sending]
from = "Bench Bakery <news@bakery.test>"
reply_to = "hello@bakery.test"
""",
    "content/posts/2026-03-01-spring.md": "---\ntitle: Spring cakes\ndate: 2026-03-01 09:00\ntags: [cakes, bread]\n---\n"
    + "Spring is here, and so are the cakes: lemon, rhubarb and a very green pistachio one.\n\n" * 6,
    "content/posts/2026-03-02-rye.md": "---\ntitle: Rye returns\ndate: 2026-03-02 09:00\ntags: [bread]\n---\nDark rye, every Saturday.\n",
    "content/offers/club.md": "---\ntitle: Bread club\nprice: 27\nwas: 36\nvalid_until: 2026-12-31\n"
    "cta: {label: Join, url: \"https://shop.example/club\"}\n---\nFour loaves for the price of three.\n",
    "content/newsletter/2026-03-05-march.md": "---\ntitle: \"March at the bakery\"\ndate: 2026-03-05 09:00\n"
    "preheader: \"Cakes, rye and a club.\"\ntopics: [all]\nitems:\n  - posts/2026-03-01-spring.md\n  - posts/2026-03-02-rye.md\n"
    "  - offers/club.md\n---\nHello from the bakery! Three things this month.\n",
}


class Sink:
    """Counts the messages each address receives, and when the first and last arrived."""

    def __init__(self):
        self.received: collections.Counter[str] = collections.Counter()
        self.first = self.last = 0.0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        now = time.perf_counter()
        with self.lock:
            self.first = self.first or now
            self.last = now
            for address in envelope.rcpt_tos:
                self.received[address] += 1
        return "250 OK"


def make_site(root: Path, recipients: int) -> None:
    from sitegen.subscribers.database import open_store
    from sitegen.subscribers.tokens import secret_id

    for relative, text in SITE.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    now = dt.datetime(2026, 3, 5, 8, 0, tzinfo=dt.timezone.utc)
    store = open_store(root / "private/subscribers.sqlite3", secret_id=secret_id(SECRET.encode()))
    topics = (["all"], ["bread"], ["cakes", "offers"])
    with store.atomic():
        for n in range(recipients):
            address = f"reader{n}@example.com"
            store.add(email=address, email_key=address, name=f"Reader {n}", topics=topics[n % 3], now=now, source="bench",
                      confirmed_at=now, evidence="bench")
    store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=10_000)
    arguments = parser.parse_args()
    sink = Sink()
    with socket.socket() as probe:  # a free port on 127.0.0.1 (aiosmtpd's Controller needs one named)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    sitegen = [str(Path(sys.executable).parent / "sitegen")]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "site"
        started = time.perf_counter()
        make_site(root, arguments.recipients)
        print(f"site and {arguments.recipients} subscribers made in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        os.environ.update(SITEGEN_SECRET=SECRET, SITEGEN_SMTP_URL=f"smtp://127.0.0.1:{port}")
        dry = run_measured("send --dry-run", [*sitegen, "newsletter", "send", "march", "--dry-run", "--source", str(root)], root, 600)
        per_message = float(re.search(r"([\d.]+) ms to render each", dry.stdout)[1])
        run = run_measured("send", [*sitegen, "newsletter", "send", "march", "--rate", "0", "--source", str(root)], root, 1200)
    controller.stop()
    sent = sum(sink.received.values())
    loop = sink.last - sink.first
    wrong = {address: count for address, count in sink.received.items() if count != 1}
    print(f"\nrecipients: {arguments.recipients}; received: {sent} messages at {len(sink.received)} addresses")
    print(f"end to end: {run.seconds:.2f} s, {arguments.recipients / run.seconds:.0f} messages/s (CPU {run.cpu_seconds:.2f} s; "
          f"other processes busy {run.others:.2f} cores)")
    print(f"send loop (first to last message received): {loop:.2f} s, {max(sent - 1, 0) / loop if loop else 0:.0f} messages/s")
    print(f"sender's peak memory: {run.peak_mib:.0f} MiB")
    print(f"rendering: {per_message:.3f} ms a message (shared parts rendered once: `send --dry-run`, {dry.seconds:.2f} s in all)")
    print(run.stdout.strip().splitlines()[-1] if run.stdout.strip() else "")
    if sent != arguments.recipients or wrong or len(sink.received) != arguments.recipients:
        print(f"FAILED: not exactly one message per recipient ({len(wrong)} addresses wrong)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
