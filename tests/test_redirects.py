"""Old addresses (front matter `aliases`) become redirect pages and `_redirects`; a clash is an error naming both files."""

from __future__ import annotations

import http.server
import threading
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from sitegen.errors import SitegenError

from .conftest import post


@contextmanager
def served(folder: Path):
    """A real HTTP server on 127.0.0.1 serving folder, as a plain static host does; yields its base URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(folder), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def redirect_of(base: str, path: str) -> tuple[int, str]:
    """(status, where the page sends the browser) for an old address, following the server's own redirects
    (a folder without its slash) as a browser does."""
    with urllib.request.urlopen(base + path, timeout=10) as response:
        page = BeautifulSoup(response.read(), "html.parser")
        status = response.status
    refresh = page.find("meta", attrs={"http-equiv": "refresh"})
    assert refresh is not None, path
    assert page.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    target = refresh["content"].split("url=", 1)[1]
    assert page.find("link", rel="canonical")["href"].endswith(target)
    assert page.find("a")["href"] == target
    return status, target


def test_aliases_become_redirect_pages_and_redirects_lines(make_site, build_at):
    root = make_site({
        "content/posts/2026-01-01-a.md": post("A", aliases="[/2019/01/a/, /old-a, /a.html, '/?p=12']"),
        "content/posts/2026-01-02-b.md": post("B", redirect_from="/b-old/", body="See [A](/2019/01/a/), still a link that works."),
        "content/pages/about.md": "---\ntitle: About\naliases: [/about-us/]\n---\nUs.\n",
    })
    build_at(root)
    output = root / "output"
    assert (output / "_redirects").read_text(encoding="utf-8") == (
        "# Old addresses and where they moved (front matter `aliases`), and short links (/go/): written by sitegen.\n"
        "/2019/01/a/  /posts/a/  301\n"
        "/  p=12  /posts/a/  301\n"
        "/a.html  /posts/a/  301\n"
        "/about-us/  /about/  301\n"
        "/b-old/  /posts/b/  301\n"
        "/old-a  /posts/a/  301\n"
        "/old-a/  /posts/a/  301\n"
    )
    with served(output) as base:
        assert redirect_of(base, "/2019/01/a/") == (200, "/posts/a/")
        assert redirect_of(base, "/old-a") == (200, "/posts/a/")  # the server adds the slash first
        assert redirect_of(base, "/a.html") == (200, "/posts/a/")
        assert redirect_of(base, "/b-old/") == (200, "/posts/b/")
        assert redirect_of(base, "/about-us/") == (200, "/about/")
    sitemap = (output / "sitemap.xml").read_text(encoding="utf-8")
    assert "/posts/a/" in sitemap and "2019" not in sitemap and "old" not in sitemap


def test_no_alias_no_redirects_file(make_site, build_at):
    root = make_site({"content/posts/2026-01-01-a.md": post("A")})
    build_at(root)
    assert not (root / "output" / "_redirects").exists()


def problems_of(make_site, build_at, files) -> list[str]:
    root = make_site(files)
    with pytest.raises(SitegenError) as raised:
        build_at(root)
    return [str(problem) for problem in raised.value.problems]


def test_an_alias_that_is_a_page_or_another_alias_names_both_files(make_site, build_at):
    assert problems_of(make_site, build_at, {
        "content/posts/2026-01-01-a.md": post("A", aliases="[/about/, /old/]"),
        "content/posts/2026-01-02-b.md": post("B", aliases="[/old]"),
        "content/posts/2026-01-03-c.md": post("C", aliases="[/posts/c/]"),
        "content/pages/about.md": "---\ntitle: About\n---\nUs.\n",
    }) == [
        "content/posts/2026-01-01-a.md:4: aliases: alias '/about/' is the URL of content/pages/about.md (remove the alias, or give that page another 'slug')",
        "content/posts/2026-01-02-b.md:4: aliases: alias '/old' is an alias of content/posts/2026-01-01-a.md too (keep it on one of them)",
        "content/posts/2026-01-03-c.md:4: aliases: alias '/posts/c/' is its own URL (remove the alias)",
    ]


def test_an_alias_that_is_a_generated_page_names_both(make_site, build_at):
    assert problems_of(make_site, build_at, {"content/posts/2026-01-01-a.md": post("A", aliases="[/archive/]")}) == [
        "content/posts/2026-01-01-a.md: writes archive/index.html, which the archive page /archive/ writes too (rename one of them)",
    ]


def test_an_alias_must_be_a_site_relative_url(make_site, build_at):
    assert problems_of(make_site, build_at, {"content/posts/2026-01-01-a.md": post("A", aliases="[old/a, 'https://old.example/a/', /../x/]")}) == [
        "content/posts/2026-01-01-a.md:4: aliases: alias 'old/a' is not a site-relative URL; expected an old address of this page "
        "from the site root, like '/2019/03/spring-menu/' or '/?p=12'",
    ]
