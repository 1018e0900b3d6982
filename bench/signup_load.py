"""Sign-ups through the real subscriber service under load, and every confirmation email accounted for.

    .venv/bin/python bench/signup_load.py --clients 50 --seconds 20

Starts `sitegen subscribers serve` (a new process, as in production) on a small site in a temporary
folder, with its mail going to an aiosmtpd server in this process on 127.0.0.1. Then `--clients`
clients, each on its own keep-alive connection, post sign-ups (each a new address) for `--seconds`,
after a short warm-up that is not counted. Each request carries its own X-Forwarded-For address from
198.18.0.0/15, the range RFC 2544 sets aside for benchmarks, as a reverse proxy on this machine
would report separate visitors, so the per-IP limits apply as they would in production. No traffic
leaves 127.0.0.1.

Reports requests/s, latency (median, p99, max), the service's peak memory (VmHWM: its resident set
at its largest), and waits until the outbox has sent everything: each accepted sign-up must have
brought exactly one confirmation email to the sink, and the script exits 1 when one did not.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from aiosmtpd.controller import Controller

REPO = Path(__file__).resolve().parent.parent

SITE = {
    "sitegen.toml": """title = "Bench Bakery"
description = "A bakery under load."
base_url = "https://bakery.test"
timezone = "Europe/Paris"

[subscribers]
url = "http://127.0.0.1:{port}"

[sending]
from = "Bench Bakery <news@bakery.test>"
""",
    "content/posts/2026-03-01-spring.md": "---\ntitle: Spring cakes\ndate: 2026-03-01 09:00\ntags: [cakes, bread]\ncategory: News\n---\nBody.\n",
}


class Sink:
    """Counts the confirmation emails each address receives."""

    def __init__(self):
        self.received: collections.Counter[str] = collections.Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        with self.lock:
            self.received.update(envelope.rcpt_tos)
        return "250 OK"

    def total(self) -> int:
        with self.lock:
            return sum(self.received.values())


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def peak_memory_kib(pid: int) -> int:
    """The process's largest resident set so far (VmHWM), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM")


async def post(reader, writer, port: int, address: str, ip: str) -> int:
    """One sign-up on a kept connection; the status code."""
    body = urlencode({"email": address, "topics": "cakes", "source": "https://bakery.test/subscribe/"}).encode()
    writer.write(
        f"POST /subscribe HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\nX-Forwarded-For: {ip}\r\nUser-Agent: signup_load\r\n\r\n".encode() + body
    )
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def load(port: int, clients: int, seconds: float, warmup: float, rate: float | None) -> tuple[list[float], list[str], int]:
    """Run the clients; (latencies of counted requests, addresses accepted, requests refused).

    Without a rate, each client sends its next request as soon as the last is answered (the most the
    service can take). With a rate, the clients together send `rate` requests a second, each on a
    fixed schedule, and a request's latency runs from the time it was due, so a client held up by a
    slow answer counts the wait of the requests behind it too (no coordinated omission)."""
    latencies: list[float] = []
    accepted: list[str] = []
    refused = 0
    counter = iter(range(10**9))
    started = time.perf_counter()
    counting_from = started + warmup
    ends = counting_from + seconds

    async def client(number: int) -> None:
        nonlocal refused
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        interval = clients / rate if rate else 0.0
        due = started + (number / clients) * interval
        try:
            while (now := time.perf_counter()) < ends:
                if rate:
                    if due > now:
                        await asyncio.sleep(due - now)
                    now, due = due, due + interval
                n = next(counter)
                address = f"bench{n}@example.com"
                ip = f"198.18.{(n // 250) % 256}.{n % 250 + 1}" if n < 64000 else f"198.19.{(n // 250) % 256}.{n % 250 + 1}"
                status = await post(reader, writer, port, address, ip)
                done = time.perf_counter()
                if status == 200:
                    accepted.append(address)
                else:
                    refused += 1
                if now >= counting_from:
                    latencies.append(done - now)
        finally:
            writer.close()

    await asyncio.gather(*(client(n) for n in range(clients)))
    return latencies, accepted, refused


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--rate", type=float, help="Requests a second from all clients together (default: as many as the service answers).")
    arguments = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="signup-load-"))
    port, smtp_port = free_port(), free_port()
    for name, text in SITE.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace("{port}", str(port)), encoding="utf-8")
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    env = {**os.environ, "SITEGEN_SECRET": "bench-secret-0123456789", "SITEGEN_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
           "FORWARDED_ALLOW_IPS": "127.0.0.1"}
    log = open(folder / "service.log", "wb")
    service = subprocess.Popen([sys.executable, "-m", "sitegen", "subscribers", "serve", "--source", str(folder), "--port", str(port)],
                               env=env, stdout=log, stderr=log, cwd=REPO)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline or service.poll() is not None:
                    print((folder / "service.log").read_text(), file=sys.stderr)
                    return 1
                time.sleep(0.05)
        logging_off = "(its access log on, as in production)"
        began = time.perf_counter()
        latencies, accepted, refused = asyncio.run(load(port, arguments.clients, arguments.seconds, arguments.warmup, arguments.rate))
        elapsed = time.perf_counter() - began - arguments.warmup
        drain_started = time.perf_counter()
        deadline = time.monotonic() + 120
        while sink.total() < len(accepted) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # a duplicate would arrive after the last expected message
        drained = time.perf_counter() - drain_started
        memory = peak_memory_kib(service.pid)
    finally:
        service.send_signal(signal.SIGTERM)
        service.wait(60)
        controller.stop()
        log.close()

    latencies.sort()
    missing = [address for address in accepted if sink.received[address] == 0]
    twice = [address for address, count in sink.received.items() if count > 1]
    strangers = [address for address in sink.received if address not in set(accepted)]
    p99 = latencies[int(len(latencies) * 0.99) - 1] if latencies else float("nan")
    pace = f"{arguments.rate:g} requests/s offered" if arguments.rate else "each client sending as soon as answered"
    print(f"{arguments.clients} clients, {pace}, {arguments.seconds:g} s counted after a {arguments.warmup:g} s warm-up {logging_off}")
    print(f"requests:        {len(latencies)} counted ({len(accepted)} accepted in all, {refused} refused)")
    print(f"throughput:      {len(latencies) / elapsed:.0f} requests/s")
    print(f"latency:         median {statistics.median(latencies) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms")
    print(f"service memory:  {memory / 1024:.1f} MiB at its peak (VmHWM)")
    print(f"mail:            {sink.total()} confirmation emails for {len(accepted)} accepted sign-ups; "
          f"{len(missing)} missing, {len(twice)} twice, {len(strangers)} unexpected; the outbox drained {drained:.1f} s after the load")
    shutil.rmtree(folder, ignore_errors=True)
    return 0 if not (missing or twice or strangers or refused) else 1


if __name__ == "__main__":
    sys.exit(main())
