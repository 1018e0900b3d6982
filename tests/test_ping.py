"""WebSub: `sitegen ping` tells a real (local) hub which feeds changed."""

from __future__ import annotations

import http.server
import threading
import urllib.parse

import pytest

from .conftest import BASE_CONFIG, post, run_cli, write_files

pytestmark = pytest.mark.slow  # real `sitegen build` and `sitegen ping` runs against a local hub


class Hub:
    """A local HTTP server recording WebSub publish requests; answers with `status`."""

    def __init__(self, status: int = 204):
        self.requests: list[dict] = []
        self.status = status
        hub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's hook
                length = int(self.headers["Content-Length"])
                body = urllib.parse.parse_qs(self.rfile.read(length).decode())
                hub.requests.append({"path": self.path, "type": self.headers["Content-Type"], "body": body})
                self.send_response(hub.status)
                self.end_headers()
                if hub.status >= 400:
                    self.wfile.write(b"topic not allowed")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hub"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hub():
    server = Hub()
    yield server
    server.close()


def site_with_hub(make_site, hub_url: str):
    return make_site(
        {"content/posts/2026-03-01-a.md": post("A", tags="[bread]"), "content/pages/about.md": "---\ntitle: About\n---\nx\n"},
        config=f'websub_hub = "{hub_url}"\n' + BASE_CONFIG,
        extra_config="\n[feeds]\nauthors = false\ncategories = false\n",
    )


def published_urls(hub: Hub) -> list[str]:
    assert all(r["body"]["hub.mode"] == ["publish"] for r in hub.requests)
    assert all(r["type"] == "application/x-www-form-urlencoded" for r in hub.requests)
    return sorted(url for r in hub.requests for url in r["body"]["hub.url"])


def test_ping_announces_changed_feeds_once(make_site, hub):
    root = site_with_hub(make_site, hub.url)
    run_cli("build", "--source", str(root), check=True)

    result = run_cli("ping", "--source", str(root), check=True)

    site_feeds = [f"https://bakery.test/{name}" for name in ("atom.xml", "feed.json", "rss.xml")]
    tag_feeds = [f"https://bakery.test/tags/bread/{name}" for name in ("atom.xml", "feed.json", "rss.xml")]
    offers_and_updates = [f"https://bakery.test/{folder}/{name}" for folder in ("offers", "updates") for name in ("atom.xml", "feed.json", "rss.xml")]
    assert published_urls(hub) == sorted(site_feeds + tag_feeds + offers_and_updates)
    assert result.stdout.rstrip().endswith(f"told {hub.url} about 12 feeds")

    # Nothing changed since: nothing to announce.
    hub.requests.clear()
    run_cli("build", "--source", str(root), check=True)
    assert "nothing to announce" in run_cli("ping", "--source", str(root), check=True).stdout
    assert hub.requests == []

    # An edit to the post changes the site's and its tag's feeds only.
    write_files(root, {"content/posts/2026-03-01-a.md": post("A", tags="[bread]", body="New text.")})
    run_cli("build", "--source", str(root), check=True)
    run_cli("ping", "--source", str(root), check=True)
    assert published_urls(hub) == sorted(site_feeds + tag_feeds)


def test_hub_refusal_is_a_clear_error_and_keeps_the_feeds_pending(make_site):
    refusing = Hub(status=403)
    try:
        root = site_with_hub(make_site, refusing.url)
        run_cli("build", "--source", str(root), check=True)
        result = run_cli("ping", "--source", str(root))
        assert result.returncode == 1
        assert f"error: sitegen.toml: websub_hub: the hub {refusing.url} refused https://bakery.test/atom.xml: HTTP 403 Forbidden: topic not allowed" in result.stderr
        refusing.status = 204
        refusing.requests.clear()
        run_cli("ping", "--source", str(root), check=True)  # a later ping retries what was refused
        assert len(published_urls(refusing)) == 12
    finally:
        refusing.close()


def test_unreachable_hub_is_a_clear_error(make_site, hub):
    hub.close()  # nothing listens on that port any more
    root = site_with_hub(make_site, hub.url)
    run_cli("build", "--source", str(root), check=True)
    result = run_cli("ping", "--source", str(root))
    assert result.returncode == 1
    assert f"error: sitegen.toml: websub_hub: could not reach the hub {hub.url}: " in result.stderr
    assert "Connection refused" in result.stderr


def test_ping_all_and_no_hub(make_site, hub):
    root = site_with_hub(make_site, hub.url)
    run_cli("ping", "--all", "--source", str(root), check=True)
    assert len(published_urls(hub)) == 12
    plain = make_site()
    write_files(plain, {"sitegen.toml": BASE_CONFIG})
    result = run_cli("ping", "--source", str(plain))
    assert result.returncode == 1
    assert "error: sitegen.toml: websub_hub: not set: there is no hub to ping" in result.stderr


def test_only_builds_of_the_published_site_queue_announcements(make_site, hub, tmp_path):
    """The dev server and preview builds used to queue their own feed URLs (http://127.0.0.1:...)
    for the next `sitegen ping`, which announced them to the public hub."""
    import signal
    import subprocess
    import sys

    root = site_with_hub(make_site, hub.url)
    run_cli("build", "--source", str(root), "--base-url", "https://preview.bakery.test", "--output", str(tmp_path / "preview"), check=True)
    run_cli("build", "--source", str(root), "--base-url", "https://preview.bakery.test", check=True)
    run_cli("build", "--source", str(root), "--output", str(tmp_path / "elsewhere"), check=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "sitegen", "serve", "--source", str(root), "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        while not (line := server.stdout.readline()).startswith("Serving "):
            assert line, server.stderr.read()
        write_files(root, {"content/posts/2026-03-01-a.md": post("A", tags="[bread]", body="Edited under the dev server.")})
        line = server.stdout.readline()  # the rebuild after the edit is logged
        assert " rebuilt " in line and " feeds" in line, line
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
    assert "nothing to announce" in run_cli("ping", "--source", str(root), check=True).stdout
    assert hub.requests == []
    # The published site is announced, with its own URLs only.
    run_cli("build", "--source", str(root), check=True)
    run_cli("ping", "--source", str(root), check=True)
    assert published_urls(hub) and all(url.startswith("https://bakery.test/") for url in published_urls(hub))
