"""The dev server, for real: HTTP on a free port, watchdog, Server-Sent Events, Chromium."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from sitegen.serve import DevServer

from .conftest import NOW, post, watch_problems, write_files

pytestmark = pytest.mark.slow  # a real server, watchdog and rebuilds in every test

TIMEOUT = 10.0


def fetch(url: str) -> tuple[int, dict, bytes]:
    """GET url without following redirects: (status, headers, body)."""
    parts = urllib.request.urlparse(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)
    connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, dict(response.getheaders()), body


def raw_get(server: DevServer, raw_path: str) -> tuple[int, bytes]:
    """Send a request line exactly as given (no client-side path normalising)."""
    connection = http.client.HTTPConnection(server.host, server.port, timeout=TIMEOUT)
    connection.putrequest("GET", raw_path, skip_accept_encoding=True)
    connection.endheaders()
    response = connection.getresponse()
    return response.status, response.read()


def wait_until(predicate, timeout: float = TIMEOUT):
    """Poll predicate until it returns something true; fail after timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)  # the polling interval of this wait, not a wait of its own
    raise AssertionError(f"not true within {timeout} s: {predicate}")


SITE = {
    "content/posts/2026-03-01-first.md": post("First post", "2026-03-01 09:00", "The first words.", tags="[bread]"),
    "content/posts/2026-03-02-second.md": post("Second post", "2026-03-02 09:00", "More words."),
    "content/posts/2026-03-03-draft.md": post("Secret draft", "2026-03-03 09:00", "Not yet.", draft="true"),
    "content/pages/about.md": "---\ntitle: About\nmenu: 1\n---\nWho we are.\n",
    "content/static/sound.mp3": b"ID3fake",
    "content/static/logo.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>',
}


@pytest.fixture
def serving(make_site):
    """serving(**options) -> a started DevServer on a free port for a small site (stopped afterwards)."""
    servers = []

    def start(files: dict | None = None, **options) -> DevServer:
        root = make_site(files if files is not None else SITE)
        server = DevServer(root, port=0, clock=lambda: NOW, **options)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def test_serves_the_site_with_proper_types_redirects_and_404(serving):
    server = serving()
    status, headers, body = fetch(server.url + "/posts/first/")
    assert status == 200 and b"The first words." in body
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    expected = {
        "/atom.xml": "application/atom+xml",
        "/rss.xml": "application/rss+xml",
        "/feed.json": "application/feed+json",
        "/feeds.opml": "text/x-opml; charset=utf-8",
        "/sitemap.xml": "application/xml",
        "/static/sound.mp3": "audio/mpeg",
        "/static/logo.svg": "image/svg+xml",
        "/robots.txt": "text/plain; charset=utf-8",
    }
    types = {path: fetch(server.url + path)[1]["Content-Type"] for path in expected}
    assert types == expected
    status, headers, _ = fetch(server.url + "/posts/first")
    assert (status, headers["Location"]) == (301, "/posts/first/")
    status, _, body = fetch(server.url + "/no/such/page/")
    assert status == 404 and b"We couldn't find that page" in body


def test_links_point_at_the_local_server_and_files_stay_clean(serving):
    server = serving()
    _, _, body = fetch(server.url + "/posts/first/")
    assert f'<link rel="canonical" href="{server.url}/posts/first/">'.encode() in body
    assert b"EventSource" in body  # added when served...
    built = (server.output_dir / "posts/first/index.html").read_bytes()
    assert b"EventSource" not in built  # ...never in the built file
    _, _, feed = fetch(server.url + "/atom.xml")
    assert f"{server.url}/posts/first/".encode() in feed


def test_drafts_never_reach_the_output_folder(serving):
    server = serving(drafts=True)
    assert fetch(server.url + "/posts/draft/")[0] == 200
    assert not (server.root / "output").exists()


def test_editing_a_post_changes_the_served_page(serving):
    server = serving()
    write_files(server.root, {"content/posts/2026-03-01-first.md": post("First post", "2026-03-01 09:00", "Edited words.", tags="[bread]")})
    wait_until(lambda: b"Edited words." in fetch(server.url + "/posts/first/")[2])


def test_adding_and_deleting_a_post_updates_home_archives_and_feeds(serving):
    server = serving()
    write_files(server.root, {"content/posts/2026-03-04-third.md": post("Third post", "2026-03-04 09:00", "New!", tags="[bread]")})
    wait_until(lambda: fetch(server.url + "/posts/third/")[0] == 200)
    for path in ("/", "/archive/", "/tags/bread/", "/atom.xml", "/tags/bread/feed.json"):
        assert b"Third post" in fetch(server.url + path)[2], path
    (server.root / "content/posts/2026-03-04-third.md").unlink()
    wait_until(lambda: fetch(server.url + "/posts/third/")[0] == 404)
    for path in ("/", "/archive/", "/tags/bread/", "/atom.xml", "/tags/bread/feed.json"):
        assert b"Third post" not in fetch(server.url + path)[2], path


def test_broken_yaml_shows_the_overlay_then_the_fixed_page(serving):
    server = serving()
    good = (server.root / "content/posts/2026-03-01-first.md").read_text()
    write_files(server.root, {"content/posts/2026-03-01-first.md": "---\ntitle: [broken\n---\nx\n"})
    status, _, body = wait_until(lambda: (r := fetch(server.url + "/posts/first/"))[0] == 500 and r)
    assert b"sitegen-error-overlay" in body
    assert b"content/posts/2026-03-01-first.md:" in body and b"invalid YAML in front matter" in body
    assert fetch(server.url + "/static/logo.svg")[0] == 200  # the last good site is still there
    write_files(server.root, {"content/posts/2026-03-01-first.md": good.replace("The first words.", "Fixed words.")})
    wait_until(lambda: b"Fixed words." in fetch(server.url + "/posts/first/")[2])
    assert fetch(server.url + "/posts/first/")[0] == 200


@pytest.mark.parametrize(
    "raw_path",
    ["/../sitegen.toml", "/%2e%2e/sitegen.toml", "/%2E%2E/%2e%2e/etc/passwd", "/posts/..%2f..%2fsitegen.toml", "/static/%00x", "/..\\sitegen.toml"],
)
def test_traversal_is_refused_without_leaking_files(serving, raw_path):
    server = serving()
    status, body = raw_get(server, raw_path)
    assert status in (400, 404)
    assert b"base_url" not in body and b"root:" not in body


def test_symlink_out_of_the_output_is_not_followed(serving, tmp_path):
    server = serving()
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    os.symlink(secret, server.output_dir / "leak.txt")
    status, body = raw_get(server, "/leak.txt")
    assert status == 404 and b"top secret" not in body


def test_event_stream_announces_each_build(serving):
    server = serving()
    connection = http.client.HTTPConnection(server.host, server.port, timeout=TIMEOUT)
    connection.request("GET", "/__sitegen/events")
    response = connection.getresponse()
    assert response.getheader("Content-Type") == "text/event-stream"

    def next_event() -> str:
        lines = []
        while True:
            line = response.fp.readline().decode().rstrip("\n")
            if line == "" and lines:
                return "\n".join(lines)
            if line and not line.startswith(":"):
                lines.append(line)

    first = next_event()
    assert first.endswith(f"event: build\ndata: {server.generation}")
    before = server.generation
    write_files(server.root, {"content/pages/about.md": "---\ntitle: About\nmenu: 1\n---\nChanged.\n"})
    assert next_event() == f"event: build\ndata: {before + 1}"
    connection.close()


def test_a_burst_of_events_is_one_rebuild(serving):
    server = serving()
    before = server.generation
    for number in range(10):  # an editor's save, or a git checkout touching many files
        write_files(server.root, {f"content/posts/2026-04-{number + 1:02d}-burst-{number}.md": post(f"Burst {number}", f"2026-04-{number + 1:02d}")})
    wait_until(lambda: fetch(server.url + "/posts/burst-9/")[0] == 200)
    # Events arrive in the order the files were written, so once an edit made after the burst is
    # served, every build the burst caused has run: count them then, not after a pause.
    write_files(server.root, {"content/pages/about.md": "---\ntitle: About\nmenu: 1\n---\nAfter the burst.\n"})
    wait_until(lambda: b"After the burst." in fetch(server.url + "/about/")[2])
    assert server.generation - before <= 3  # the burst's build, split once at most by watchdog; then the edit's


@pytest.mark.browser
def test_open_page_reloads_by_itself(serving, browser):
    server = serving()
    page = browser.new_page()
    problems = watch_problems(page)
    with page.expect_response(lambda response: response.url.endswith("/__sitegen/events")):  # the stream is open
        page.goto(server.url + "/about/")
    assert "Who we are." in page.inner_text("main")
    write_files(server.root, {"content/pages/about.md": "---\ntitle: About\nmenu: 1\n---\nWe moved!\n"})
    page.wait_for_function("document.querySelector('main').innerText.includes('We moved!')", timeout=TIMEOUT * 1000)
    assert [p for p in problems if "__sitegen/events" not in p] == []
    page.close()


def test_ctrl_c_stops_cleanly(make_site):
    root = make_site(SITE)
    process = subprocess.Popen(
        [sys.executable, "-m", "sitegen", "serve", "--source", str(root), "--port", "0", "--now", NOW.isoformat()],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    line = process.stdout.readline()
    while not line.startswith("Serving "):
        line = process.stdout.readline()
        assert line, process.stderr.read()
    url = line.split()[1].rstrip("/")
    assert fetch(url + "/about/")[0] == 200
    # An open event stream must not keep the server alive: open one, and read its first event.
    stream = urllib.request.urlopen(url + "/__sitegen/events", timeout=TIMEOUT)
    assert stream.readline().startswith(b"retry:")
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=TIMEOUT) == 0
    stream.close()
    assert "stopping" in process.stdout.read()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url + "/", timeout=2)


def test_ctrl_c_stops_it_even_when_started_with_sigint_ignored(make_site):
    """A script's background job (`cmd &` without job control) starts with SIGINT ignored, which Python
    keeps: the server must still stop on Ctrl-C (CI ran this suite that way and two servers never stopped)."""
    root = make_site(SITE)
    process = subprocess.Popen(
        [sys.executable, "-m", "sitegen", "serve", "--source", str(root), "--port", "0", "--now", NOW.isoformat()],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        while not (line := process.stdout.readline()).startswith("Serving "):
            assert line, process.stderr.read()
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=TIMEOUT) == 0
    finally:
        process.kill()


def test_a_port_in_use_is_a_clear_error_that_leaves_nothing_behind(make_site, tmp_path):
    import socket

    root = make_site(SITE)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "sitegen", "serve", "--source", str(root), "--port", str(port)],
            env={**os.environ, "TMPDIR": str(temporary)}, capture_output=True, text=True, timeout=TIMEOUT,
        )
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and f"--port {port + 1}" in result.stderr
    assert list(temporary.iterdir()) == []  # no empty private build folder left in the temporary folder


def test_first_build_starts_from_the_on_disk_cache_and_keeps_its_own_part(make_site, tmp_path, monkeypatch):
    """After `sitegen build`, the server parses nothing; its site equals a clean build at its URL; its
    next start renders nothing; and `sitegen build` afterwards still reuses everything it cached."""
    import sitegen.content
    from sitegen.build import build
    from sitegen.cache import CACHE_DIR

    from .test_cache import build_cli, cold_tree, tree
    from .test_incremental import corpus

    root = make_site(corpus(30))
    build_cli(root)
    published = tree(root / "output")
    parsed = []
    read_document = sitegen.content.read_document
    monkeypatch.setattr(sitegen.content, "read_document", lambda *args, **kwargs: parsed.append(args[2]) or read_document(*args, **kwargs))

    def start(port: int = 0) -> tuple[DevServer, list]:
        outcomes = []
        server = DevServer(root, port=port, clock=lambda: NOW, log=outcomes.append, cache_folder=root / CACHE_DIR)
        server.start()
        return server, outcomes

    server, outcomes = start()
    try:
        assert parsed == []  # every document came from the cache `sitegen build` saved
        assert server.output_dir == root / CACHE_DIR / "serve" / "site"
        first = outcomes[0].result
        assert len(first.rendered) == len(first.plan.outputs)  # its URLs are not build's: every page renders
        clean = build(root, tmp_path / "clean", now=NOW, base_url=server.url)
        parsed.clear()  # the clean build parsed every file
        assert tree(server.output_dir) == tree(clean.output_dir)
        port, url = server.port, server.url
    finally:
        server.stop()
    assert (root / CACHE_DIR / "serve" / "build.pickle").is_file()  # saved when it stopped

    server, outcomes = start(port)  # same URL: the same pages
    try:
        assert server.url == url and parsed == []
        assert outcomes[0].result.rendered == ()  # every page was kept from its last run
        assert tree(server.output_dir) == tree(clean.output_dir)
    finally:
        server.stop()

    assert tree(root / "output") == published  # the server never touches output/
    summary = build_cli(root).stdout
    assert f"rendered 0, {len(first.plan.outputs)} from cache; 0 written" in summary, summary
    assert tree(root / "output") == cold_tree(root, tmp_path)


def test_a_second_server_on_the_same_site_leaves_the_first_ones_cache_alone(make_site):
    from sitegen.cache import CACHE_DIR

    root = make_site(SITE)
    first = DevServer(root, port=0, clock=lambda: NOW, cache_folder=root / CACHE_DIR)
    first.start()
    try:
        second = DevServer(root, port=0, clock=lambda: NOW, cache_folder=root / CACHE_DIR, drafts=True)
        second.start()
        try:
            assert second.output_dir != first.output_dir and not second.output_dir.is_relative_to(root)
            assert fetch(second.url + "/posts/draft/")[0] == 200
            assert fetch(first.url + "/posts/draft/")[0] == 404
        finally:
            second.stop()
        assert not second.output_dir.exists()
        assert fetch(first.url + "/posts/first/")[0] == 200
    finally:
        first.stop()
