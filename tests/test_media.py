"""What a file is to a web server: Content-Type and Cache-Control by path, and the `_headers` file the
build writes for hosts that deploy from git (Netlify, Cloudflare Pages), read here as those hosts read it."""

from __future__ import annotations

import re

import pytest

from sitegen.media import FEEDS, IMMUTABLE, SHORT, STATIC, Media, media_of


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("index.html", Media("text/html; charset=utf-8", SHORT)),
        ("posts/x/index.html", Media("text/html; charset=utf-8", SHORT)),
        ("atom.xml", Media("application/atom+xml; charset=utf-8", FEEDS)),
        ("tags/bread/rss.xml", Media("application/rss+xml; charset=utf-8", FEEDS)),
        ("podcast.xml", Media("application/rss+xml; charset=utf-8", FEEDS)),
        ("feed.json", Media("application/feed+json; charset=utf-8", FEEDS)),
        ("feeds.opml", Media("text/x-opml; charset=utf-8", FEEDS)),
        ("sitemap.xml", Media("application/xml; charset=utf-8", SHORT)),
        ("robots.txt", Media("text/plain; charset=utf-8", SHORT)),
        ("static/audio/ep1.mp3", Media("audio/mpeg", STATIC)),
        ("static/favicon.svg", Media("image/svg+xml", STATIC)),
        ("static/images/Card.PNG", Media("image/png", STATIC)),
        ("static/css/site.3f9a1c2e.css", Media("text/css; charset=utf-8", IMMUTABLE)),
        ("static/files/menu.weird", Media("application/octet-stream", STATIC)),
    ],
)
def test_media_of_a_path(path, expected):
    assert media_of(path) == expected


def test_the_plan_names_a_feed_whatever_its_file_is_called():
    assert media_of("news/latest.xml", "atom").content_type == "application/atom+xml; charset=utf-8"


def headers_for(rules: list[tuple[str, list[tuple[str, str]]]], url: str) -> list[tuple[str, str]]:
    """Every header the rules give url, as Cloudflare Pages applies them: each matching rule's, in order
    (`*` matches anything, `:name` one path segment)."""
    found = []
    for pattern, headers in rules:
        regex = "^" + "".join(
            ".*" if part == "*" else "[^/]+" if part.startswith(":") else re.escape(part)
            for part in re.split(r"(\*|:[a-z0-9]+)", pattern)
        ) + "$"
        if re.match(regex, url):
            found += headers
    return found


def parse_headers_file(text: str) -> list[tuple[str, list[tuple[str, str]]]]:
    rules: list[tuple[str, list[tuple[str, str]]]] = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("/"):
            rules.append((line, []))
        else:
            name, _, value = line.strip().partition(": ")
            rules[-1][1].append((name, value))
    return rules


def test_the_headers_file_gives_each_feed_its_type_and_no_path_a_header_twice(demo_output):
    rules = parse_headers_file((demo_output / "_headers").read_text(encoding="utf-8"))
    assert len(rules) <= 100, "Cloudflare Pages reads at most 100 rules"
    files = sorted(p.relative_to(demo_output).as_posix() for p in demo_output.rglob("*") if p.is_file())
    feeds = [f for f in files if f.rsplit("/", 1)[-1] in ("atom.xml", "rss.xml", "feed.json", "podcast.xml")]
    assert len(feeds) > 20
    for path in files:
        url = "/" + path.removesuffix("index.html")
        headers = headers_for(rules, url)
        names = [name for name, _ in headers]
        assert len(names) == len(set(names)), f"{url} gets a header from two rules: {headers}"
        assert ("X-Content-Type-Options", "nosniff") in headers
        if path in feeds or path == "feeds.opml":
            assert dict(headers)["Content-Type"] == media_of(path).content_type, url
            assert dict(headers)["Cache-Control"] == FEEDS
        elif path.startswith("static/"):
            assert dict(headers)["Cache-Control"] == STATIC
        else:
            assert "Cache-Control" not in dict(headers), f"{url}: pages keep the host's own revalidation"
    assert (demo_output / ".nojekyll").read_bytes() == b""
