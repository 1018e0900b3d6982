"""The Subscribe page and feeds.opml of the demo site: every channel the build wrote, in plain words, with
feed addresses that work; the email sign-up form and social links from sitegen.toml; every feed link on the
site lands on an existing anchor of the page.

Expectations come from the output's feed files (which channels exist), the content's front matter (topic
names) and sitegen.toml, never from the Subscribe page itself.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import re
import shutil
import struct
import subprocess
import threading
import tomllib
import unicodedata
import zlib
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import feedparser
import pytest
import yaml
from bs4 import BeautifulSoup
from lxml import etree

from sitegen import build
from sitegen.follow import follow_links

from .conftest import DEMO_NOW, REPO, post, require_tool, watch_problems

FEED_NAMES = ("atom.xml", "rss.xml", "feed.json")


@functools.lru_cache(maxsize=None)
def config() -> dict:
    return tomllib.loads((REPO / "sitegen.toml").read_text(encoding="utf-8"))


def base_url() -> str:
    return config()["base_url"].rstrip("/")


def slugify(text: str) -> str:
    folded = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


@functools.lru_cache(maxsize=None)
def term_names() -> dict[tuple[str, str], set[str]]:
    """{(kind, slug): names written for it} from the demo posts' front matter and [authors]."""
    names: dict[tuple[str, str], set[str]] = {}
    for path in sorted((REPO / "content/posts").glob("*.md")):
        front = yaml.safe_load(path.read_text(encoding="utf-8").split("---", 2)[1]) or {}
        for kind, keys in (("tag", ("tags",)), ("category", ("category", "categories"))):
            for key in keys:
                values = front.get(key) or []
                for name in [values] if isinstance(values, str) else values:
                    names.setdefault((kind, slugify(name)), set()).add(str(name))
    for key, author in config().get("authors", {}).items():
        names.setdefault(("author", slugify(key)), set()).add(author["name"])
    return names


def feed_files(out: Path) -> set[str]:
    """Every feed file the build wrote, relative to the output folder."""
    return {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and (p.name in FEED_NAMES or p.relative_to(out).as_posix() == "podcast.xml")}


def channels(out: Path) -> dict[str, str]:
    """{channel folder ('' for the site-wide one, 'tags/rye/') or 'podcast.xml': its Subscribe page anchor}."""
    found = {}
    for rel in feed_files(out):
        if rel == "podcast.xml":
            found[rel] = "podcast"
        elif rel.endswith("atom.xml"):
            folder = rel[: -len("atom.xml")]
            parts = folder.strip("/").split("/")
            kind = {"tags": "tag", "categories": "category", "authors": "author"}.get(parts[0])
            found[folder] = "site" if folder == "" else f"{kind}-{parts[1]}" if kind else {"newsletter": "issues"}.get(parts[0], parts[0])
    return found


# ---------------------------------------------------------------------------------
# The page in a real browser
# ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def subscribe(browser, http_server, demo_output):
    """(page, problems, local base URL): /subscribe/ of the demo, loaded once, with every error it logged."""
    local = http_server(demo_output)
    context = browser.new_context()
    page = context.new_page()
    problems = watch_problems(page)
    response = page.goto(local + "/subscribe/", wait_until="load")
    assert response is not None and response.status == 200
    yield page, problems, local
    context.close()


ADDRESSES_JS = """els => els.map(e => ({shown: e.textContent.trim(), main: !!e.closest('.feed-address'),
  channel: e.closest('.channel') && e.closest('.channel').id}))"""


def test_subscribe_page_lists_every_channel_in_plain_words(subscribe, demo_output):
    page, problems, local = subscribe
    expected = channels(demo_output)
    assert {"", "podcast.xml", "offers/", "updates/"} <= set(expected) and any(f.startswith("tags/") for f in expected)
    addresses = page.eval_on_selector_all("code.feed-url", ADDRESSES_JS)
    # every feed file's public address exactly once, under its channel's anchor, as text to copy
    assert sorted(a["shown"] for a in addresses) == sorted(f"{base_url()}/{rel}" for rel in feed_files(demo_output))
    for address in addresses:
        rel = address["shown"][len(base_url()) + 1 :]
        folder = rel if rel == "podcast.xml" else rel.rsplit("/", 1)[0] + "/" if "/" in rel else ""
        assert address["channel"] == expected[folder], address
    main = [a for a in addresses if a["main"]]
    assert sorted(a["channel"] for a in main) == sorted(expected.values())  # each channel shows one address up front
    assert all(a["shown"].endswith(("/atom.xml", "/podcast.xml")) for a in main)
    sentences = {"tag": "Get new posts about {} in your feed reader", "category": "Get new posts in {} in your feed reader", "author": "Get new posts by {} in your feed reader"}
    for folder, anchor in expected.items():
        assert page.locator(f"#{anchor}").count() == 1, anchor
        kind = anchor.split("-", 1)[0]
        if kind in sentences:
            text = " ".join(page.inner_text(f"#{anchor} .channel-name").split())
            assert text in {sentences[kind].format(name) for name in term_names()[(kind, anchor.split("-", 1)[1])]}, (anchor, text)
    assert "in your feed reader" in page.inner_text("#offers .channel-name")
    # grouped by topic: sections, topics, writers, offers first; changes to the website last
    groups = page.eval_on_selector_all("[aria-labelledby=topics-title] h3", "els => els.map(e => e.textContent)")
    assert groups[:4] == ["Sections", "Topics", "Writers", "Offers"] and groups[-1] == "Changes to the website", groups
    assert problems == []


def test_every_feed_address_on_the_page_fetches_and_parses(subscribe):
    page, problems, local = subscribe
    addresses = page.eval_on_selector_all("code.feed-url", "els => els.map(e => e.textContent.trim())")
    assert addresses
    for shown in addresses:
        assert shown.startswith(base_url() + "/")
        url = local + shown[len(base_url()) :]  # the public address, on the local server
        response = page.request.get(url)
        assert response.status == 200, url
        body = response.body()
        if url.endswith(".json"):
            # feedparser 6.0 reads no JSON Feed: parse it as JSON and check its version and items
            feed = json.loads(body)
            assert feed["version"] == "https://jsonfeed.org/version/1.1" and feed["feed_url"] == shown
        else:
            parsed = feedparser.parse(body)
            assert not parsed.bozo, (url, parsed.bozo_exception)
            assert parsed.version.startswith(("atom", "rss")) and parsed.entries, url
    assert problems == []


def test_newsletter_form_social_links_and_podcast_come_from_the_settings(subscribe):
    page, problems, local = subscribe
    subscribe, social = config()["subscribe"], config()["social"]
    provider = subscribe["provider"]
    form = page.locator("form.newsletter-form")
    assert form.count() == 1
    assert page.locator("#newsletter > p").inner_text().strip() == subscribe["pitch"]
    assert form.get_attribute("action") == provider["action"]
    assert form.get_attribute("method").lower() == provider.get("method", "post")
    hidden = form.locator("input[type=hidden]")
    assert {hidden.nth(i).get_attribute("name"): hidden.nth(i).get_attribute("value") for i in range(hidden.count())} == provider.get("hidden", {})
    email = form.locator("input[type=email]")
    assert email.get_attribute("name") == provider.get("email_field", "email") and email.get_attribute("required") is not None
    assert form.locator("input[type=text]").get_attribute("name") == provider["name_field"]
    assert form.locator("button[type=submit]").inner_text().strip() == subscribe["button"]
    assert page.eval_on_selector_all("[aria-labelledby=social-title] a", "els => els.map(e => e.getAttribute('href'))") == list(social.values())
    podcast = page.locator("#podcast")
    assert podcast.count() == 1 and podcast.is_visible()
    assert config()["podcast"]["title"] in podcast.inner_text()
    assert podcast.locator(".feed-address code.feed-url").inner_text() == base_url() + "/podcast.xml"
    assert problems == []


def test_the_sign_up_form_shows_only_with_a_provider_s_form(make_site, build_at):
    root = make_site({}, extra_config='[subscribe]\npitch = "Fridays only."\nbutton = "Join"\n')
    build_at(root)
    page = BeautifulSoup((root / "output/subscribe/index.html").read_text(encoding="utf-8"), "html.parser")
    assert page.select("#newsletter, form") == [] and page.select('a[href="/subscribe/#newsletter"]') == []
    provider = '[subscribe.provider]\naction = "https://mail.example/add"\nmethod = "get"\nhidden = { list = "7" }\n'
    root = make_site({}, extra_config='[subscribe]\npitch = "Fridays only."\nbutton = "Join"\n' + provider)
    build_at(root)
    page = BeautifulSoup((root / "output/subscribe/index.html").read_text(encoding="utf-8"), "html.parser")
    section = page.select_one("#newsletter")
    assert section.p.get_text() == "Fridays only." and section.button.get_text() == "Join"
    form = section.form
    assert (form["action"], form["method"]) == ("https://mail.example/add", "get")
    assert [(i["type"], i["name"]) for i in form.select("input")] == [("hidden", "list"), ("email", "email")]
    assert len(page.select('a[href="/subscribe/#newsletter"]')) == 1  # the footer's "Get the newsletter"


# ---------------------------------------------------------------------------------
# Following in one tap, and never landing on raw XML
# ---------------------------------------------------------------------------------

READERS = {"Feedly": "https://feedly.com/i/subscription/feed/", "Inoreader": "https://www.inoreader.com/?add_feed=", "NewsBlur": "https://www.newsblur.com/?url="}
"""Each reader's subscribe page, before the feed's address."""


def test_follow_in_links_hand_each_channel_s_feed_to_a_reader(demo_output):
    page = BeautifulSoup((demo_output / "subscribe/index.html").read_bytes(), "lxml")
    expected = channels(demo_output)
    seen = set()
    for anchor in expected.values():
        channel = page.find(id=anchor)
        address = channel.select_one(".feed-address code.feed-url").get_text(strip=True)
        assert (demo_output / address.removeprefix(base_url() + "/")).is_file(), address  # a real feed of this build
        links = [(a.contents[0].strip(), a["href"]) for a in channel.select(".follow-in a")]
        if anchor == "podcast":
            bare = address.removeprefix("https://")
            assert links == [("Apple Podcasts", f"podcast://{bare}"), ("Another podcast app", f"pcast://{bare}")]
        else:
            readers = links[:3]
            assert [name for name, _ in readers] == list(READERS), anchor
            for name, href in readers:
                prefix = READERS[name]
                assert href.startswith(prefix), href
                encoded = href[len(prefix) :]
                # the whole address percent-encoded, so the reader gets it exactly, query and all
                assert re.fullmatch(r"[A-Za-z0-9._~%-]+", encoded) and unquote(encoded) == address, href
            assert links[3] == ("Your reader app", f"feed:{address}")
            assert len(links) == 4
        seen.add(anchor)
    assert seen == set(expected.values())


NO_SIDEWAYS_SCROLL_JS = "() => document.documentElement.scrollWidth <= window.innerWidth"


@pytest.mark.browser
def test_copy_buttons_copy_the_address_and_the_page_fits_a_phone(browser, http_server, demo_output):
    local = http_server(demo_output)
    context = browser.new_context(viewport={"width": 375, "height": 800})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=local)
    try:
        page = context.new_page()
        problems = watch_problems(page)
        page.goto(local + "/subscribe/", wait_until="load")
        assert page.evaluate(NO_SIDEWAYS_SCROLL_JS), page.evaluate("document.documentElement.scrollWidth")
        buttons = page.locator("#tag-rye .copy-address, #podcast .copy-address")
        for i in range(buttons.count()):
            button = buttons.nth(i)
            address = page.locator("#" + button.get_attribute("data-copy")).inner_text()
            button.click()
            assert page.evaluate("navigator.clipboard.readText()") == address
            assert button.inner_text() == "Copied"
        assert page.locator(".copy-address:visible").count() == len(channels(demo_output))
        assert problems == []
    finally:
        context.close()
    # without JavaScript, no button that does nothing: the address is text that one tap selects
    context = browser.new_context(viewport={"width": 375, "height": 800}, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(local + "/subscribe/", wait_until="load")
        assert page.locator(".copy-address:visible").count() == 0
        assert page.locator("#site .feed-address code").evaluate("e => getComputedStyle(e).userSelect") == "all"
        assert page.evaluate(NO_SIDEWAYS_SCROLL_JS)
    finally:
        context.close()


def test_follow_links_encode_the_whole_address():
    links = dict(follow_links("https://bakery.test/shop/a b/atom.xml?x=1&y=2"))
    encoded = "https%3A%2F%2Fbakery.test%2Fshop%2Fa%20b%2Fatom.xml%3Fx%3D1%26y%3D2"
    assert links == {
        "Feedly": f"https://feedly.com/i/subscription/feed/{encoded}",
        "Inoreader": f"https://www.inoreader.com/?add_feed={encoded}",
        "NewsBlur": f"https://www.newsblur.com/?url={encoded}",
        "Your reader app": "feed:https://bakery.test/shop/a b/atom.xml?x=1&y=2",
    }
    assert follow_links("http://127.0.0.1:8000/podcast.xml", podcast=True) == (
        ("Apple Podcasts", "podcast://127.0.0.1:8000/podcast.xml"), ("Another podcast app", "pcast://127.0.0.1:8000/podcast.xml")
    )


def test_no_link_on_the_site_opens_a_raw_feed(demo_output):
    """Feeds are reached through the Subscribe page; a link straight to one shows a reader raw XML."""
    feeds = {"/" + rel for rel in feed_files(demo_output)}
    opened = []
    for file in sorted(demo_output.rglob("*.html")):
        for link in BeautifulSoup(file.read_bytes(), "lxml").select("a[href]"):
            href = link["href"].removeprefix(base_url())
            if urlsplit(href).scheme in ("", "http", "https") and urlsplit(href).path in feeds:
                opened.append((file.relative_to(demo_output).as_posix(), link["href"]))
    assert opened == []


# ---------------------------------------------------------------------------------
# Face to face: the printable sign
# ---------------------------------------------------------------------------------


def svg_qr_as_png(svg, scale: int = 8) -> bytes:
    """A PNG of the QR code segno draws into a page (rows of horizontal strokes, 1 module wide), for zbarimg."""
    size = int(svg["viewbox"].split()[2])
    black = [[False] * size for _ in range(size)]
    x = y = 0.0
    for command, a, b in re.findall(r"([MmHh])(-?[\d.]+)(?: (-?[\d.]+))?", svg.path["d"]):
        if command in "Mm":
            x, y = (float(a), float(b)) if command == "M" else (x + float(a), y + float(b))
        else:
            end = float(a) if command == "H" else x + float(a)
            for column in range(int(x), int(end)):
                black[int(y)][column] = True
            x = end
    rows = b"".join(b"\0" + bytes(0 if black[r // scale][c // scale] else 255 for c in range(size * scale)) for r in range(size * scale))
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", size * scale, size * scale, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def decode_qr(png: bytes, tmp_path: Path) -> str:
    zbarimg = require_tool(shutil.which("zbarimg"), "zbarimg", "apt-get install zbar-tools")
    image = tmp_path / "qr.png"
    image.write_bytes(png)
    decoded = subprocess.run([zbarimg, "--quiet", "--raw", str(image)], capture_output=True, text=True)
    assert decoded.returncode == 0, decoded.stderr
    return decoded.stdout.strip()


def test_the_printable_sign_carries_a_qr_code_of_the_subscribe_page(demo_output, tmp_path):
    page = BeautifulSoup((demo_output / "subscribe/print/index.html").read_bytes(), "html.parser")
    sign = page.select_one(".sign")
    assert sign.select_one(".sign-business").get_text() == config()["business"]["name"]
    assert sign.select_one(".sign-pitch").get_text() == config()["subscribe"]["pitch"]
    svg = sign.select_one("figure.sign-qr svg")
    assert svg["role"] == "img" and svg.title.get_text() == f"QR code: {base_url()}/subscribe/"
    assert decode_qr(svg_qr_as_png(svg), tmp_path) == f"{base_url()}/subscribe/"
    assert "crumbandco.example/subscribe/" in sign.figcaption.get_text()
    # a page to print, not to find: out of search engines and the sitemap, like the 404 page
    assert page.select_one('meta[name=robots]')["content"] == "noindex"
    assert "/subscribe/print/" not in (demo_output / "sitemap.xml").read_text(encoding="utf-8")
    css = (demo_output / "static/css/style.css").read_text(encoding="utf-8")
    assert re.search(r"@media print \{.*\.kind-sign \.site-header.*display: none", css, re.S)


@pytest.mark.browser
def test_the_sign_prints_on_one_page_of_a4_a5_or_letter_and_scans(browser, http_server, demo_output, tmp_path):
    local = http_server(demo_output)
    context = browser.new_context(viewport={"width": 375, "height": 800})
    try:
        page = context.new_page()
        problems = watch_problems(page)
        page.goto(local + "/subscribe/print/", wait_until="load")
        assert page.evaluate(NO_SIDEWAYS_SCROLL_JS)
        assert page.locator("[data-print]").is_visible()  # shown by its script; the browser's Print without it
        for paper in ("A4", "A5", "Letter"):
            pdf = page.pdf(format=paper)
            assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1, paper
        # printed, the sign alone fills the page, and its code scans
        page.set_viewport_size({"width": 559, "height": 794})  # an A5 sheet at 96 dpi
        page.emulate_media(media="print")
        assert [page.locator(s).is_visible() for s in (".site-header", ".sign-note", ".site-footer", ".sign")] == [False, False, False, True]
        box = page.locator(".sign-qr svg").bounding_box()
        assert box["width"] > 559 * 0.5, box
        assert decode_qr(page.locator(".sign-qr svg").screenshot(), tmp_path) == base_url() + "/subscribe/"
        assert problems == []
    finally:
        context.close()


# ---------------------------------------------------------------------------------
# Our own list ([subscribers] url): the sign-up forms the service receives
# ---------------------------------------------------------------------------------

SERVICE = "https://subscribe.bakery.test"
OWN_LIST = f'[business]\nname = "Crumb & Co."\n\n[subscribers]\nurl = "{SERVICE}/"\n'
OWN_SITE = {
    "content/posts/2026-03-01-rye.md": post("Rye week", "2026-03-01 09:00", tags="[Rye Bread, Sourdough]", category="Baking"),
    "content/posts/2026-03-02-news.md": post("We moved", "2026-03-02 09:00", category="Shop News"),
    "content/posts/2026-03-03-plain.md": post("Hello", "2026-03-03 09:00"),
    # a category named as a tag is: one topic
    "content/posts/2026-03-04-tips.md": post("Tips", "2026-03-04 09:00", tags="[Baking]"),
    "content/offers/loaves.md": "---\ntitle: Two loaves\ncta: {label: Order, url: 'https://shop.bakery.test/'}\n---\nTwo for one.\n",
}
SIGNUP_FIELDS = {"email", "name", "topics", "website", "source", "consent", "consent_version"}
"""What the service's POST /subscribe reads (sitegen/subscribers), and nothing more."""


def page_at(root: Path, url: str) -> BeautifulSoup:
    return BeautifulSoup((root / "output" / url.strip("/") / "index.html").read_text(encoding="utf-8"), "html.parser")


def fields(form) -> dict[str, list[str]]:
    """{name: values} a browser sends for the form untouched (HTML's form data set: ticked boxes only)."""
    sent: dict[str, list[str]] = {}
    for field in form.select("input[name]"):
        if field.get("type") == "checkbox" and not field.has_attr("checked"):
            continue
        sent.setdefault(field["name"], []).append(field.get("value", ""))
    return sent


def consent_of(sentence: str) -> dict[str, list[str]]:
    return {"consent": [sentence], "consent_version": [hashlib.sha256(sentence.encode()).hexdigest()[:8]]}


def test_own_list_form_leads_the_subscribe_page(make_site, build_at):
    root = make_site(OWN_SITE, extra_config=OWN_LIST + '[subscribe]\npitch = "Fridays only."\nbutton = "Join"\n')
    build_at(root)
    page = page_at(root, "/subscribe/")
    first = page.h1.find_next_sibling()
    assert first.name == "section" and first["id"] == "newsletter"
    assert first.select_one("p").get_text() == "Fridays only."
    form = first.form
    assert (form["action"], form["method"]) == (f"{SERVICE}/subscribe", "post")
    assert {field["name"] for field in form.select("input[name]")} == SIGNUP_FIELDS
    assert fields(form) == {
        "source": ["https://bakery.test/subscribe/"],
        **consent_of("I agree to receive emails from Crumb & Co. Unsubscribe at any time."),
        "email": [""], "name": [""], "website": [""], "topics": ["all"],
    }
    email = form.select_one("input[name=email]")
    assert (email["type"], email.has_attr("required"), form.select_one(f"label[for={email['id']}]").get_text()) == ("email", True, "Email address")
    assert form.select_one("input[name=name]").has_attr("required") is False
    # topics: all, offers, then each tag and category by slug, each once, with its name
    boxes = form.select("input[type=checkbox]")
    assert all(box["name"] == "topics" for box in boxes)
    assert [(box["value"], box.parent.get_text(strip=True)) for box in boxes] == [
        ("all", "Everything"), ("offers", "Offers"), ("baking", "Baking"), ("rye-bread", "Rye Bread"), ("sourdough", "Sourdough"), ("shop-news", "Shop News"),
    ]
    assert form.select_one("p.consent").get_text() == "I agree to receive emails from Crumb & Co. Unsubscribe at any time."
    assert form.select_one("button[type=submit]").get_text() == "Join"
    # the honeypot: a text field no person sees, no screen reader reads, Tab skips and no browser fills in
    trap = form.select_one("input[name=website]")
    assert (trap["type"], trap["tabindex"], trap["autocomplete"], trap.get("value", "")) == ("text", "-1", "off", "")
    holder = trap.find_parent(attrs={"aria-hidden": "true"})
    assert holder is not None and "signup-trap" in holder["class"] and not trap.has_attr("hidden") and not holder.has_attr("hidden")
    css = (root / "output/static/css/style.css").read_text(encoding="utf-8")
    rule = re.search(r"^\.signup-trap \{(.*?)\}", css, re.S | re.M).group(1)
    assert "clip-path: inset(50%)" in rule and "display" not in rule
    assert page.select('a[href="/subscribe/#newsletter"]')  # the footer's "Get the newsletter"


def test_posts_and_offers_end_with_a_short_form_for_their_topics(make_site, build_at):
    root = make_site(OWN_SITE, extra_config=OWN_LIST)
    build_at(root)
    consent = consent_of("I agree to receive emails from Crumb & Co. Unsubscribe at any time.")
    expected = {
        # a post's tags, else its categories, else everything
        "/posts/rye/": ("Get new posts about Rye Bread and Sourdough by email", ["rye-bread", "sourdough"]),
        "/posts/news/": ("Get new posts about Shop News by email", ["shop-news"]),
        "/posts/plain/": ("Get new posts by email", ["all"]),
        "/offers/loaves/": ("Not ready yet? Get our next offer by email", ["offers"]),
    }
    for url, (heading, topics) in expected.items():
        box = page_at(root, url).select_one("aside.signup")
        assert box.h2.get_text() == heading, url
        form = box.form
        assert (form["action"], form["method"]) == (f"{SERVICE}/subscribe", "post")
        assert fields(form) == {"source": [f"https://bakery.test{url}"], **consent, "topics": topics, "email": [""], "website": [""]}, url
        assert form.select_one("p.consent").get_text() == consent["consent"][0]
        assert {field["name"] for field in form.select("input[name]")} <= SIGNUP_FIELDS


def test_without_our_own_list_posts_and_offers_have_no_form(make_site, build_at):
    provider = '[subscribe.provider]\naction = "https://mail.example/add"\n'
    for extra in ("", provider):
        root = make_site(OWN_SITE, extra_config=extra)
        build_at(root)
        for url in ("/posts/rye/", "/offers/loaves/"):
            assert page_at(root, url).select("aside.signup, form") == [], (extra, url)
        page = page_at(root, "/subscribe/")
        forms = page.select("form")
        assert [form["action"] for form in forms] == (["https://mail.example/add"] if extra else [])
        if extra:  # the provider's form leads the page too
            assert page.h1.find_next_sibling().form is forms[0]


# ---------------------------------------------------------------------------------
# The demo with our own list, in a browser, posting to a stand-in for the service
# ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def recorder():
    """(base URL, posts): an HTTP server on 127.0.0.1 that records each request (method, path, content type,
    body) and answers with a short page, standing in for `sitegen subscribers serve`."""
    posts: list[dict] = []

    class Recording(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode("utf-8")
            posts.append({"method": "POST", "path": self.path, "type": self.headers.get("Content-Type"), "body": body})
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(b"<!doctype html><title>Check your inbox</title><p>Check your inbox.")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recording)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", posts
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def own_list_site(tmp_path_factory, recorder, http_server):
    """The demo site with our own list at the recorder instead of the provider's form, built and served."""
    root = tmp_path_factory.mktemp("own-list")
    shutil.copytree(REPO / "content", root / "content")
    settings = (REPO / "sitegen.toml").read_text(encoding="utf-8")
    settings = settings[: settings.index("[subscribe.provider]")] + f'[subscribers]\nurl = "{recorder[0]}"\n'
    (root / "sitegen.toml").write_text(settings, encoding="utf-8")
    build(root, now=DEMO_NOW)
    return http_server(root / "output")


def submitted(posts: list[dict]) -> list[tuple[str, str]]:
    """The one request the form sent: its fields, in order, after checking how it was sent."""
    assert len(posts) == 1, posts
    request = posts.pop()
    assert (request["method"], request["path"], request["type"]) == ("POST", "/subscribe", "application/x-www-form-urlencoded")
    return parse_qsl(request["body"], keep_blank_values=True, strict_parsing=True)


@pytest.mark.browser
def test_on_a_phone_the_sign_up_form_comes_first_and_fits(browser, own_list_site):
    context = browser.new_context(viewport={"width": 375, "height": 667})
    try:
        page = context.new_page()
        problems = watch_problems(page)
        page.goto(own_list_site + "/subscribe/", wait_until="load")
        first = page.evaluate("() => { const next = document.querySelector('main h1').nextElementSibling; return [next.id, !!next.querySelector('form.signup-form')]; }")
        assert first == ["newsletter", True]
        email = page.locator("#signup-email").bounding_box()
        assert email["y"] + email["height"] <= 667, email  # on the first screen
        assert page.evaluate(NO_SIDEWAYS_SCROLL_JS)
        page.locator(".topic-more summary").click()
        assert page.locator(".topic-choices input").first.is_visible() and page.evaluate(NO_SIDEWAYS_SCROLL_JS)
        # the honeypot: clipped to nothing, so no one sees it, and a tap where it lies lands elsewhere
        trap = page.evaluate("""() => { const input = document.getElementById('signup-website'), box = input.closest('.signup-trap').getBoundingClientRect();
          const r = input.getBoundingClientRect(), hit = document.elementFromPoint(r.left + 1, r.top + 1);
          return {width: box.width, height: box.height, clip: getComputedStyle(box.width ? input.closest('.signup-trap') : input).clipPath, hit: hit === input}; }""")
        assert trap == {"width": 1, "height": 1, "clip": "inset(50%)", "hit": False}, trap
        # Tab goes from the email address to the button, passing the honeypot by
        page.locator(".topic-more summary").click()  # fold the topics away again
        page.focus("#signup-email")
        tabbed = []
        for _ in range(6):
            page.keyboard.press("Tab")
            tabbed.append(page.evaluate("document.activeElement.name || document.activeElement.textContent.trim()"))
        assert tabbed[:4] == ["name", "topics", "Or only some topics", config()["subscribe"]["button"]], tabbed
        assert problems == []
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_the_sign_up_form_posts_exactly_what_the_service_reads(browser, own_list_site, recorder, javascript):
    service, posts = recorder
    posts.clear()
    consent = f"I agree to receive emails from {config()['business']['name']}. Unsubscribe at any time."
    context = browser.new_context(viewport={"width": 375, "height": 667}, java_script_enabled=javascript)
    try:
        page = context.new_page()
        page.goto(own_list_site + "/subscribe/", wait_until="load")
        assert page.locator("form.signup-form").get_attribute("action") == f"{service}/subscribe"
        page.fill("#signup-email", "ann@example.com")
        page.fill("#signup-name", "Ann")
        page.locator(".topic-more summary").click()
        page.check("input[name=topics][value=rye]")
        with page.expect_navigation():
            page.click("form.signup-form button[type=submit]")
        assert "Check your inbox" in page.content()
        fields = submitted(posts)
        assert {name for name, _ in fields} == SIGNUP_FIELDS
        # with JavaScript, ticking a topic unticks "Everything"; without, both go, and "all" takes in the rest
        topics = ["rye"] if javascript else ["all", "rye"]
        assert sorted(fields) == sorted([
            ("source", f"{base_url()}/subscribe/"), ("consent", consent), ("consent_version", hashlib.sha256(consent.encode()).hexdigest()[:8]),
            ("email", "ann@example.com"), ("name", "Ann"), *(("topics", topic) for topic in topics), ("website", ""),
        ])
        # the short form at the end of a post sends the post's tags
        file = REPO / "content/posts/2026-10-17-a-night-at-the-bakery.md"
        tags = [slugify(tag) for tag in yaml.safe_load(file.read_text(encoding="utf-8").split("---", 2)[1])["tags"]]
        page.goto(own_list_site + "/posts/a-night-at-the-bakery/", wait_until="load")
        page.fill("aside.signup input[name=email]", "bo@example.com")
        with page.expect_navigation():
            page.click("aside.signup button[type=submit]")
        assert sorted(submitted(posts)) == sorted([
            ("source", f"{base_url()}/posts/a-night-at-the-bakery/"), ("consent", consent),
            ("consent_version", hashlib.sha256(consent.encode()).hexdigest()[:8]), ("email", "bo@example.com"),
            *(("topics", tag) for tag in tags), ("website", ""),
        ])
    finally:
        context.close()


# ---------------------------------------------------------------------------------
# feeds.opml
# ---------------------------------------------------------------------------------


def test_opml_lists_one_feed_per_channel(demo_output):
    root = etree.parse(str(demo_output / "feeds.opml")).getroot()
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert (root.findtext("head/title") or "").strip()
    outlines = root.findall("body/outline")
    assert outlines and len(root.findall("body//outline")) == len(outlines)
    for outline in outlines:
        assert outline.get("text") and outline.get("type") == "rss", dict(outline.attrib)
        assert outline.get("htmlUrl", "").startswith(base_url() + "/")
    expected = sorted(f"{base_url()}/{folder if folder == 'podcast.xml' else folder + 'atom.xml'}" for folder in channels(demo_output))
    urls = sorted(outline.get("xmlUrl") for outline in outlines)
    assert urls == expected
    for url in urls:
        assert (demo_output / url[len(base_url()) + 1 :]).is_file(), url


# ---------------------------------------------------------------------------------
# Feed links across the site
# ---------------------------------------------------------------------------------


def test_every_feed_link_lands_on_an_anchor_of_the_subscribe_page(demo_output):
    subscribe_ids = {e["id"] for e in BeautifulSoup((demo_output / "subscribe/index.html").read_bytes(), "lxml").find_all(id=True)}
    used: dict[str, set[str]] = {}
    for page in sorted(demo_output.rglob("*.html")):
        rel = page.relative_to(demo_output).as_posix()
        for link in BeautifulSoup(page.read_bytes(), "lxml").select("a.feed-link"):
            match = re.fullmatch(r"/subscribe/#([^#]+)", link["href"])
            assert match, (rel, link["href"])
            assert match.group(1) in subscribe_ids, (rel, link["href"])
            used.setdefault(rel, set()).add(match.group(1))
    assert {"site", "podcast"} <= used["index.html"]
    # each topic's archive offers its own channel
    for folder, anchor in channels(demo_output).items():
        if folder.startswith(("tags/", "categories/", "authors/")) or folder == "offers/":
            assert anchor in used.get(folder + "index.html", set()), folder
