"""Edit-to-served latency of `sitegen serve`: a post file saved -> its new bytes served.

    python bench/serve_latency.py --posts 1000 --edits 20

Starts the real `sitegen serve` on a generated corpus, then repeatedly appends a unique marker
to one post and polls its page until the marker is served. The time includes the server's
50 ms debounce, the rebuild and the HTTP round trip.
"""

from __future__ import annotations

import argparse
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=20)
    arguments = parser.parse_args()

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
