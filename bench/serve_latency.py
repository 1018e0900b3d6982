"""Edit-to-served latency of `sitegen serve`: a post file saved -> its new bytes served.

    python bench/serve_latency.py --posts 1000 --edits 20

Starts the real `sitegen serve` on a generated corpus, then repeatedly appends a unique marker
to one post and polls its page until the marker is served. The time includes the server's
50 ms debounce, the rebuild and the HTTP round trip.

    python bench/serve_latency.py --posts 10000 --first-page --repeat 3

Time to first page instead, side by side with a cold `sitegen build`: each repeat times, as new
processes and in this order, a cold `sitegen build`; `sitegen serve` after it (the cache warm
for build's base URL only); `sitegen serve` again on the same port (its own part of the cache
warm); and `sitegen serve` with no cache at all. A serve time runs from starting the process to
the home page's bytes received (the request waits while the first build runs). Old outputs and
caches are set aside, not deleted, until the end (see bench/README.md: ext4 and cold builds).
"""

from __future__ import annotations

import argparse
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_corpus import make_corpus  # noqa: E402


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def first_page(site: Path, port: int, log_path: Path) -> float:
    """Seconds from starting `sitegen serve` to its home page received; then stop it (saving its cache)."""
    log = log_path.open("a")
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "sitegen", "serve", "--source", str(site), "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=600) as response:
                    if response.status == 200 and response.read():
                        return time.perf_counter() - started
            except OSError:  # not listening yet
                if server.poll() is not None:
                    raise SystemExit(f"the server stopped: see {log_path}") from None
                time.sleep(0.01)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=120)
        log.close()


def cold_build(site: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sitegen", "build", "--source", str(site)], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def compare_first_page(site: Path, repeat: int) -> None:
    """Cold build and the dev server's first page, alternating, each repeat in the same order."""
    trash = Path(tempfile.mkdtemp(prefix="set-aside-", dir=site.parent))
    cache = site / ".sitegen-cache"

    def set_aside(path: Path) -> None:
        if path.exists():
            path.rename(trash / f"{path.name}-{time.time_ns()}")

    port = free_port()
    log_path = Path(tempfile.mkdtemp(prefix="serve-first-page-")) / "serve.log"
    print(f"the servers' output: {log_path}")
    figures: dict[str, list[float]] = {}
    try:
        for number in range(repeat):
            set_aside(site / "output")
            set_aside(cache)
            subprocess.run(["sync"], check=False)
            runs = [("cold sitegen build", lambda: cold_build(site))]
            runs.append(("serve, cache warm from build", lambda: (set_aside(cache / "serve"), first_page(site, port, log_path))[1]))
            runs.append(("serve, its own cache warm", lambda: first_page(site, port, log_path)))
            runs.append(("serve, no cache", lambda: (set_aside(cache), subprocess.run(["sync"], check=False), first_page(site, port, log_path))[2]))
            for name, run in runs:
                seconds = run()
                figures.setdefault(name, []).append(seconds)
                load = open("/proc/loadavg").read().split()[0] if Path("/proc/loadavg").exists() else "?"
                print(f"repeat {number + 1}: {name}: {seconds:.2f} s (load {load})", flush=True)
    finally:
        shutil.rmtree(trash, ignore_errors=True)
    for name, values in figures.items():
        print(f"{name}: median {statistics.median(values):.2f} s ({', '.join(f'{v:.2f}' for v in values)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--first-page", action="store_true", help="time to first page, beside a cold build (see above)")
    parser.add_argument("--repeat", type=int, default=3, help="with --first-page: how many times (medians)")
    parser.add_argument("--site", type=Path, help="an existing corpus folder (from make_corpus.py) instead of a new one")
    arguments = parser.parse_args()

    if arguments.first_page:
        with tempfile.TemporaryDirectory() as folder:
            site = arguments.site or make_corpus(Path(folder) / "site", arguments.posts)
            compare_first_page(site.resolve(), arguments.repeat)
        return

    with tempfile.TemporaryDirectory() as folder:
        site = make_corpus(Path(folder) / "site", arguments.posts)
        started = time.perf_counter()
        server = subprocess.Popen(
            [sys.executable, "-m", "sitegen", "serve", "--source", str(site), "--port", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        try:
            line = server.stdout.readline()
            while not line.startswith("Serving "):
                if not line:
                    raise SystemExit("the server did not start")
                line = server.stdout.readline()
            url = line.split()[1].rstrip("/")
            print(f"{arguments.posts} posts: first build and start {time.perf_counter() - started:.2f} s")
            posts = sorted((site / "content/posts").glob("*.md"))
            latencies = []
            for edit in range(arguments.edits):
                path = posts[(edit * 37) % len(posts)]
                page = f"{url}/posts/{path.stem[11:]}/"
                marker = f"marker-{edit}-{time.time_ns()}"
                text = path.read_text(encoding="utf-8")
                time.sleep(0.3)  # let the previous rebuild settle
                saved = time.perf_counter()
                path.write_text(text + f"\n{marker}\n", encoding="utf-8")
                while marker.encode() not in fetch(page):
                    time.sleep(0.002)
                latencies.append((time.perf_counter() - saved) * 1000)
            latencies.sort()
            print(
                f"edit-to-served over {len(latencies)} edits: median {statistics.median(latencies):.0f} ms, "
                f"p90 {latencies[int(len(latencies) * 0.9) - 1]:.0f} ms, max {latencies[-1]:.0f} ms"
            )
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
