"""The demo site in a real browser (Debian's Chromium via Playwright) at phone widths: no errors,
no horizontal scrolling, a skip link that shows when focused, a dark scheme and a print stylesheet."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from .conftest import watch_problems

pytestmark = pytest.mark.browser  # every test here drives Chromium

WIDTHS = (390, 360)
HEIGHT = 844


# ---------------------------------------------------------------------------------
# Which pages: picked from the output, the hardest of each kind
# ---------------------------------------------------------------------------------


def _url_of(out: Path, file: Path) -> str:
    relative = file.relative_to(out).as_posix()
    return "/" + relative[: -len("index.html")] if file.name == "index.html" else "/" + relative


@functools.lru_cache(maxsize=None)
def _widest_post(out: Path) -> str:
    """The post most likely to overflow a phone: the longest preformatted line, then the biggest page."""

    def weight(file: Path):
        soup = BeautifulSoup(file.read_bytes(), "lxml")
        longest = max((len(line) for pre in soup.find_all("pre") for line in pre.get_text().splitlines()), default=0)
        return (longest, file.stat().st_size, file.as_posix())

    files = sorted((out / "posts").glob("*/index.html"))
    assert files, "the demo build has no posts"
    return _url_of(out, max(files, key=weight))


@functools.lru_cache(maxsize=None)
def _biggest_tag(out: Path) -> str:
    """The first page of the tag with the most pages of posts (it shows the pagination too)."""
    files = sorted((out / "tags").glob("*/index.html"))
    assert files, "the demo build has no tag pages"
    return _url_of(out, max(files, key=lambda f: (len(list((f.parent / "page").glob("*/index.html"))), f.stat().st_size)))


PICKERS = {"home": lambda out: "/", "post": _widest_post, "tag": _biggest_tag}


@pytest.fixture(scope="module")
def site(demo_output, http_server) -> str:
    return http_server(demo_output)


@pytest.fixture
def open_page(browser, site):
    """open_page(path, width) -> (page, problems): a fresh page, with every error it logs collected."""
    contexts = []

    def open_(path: str, width: int = WIDTHS[0]):
        context = browser.new_context(viewport={"width": width, "height": HEIGHT})
        contexts.append(context)
        page = context.new_page()
        problems = watch_problems(page)
        response = page.goto(site + path, wait_until="load")
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"
        page.evaluate("document.fonts.ready.then(() => true)")
        return page, problems

    yield open_
    for context in contexts:
        context.close()


# ---------------------------------------------------------------------------------
# Each kind of page at each phone width
# ---------------------------------------------------------------------------------

OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width && (box.right > width + 0.5 || box.left < -0.5)) {
      wide.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : ''} [${Math.round(box.left)}, ${Math.round(box.right)}]`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width, wide: wide.slice(0, 8)};
}"""

SKIP_LINK_SHOWN_JS = """() => {
  const el = document.activeElement;
  if (!el || el.tagName !== 'A' || el.getAttribute('href') !== '#main') return false;
  const box = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  return box.width > 1 && box.height > 1 && box.left >= 0 && box.top >= 0
    && box.right <= window.innerWidth && box.bottom <= window.innerHeight
    && style.visibility === 'visible' && parseFloat(style.opacity) > 0;
}"""

FOCUSED_JS = """() => {
  const el = document.activeElement;
  const box = el ? el.getBoundingClientRect() : null;
  const style = el ? getComputedStyle(el) : null;
  return el && {
    html: el.outerHTML.slice(0, 120),
    box: box && [box.left, box.top, box.right, box.bottom].map(Math.round),
    viewport: [window.innerWidth, window.innerHeight],
    visibility: style.visibility, opacity: style.opacity, clip: style.clip, clipPath: style.clipPath,
  };
}"""


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", list(PICKERS))
def test_page_at_phone_width(demo_output, open_page, kind, width):
    path = PICKERS[kind](demo_output)
    page, problems = open_page(path, width)
    failures = []

    overflow = page.evaluate(OVERFLOW_JS)
    if overflow["scrollWidth"] > overflow["innerWidth"]:
        failures.append(
            f"scrolls sideways: scrollWidth {overflow['scrollWidth']} > innerWidth {overflow['innerWidth']}; "
            f"wider than the viewport: {overflow['wide']}"
        )

    page.keyboard.press("Tab")
    try:
        page.wait_for_function(SKIP_LINK_SHOWN_JS, timeout=2000)
    except Exception:  # Playwright's TimeoutError: report what is focused instead
        failures.append(f"after one Tab, the skip link is not focused and fully in view: {page.evaluate(FOCUSED_JS)}")
    else:
        page.keyboard.press("Enter")
        try:
            page.wait_for_function("() => document.activeElement && document.activeElement.id === 'main'", timeout=2000)
        except Exception:
            failures.append(f"activating the skip link does not move focus to #main: {page.evaluate(FOCUSED_JS)}")

    failures += problems
    assert not failures, f"{path} at {width}px:\n" + "\n".join(failures)


# ---------------------------------------------------------------------------------
# Colour schemes and print
# ---------------------------------------------------------------------------------

BACKGROUND_JS = """() => {
  for (const el of [document.body, document.documentElement]) {
    const colour = getComputedStyle(el).backgroundColor;
    if (colour && colour !== 'transparent' && colour !== 'rgba(0, 0, 0, 0)') return colour;
  }
  return getComputedStyle(document.body).backgroundColor;
}"""


# What shows through a transparent page: the browser's canvas colour in each scheme.
CANVAS = {"light": "rgb(255, 255, 255)", "dark": "rgb(18, 18, 18)"}


def _channels(colour: str) -> list[float]:
    return [float(c) for c in colour[colour.index("(") + 1 : colour.index(")")].replace("/", ",").split(",")]


def _luminance(colour: str, scheme: str) -> float:
    channels = _channels(colour)
    if len(channels) > 3 and channels[3] == 0:
        channels = _channels(CANVAS[scheme])
    channels = channels[:3]
    r, g, b = (((c / 255) / 12.92) if c / 255 <= 0.03928 else (((c / 255) + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_dark_colour_scheme_changes_the_background(open_page):
    page, problems = open_page("/")
    page.emulate_media(color_scheme="light")
    light = page.evaluate(BACKGROUND_JS)
    page.emulate_media(color_scheme="dark")
    dark = page.evaluate(BACKGROUND_JS)
    assert light != dark, f"the page background is {light} in both the light and the dark scheme"
    assert _luminance(dark, "dark") < _luminance(light, "light"), f"dark scheme background {dark} is not darker than light {light}"
    assert not problems, problems


SITE_NAV_JS = """() => {
  const banner = [...document.querySelectorAll('header')].find(h => !h.closest('article, aside, main, nav, section'));
  const nav = banner && banner.querySelector('nav');
  return nav ? nav.checkVisibility({checkOpacity: true, checkVisibilityCSS: true}) : null;
}"""


def test_print_hides_the_site_navigation(open_page):
    page, problems = open_page("/")
    assert page.evaluate(SITE_NAV_JS) is True, "the site header has no visible <nav> on screen"
    page.emulate_media(media="print")
    assert page.evaluate(SITE_NAV_JS) is False, "the site header's <nav> is still displayed in print"
    assert not problems, problems


# ---------------------------------------------------------------------------------
# The first screen on a phone: today's hours, the address and a call link
# ---------------------------------------------------------------------------------

PHONE = {"width": 375, "height": 667}

FIRST_SCREEN_JS = """() => {
  const box = (selector) => {
    const el = document.querySelector(selector);
    if (!el) return null;
    const r = el.getBoundingClientRect();
    return {text: el.textContent.trim(), href: el.getAttribute('href'), top: r.top, bottom: r.bottom, left: r.left, right: r.right};
  };
  return {today: box('.visit-today'), week: box('.visit-week'), map: box('.visit-now a[href*="maps"]'), call: box('.visit-now a[href^="tel:"]'),
          height: window.innerHeight, width: window.innerWidth};
}"""


@pytest.mark.parametrize(
    "moment, expected",
    [
        # 10:00 on Tuesday in New York (the demo's zone)
        (dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.timezone.utc), "Open today 7:00–15:00"),
        # Monday, and 23:30 on Saturday in New York, already Sunday in UTC: the site's zone decides
        (dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.timezone.utc), "Closed today"),
        (dt.datetime(2026, 11, 29, 4, 30, tzinfo=dt.timezone.utc), "Open today 8:00–14:00"),
        # special hours from the settings
        (dt.datetime(2026, 12, 25, 15, 0, tzinfo=dt.timezone.utc), "Closed today: Christmas Day"),
        (dt.datetime(2026, 12, 24, 15, 0, tzinfo=dt.timezone.utc), "Open today 7:00–12:00: Christmas Eve"),
    ],
)
def test_phone_first_screen_shows_today_address_and_call(browser, site, moment, expected):
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        problems = watch_problems(page)
        page.clock.set_fixed_time(moment)
        page.goto(site + "/", wait_until="load")
        page.evaluate("document.fonts.ready.then(() => true)")
        found = page.evaluate(FIRST_SCREEN_JS)
    finally:
        context.close()
    assert found["today"] and found["today"]["text"] == expected, found
    for name in ("today", "map", "call"):
        box = found[name]
        assert box is not None, f"no {name} on the home page: {found}"
        assert 0 <= box["top"] and box["bottom"] <= found["height"] and 0 <= box["left"] and box["right"] <= found["width"], (
            f"{name} is not within the first screen ({PHONE['width']}×{PHONE['height']}): {box}"
        )
    assert found["call"]["href"] == "tel:+15550142"
    assert found["map"]["href"].startswith("https://www.google.com/maps/search/?api=1&query=214%20Alder%20Street")
    assert not problems, problems


def test_phone_first_screen_without_javascript_shows_the_week(browser, site):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(site + "/", wait_until="load")
        found = page.evaluate(FIRST_SCREEN_JS)  # JavaScript is off for the page's scripts, not for evaluate()
    finally:
        context.close()
    assert found["today"]["text"] == "Opening hours"
    assert found["week"]["text"] == "Tue–Fri 7:00–15:00 · Sat–Sun 8:00–14:00 · Mon closed"
    assert found["week"]["bottom"] <= found["height"], found
