"""The demo site (content/ of this repository), built once with the fixed clock, checked as a visitor,
a validator and a search engine would see it.

Expectations come from the content files (front matter read here with yaml, independently of sitegen)
and from sitegen.toml, never from a list copied out of the output.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import subprocess
import tomllib
import unicodedata
import zoneinfo
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
import yaml
from bs4 import BeautifulSoup
from lxml import etree

from .conftest import DEMO_NOW, REPO, is_redirect_page

SITEMAP_XSD = Path(__file__).resolve().parent / "schemas" / "sitemap-0.9.xsd"

# Elements whose href/src/srcset load or link to something.
LINK_ELEMENTS = ("a", "area", "link", "img", "script", "source", "audio", "video", "track", "iframe")
LINK_ATTRIBUTES = ("href", "src", "srcset")
# Schemes a link may use to leave the site (feed, podcast, pcast: the Subscribe page's one-tap follow links,
# for an app on the visitor's device); anything else (e.g. an unresolved "sitegen-ref:") is broken.
EXTERNAL_SCHEMES = {"mailto", "tel", "sms", "data", "feed", "podcast", "pcast"}
SECTIONING = ("article", "aside", "main", "nav", "section")


# ---------------------------------------------------------------------------------
# What the content says should be built (read from content/ and sitegen.toml)
# ---------------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def config() -> dict:
    return tomllib.loads((REPO / "sitegen.toml").read_text(encoding="utf-8"))


def base_url() -> str:
    return config()["base_url"].rstrip("/")


def site_tz() -> dt.tzinfo:
    return zoneinfo.ZoneInfo(config().get("timezone", "UTC"))


def permalink_pattern(kind: str) -> str:
    defaults = {"post": "/posts/{slug}/", "page": "/{slug}/", "offer": "/offers/{slug}/", "tag": "/tags/{slug}/"}
    return config().get("permalinks", {}).get(kind, defaults[kind])


def slugify(text: str) -> str:
    folded = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


def to_datetime(value, *, end_of_day: bool = False) -> dt.datetime | None:
    """A front matter date as an aware datetime (date-only: start of the day, or its end for end_of_day)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime.combine(value, dt.time(23, 59, 59) if end_of_day else dt.time())
    else:
        text = str(value).strip()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return to_datetime(dt.date.fromisoformat(text), end_of_day=end_of_day)
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=site_tz())


@dataclass(frozen=True)
class Item:
    kind: str  # post, page, offer
    source: str
    slug: str
    url: str
    title: str
    meta: dict
    date: dt.datetime | None = None

    @property
    def draft(self) -> bool:
        return self.meta.get("draft") is True or self.meta.get("published") is False

    @property
    def future(self) -> bool:
        if self.kind == "post":
            return self.date > DEMO_NOW
        if self.kind == "offer":
            start = to_datetime(self.meta.get("valid_from"))
            return start is not None and start > DEMO_NOW
        return False

    @property
    def built(self) -> bool:
        return not self.draft and not self.future

    @property
    def noindex(self) -> bool:
        """Offers that have ended, or are reachable by link only, ask search engines to stay away."""
        if self.kind != "offer":
            return False
        end = to_datetime(self.meta.get("valid_until"), end_of_day=True)
        return (end is not None and end < DEMO_NOW) or self.meta.get("listed") is False

    @property
    def tags(self) -> list[str]:
        tags = self.meta.get("tags") or []
        return [tags] if isinstance(tags, str) else [str(t) for t in tags]


def front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8-sig")
    match = re.match(r"---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?$", text, re.S | re.M)
    assert match, f"{path} has no front matter"
    return yaml.safe_load(match.group(1)) or {}


@functools.lru_cache(maxsize=None)
def content_items() -> tuple[Item, ...]:
    items = []
    for folder, kind in (("posts", "post"), ("pages", "page"), ("offers", "offer")):
        for path in sorted((REPO / "content" / folder).rglob("*.md")):
            if any(part.startswith((".", "_")) for part in path.relative_to(REPO / "content").parts):
                continue
            meta = front_matter(path)
            stem = path.stem
            if kind == "post":
                stem = re.sub(r"^\d{4}-\d{2}-\d{2}-", "", stem)
            slug = meta.get("slug") or slugify(stem)
            url = permalink_pattern(kind).format(slug=slug)
            date = to_datetime(meta.get("date")) if kind == "post" else None
            items.append(Item(kind, path.relative_to(REPO).as_posix(), slug, url, str(meta["title"]), meta, date))
    return tuple(items)


def built_posts_oldest_first() -> list[Item]:
    posts = [i for i in content_items() if i.kind == "post" and i.built]
    return sorted(posts, key=lambda p: (p.date, p.slug))


# ---------------------------------------------------------------------------------
# The output: files <-> URLs, parsed pages
# ---------------------------------------------------------------------------------


def url_of(out: Path, file: Path) -> str:
    """'posts/x/index.html' -> '/posts/x/'; '404.html' -> '/404.html'."""
    relative = file.relative_to(out).as_posix()
    if file.name == "index.html":
        return "/" + relative[: -len("index.html")]
    return "/" + relative


def file_of(out: Path, url_path: str) -> Path | None:
    """The output file a site URL path serves ('/x/' -> x/index.html), or None."""
    relative = unquote(url_path).lstrip("/")
    if relative == "" or relative.endswith("/"):
        relative += "index.html"
    target = (out / relative).resolve()
    if out.resolve() not in target.parents or not target.is_file():
        return None
    return target


def site_path(page_url: str, value: str) -> tuple[str | None, str | None, str | None]:
    """A link value as (site path, fragment, problem); (None, None, None) when it leaves the site."""
    value = value.strip()
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    if scheme in EXTERNAL_SCHEMES:
        return None, None, None
    if scheme and scheme not in ("http", "https"):
        return None, None, f"unknown URL scheme {scheme!r}"
    base = urlsplit(base_url())
    base_path = base.path.rstrip("/")
    if scheme or parts.netloc:
        if (scheme or base.scheme) != base.scheme or parts.netloc.lower() != base.netloc.lower():
            return None, None, None  # another site
        path = parts.path or "/"
    else:
        path = urlsplit(urljoin(base_path + page_url, value)).path
    if base_path:
        if not (path == base_path or path.startswith(base_path + "/")):
            return None, None, f"outside the site's base path {base_path}"
        path = path[len(base_path) :] or "/"
    fragment = unquote(parts.fragment) if "#" in value else None
    return path, fragment, None


def link_values(soup: BeautifulSoup):
    """(element, attribute, URL) for every link or asset reference in a page."""
    for element in soup.find_all(LINK_ELEMENTS):
        for attribute in LINK_ATTRIBUTES:
            value = element.get(attribute)
            if value is None:
                continue
            if attribute == "srcset":
                for candidate in value.split(","):
                    if candidate.strip():
                        yield element, attribute, candidate.split()[0]
            else:
                yield element, attribute, value


def ids_of(soup: BeautifulSoup) -> set[str]:
    return {e["id"] for e in soup.find_all(id=True)} | {e["name"] for e in soup.find_all("a", attrs={"name": True})}


def text_of(element) -> str:
    return " ".join(element.get_text().split())


@pytest.fixture(scope="module")
def pages(demo_output) -> dict[str, BeautifulSoup]:
    """Every built HTML page, parsed, by its site URL; not the redirect pages of short links and old
    addresses, which only send the browser on (tests/test_redirects.py and test_newsletter.py check them)."""
    parsed = {}
    for file in sorted(demo_output.rglob("*.html")):
        soup = BeautifulSoup(file.read_bytes(), "lxml")
        if not is_redirect_page(soup):
            parsed[url_of(demo_output, file)] = soup
    assert "/" in parsed, "the demo build wrote no home page"
    return parsed


def meta_content(soup: BeautifulSoup, *, name: str | None = None, prop: str | None = None) -> str | None:
    tag = soup.find("meta", attrs={"name": name} if name else {"property": prop})
    return None if tag is None else (tag.get("content") or "").strip()


def json_ld(soup: BeautifulSoup) -> tuple[list[dict], list[str]]:
    """Every JSON-LD object in a page (@graph flattened), and parse problems."""
    objects, problems = [], []
    for script in soup.find_all("script", attrs={"type": "application/ld+json"}):
        try:
            data = json.loads(script.string or "")
        except ValueError as error:
            problems.append(f"unparseable JSON-LD: {error}")
            continue
        for entry in data if isinstance(data, list) else [data]:
            if isinstance(entry, dict) and "@graph" in entry:
                objects.extend(e for e in entry["@graph"] if isinstance(e, dict))
            elif isinstance(entry, dict):
                objects.append(entry)
    return objects, problems


def of_type(objects: list[dict], wanted: str) -> list[dict]:
    def types(o):
        t = o.get("@type")
        return t if isinstance(t, list) else [t]

    return [o for o in objects if wanted in types(o)]


# ---------------------------------------------------------------------------------
# Sanity: the content the tests rely on is there
# ---------------------------------------------------------------------------------


def test_content_has_what_these_tests_exercise():
    items = content_items()
    assert [i for i in items if i.kind == "post" and i.draft], "expected a draft post in content/posts"
    assert [i for i in items if i.kind == "post" and not i.draft and i.future], "expected a future-dated post"
    assert [i for i in items if i.kind == "offer" and i.future], "expected an offer that has not started"
    assert [i for i in items if i.kind == "offer" and i.built and i.noindex], "expected an expired or unlisted offer"
    assert len(built_posts_oldest_first()) > config().get("pagination", {}).get("posts", 10), "expected paginated lists"


# ---------------------------------------------------------------------------------
# 1. Links and assets
# ---------------------------------------------------------------------------------


def test_every_internal_link_and_asset_resolves(demo_output, pages):
    ids = {url: ids_of(soup) for url, soup in pages.items()}
    broken = []
    checked = 0
    for page_url, soup in pages.items():
        for element, attribute, value in link_values(soup):
            where = f"{page_url}: <{element.name} {attribute}={value!r}>"
            path, fragment, problem = site_path(page_url, value)
            if problem:
                broken.append(f"{where}: {problem}")
                continue
            if path is None:
                continue
            checked += 1
            target = file_of(demo_output, path)
            if target is None:
                broken.append(f"{where}: no file in the output for {path}")
                continue
            if fragment is None:
                continue
            if fragment == "":
                if element.name in ("a", "area"):
                    broken.append(f"{where}: an empty fragment goes nowhere")
                continue
            target_url = url_of(demo_output, target)
            if target_url not in ids:
                broken.append(f"{where}: #{fragment} points into {target_url}, which is not an HTML page")
            elif fragment not in ids[target_url]:
                broken.append(f"{where}: no id {fragment!r} in {target_url}")
    assert checked > len(pages), f"only {checked} internal references found in {len(pages)} pages"
    assert not broken, f"{len(broken)} broken internal links or assets:\n" + "\n".join(broken)


# ---------------------------------------------------------------------------------
# 2. Nu HTML Checker
# ---------------------------------------------------------------------------------


FEED_SCHEME_LINKS = "Bad value “feed:https?://[^”]*” for attribute “href” on element “a”.*"
"""The one message left out: the Subscribe page's links for feed apps put the feed's whole address after
feed: ("feed:" <absolute_uri> in draft-obasanjo-feed-uri-scheme-02), the form that keeps https. The URL
Standard parses it, but its writing rules want no second scheme in the path; "feed://host/path" would
pass, and means http://."""


@pytest.mark.slow  # the Nu HTML Checker on Java
def test_nu_html_checker_finds_no_errors(demo_output, vnu_jar):
    result = subprocess.run(
        ["java", "-jar", vnu_jar, "--errors-only", "--skip-non-html", "--filterpattern", FEED_SCHEME_LINKS, "--format", "json", str(demo_output)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    report = json.loads(result.stderr or result.stdout)
    errors = [m for m in report["messages"] if m.get("type") in ("error", "non-document-error")]
    shown = [
        f"{m.get('url', '').removeprefix('file:' + str(demo_output))}:{m.get('lastLine', '?')}: {m.get('message')}"
        f"\n    {m.get('extract', '').strip()!r}"
        for m in errors
    ]
    assert not errors, f"{len(errors)} Nu HTML Checker errors:\n" + "\n".join(shown)
    assert result.returncode == 0, result.stderr


# ---------------------------------------------------------------------------------
# 3. Head metadata, landmarks, skip link
# ---------------------------------------------------------------------------------


def first_focusable(soup: BeautifulSoup):
    for element in soup.body.find_all(True):
        if element.find_parent(attrs={"hidden": True}) or element.has_attr("hidden"):
            continue
        tabindex = element.get("tabindex")
        if tabindex is not None and re.fullmatch(r"-?\d+", tabindex.strip()) and int(tabindex) < 0:
            continue
        if element.has_attr("disabled"):
            continue
        name = element.name
        if (
            (name in ("a", "area") and element.has_attr("href"))
            or name in ("button", "select", "textarea", "iframe")
            or (name == "input" and (element.get("type") or "").lower() != "hidden")
            or (name == "summary" and element.parent is not None and element.parent.name == "details")
            or tabindex is not None
            or element.get("contenteditable") not in (None, "false")
        ):
            return element
    return None


def outside_sectioning(element) -> bool:
    return element.find_parent(SECTIONING) is None


def accessible_label(soup: BeautifulSoup, element) -> str:
    label = (element.get("aria-label") or "").strip()
    if label:
        return label
    names = []
    for ref in (element.get("aria-labelledby") or "").split():
        target = soup.find(id=ref)
        if target is not None:
            names.append(text_of(target))
    return " ".join(names).strip()


def check_absolute_image(demo_output: Path, label: str, value: str | None) -> list[str]:
    if value is None:
        return []
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return [f"{label} {value!r} is not an absolute URL"]
    path, _, problem = site_path("/", value)
    if problem or path is None:
        return [f"{label} {value!r} is not on the site ({base_url()})"]
    if file_of(demo_output, path) is None:
        return [f"{label} {value!r}: no file {path} in the output"]
    return []


def test_every_page_has_metadata_landmarks_and_a_skip_link(demo_output, pages):
    language = config().get("language", "en")
    post_urls = {i.url for i in content_items() if i.kind == "post"}
    problems = []
    for url, soup in pages.items():
        if url == "/404.html":
            continue
        found = []
        canonical = base_url() + url

        h1s = soup.find_all("h1")
        if len(h1s) != 1:
            found.append(f"{len(h1s)} <h1> elements, expected 1")
        elif not text_of(h1s[0]):
            found.append("empty <h1>")
        if soup.title is None or not text_of(soup.title):
            found.append("no or empty <title>")
        if not meta_content(soup, name="description"):
            found.append('no or empty <meta name="description">')
        canonicals = soup.select('link[rel~="canonical"]')
        if [c.get("href") for c in canonicals] != [canonical]:
            found.append(f"canonical {[c.get('href') for c in canonicals]}, expected [{canonical!r}]")
        if not meta_content(soup, prop="og:title"):
            found.append("no or empty og:title")
        if meta_content(soup, prop="og:url") != canonical:
            found.append(f"og:url {meta_content(soup, prop='og:url')!r}, expected {canonical!r}")
        og_type = meta_content(soup, prop="og:type")
        if not og_type:
            found.append("no or empty og:type")
        elif url in post_urls and og_type != "article":
            found.append(f"og:type {og_type!r} on a post, expected 'article'")
        card = meta_content(soup, name="twitter:card")
        if card not in ("summary", "summary_large_image", "app", "player"):
            found.append(f"twitter:card {card!r}, expected summary or summary_large_image")
        found += check_absolute_image(demo_output, "og:image", meta_content(soup, prop="og:image"))
        found += check_absolute_image(demo_output, "twitter:image", meta_content(soup, name="twitter:image"))
        if soup.html.get("lang") != language:
            found.append(f'<html lang={soup.html.get("lang")!r}>, expected {language!r}')

        mains = soup.find_all("main")
        if len(mains) != 1 or mains[0].get("id") != "main":
            found.append(f"expected one <main id=\"main\">, found {[m.get('id') for m in mains]}")
        first = first_focusable(soup)
        if first is None or first.name != "a" or first.get("href") != "#main":
            found.append(f"first focusable element is {str(first)[:80] if first else None}, expected a skip link to #main")

        banners = [h for h in soup.find_all("header") if outside_sectioning(h)]
        if len(banners) != 1:
            found.append(f"{len(banners)} page-level <header> elements, expected 1")
        elif banners[0].find("nav") is None:
            found.append("no <nav> in the site header")
        footers = [f for f in soup.find_all("footer") if outside_sectioning(f)]
        if len(footers) != 1:
            found.append(f"{len(footers)} page-level <footer> elements, expected 1")
        navs = soup.find_all("nav")
        labels = [accessible_label(soup, n) for n in navs]
        if not navs:
            found.append("no <nav>")
        if any(not label for label in labels):
            found.append(f"a <nav> without aria-label or aria-labelledby (labels: {labels})")
        elif len(set(labels)) != len(labels):
            found.append(f"two <nav> landmarks share a label: {labels}")

        problems += [f"{url}: {p}" for p in found]
    assert len(pages) > 1
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


def test_404_page_links_work_from_any_url(pages):
    """404.html is served at whatever URL was missing, so its links cannot be relative to its own folder."""
    soup = pages["/404.html"]
    relative = [
        f"<{element.name} {attribute}={value!r}>"
        for element, attribute, value in link_values(soup)
        if not urlsplit(value).scheme and not value.startswith(("/", "#"))
    ]
    assert not relative, f"404.html has links relative to its own folder: {relative}"
    assert len(soup.find_all("h1")) == 1
    assert "noindex" in (meta_content(soup, name="robots") or "")


# ---------------------------------------------------------------------------------
# 4. JSON-LD
# ---------------------------------------------------------------------------------


def test_footer_has_contact_and_follow_on_every_page_but_the_home_page(pages):
    """The home page shows its own Visit and Follow sections above; the footer (rendered once per
    build by partial()) leaves them out there only."""
    phone = config()["business"]["phone"]
    for url, soup in pages.items():
        footer = soup.find("footer", class_="site-footer")
        if footer is None:
            continue
        has_contact = footer.find(id="footer-contact") is not None and phone in footer.get_text()
        has_follow = footer.find("a", href="/subscribe/#site") is not None
        assert (has_contact, has_follow) == ((False, False) if url == "/" else (True, True)), url
    assert pages["/"].find("footer", class_="site-footer") is not None


SCHEMA_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def schema_days(days) -> list[str]:
    """sitegen.toml's days ("tue-fri", ["sat", "sun"]) as schema.org day URLs, Monday first."""
    found = set()
    for name in [days] if isinstance(days, str) else days:
        first, _, last = name.lower().partition("-")
        start = next(i for i, day in enumerate(SCHEMA_DAYS) if day.lower().startswith(first))
        end = next(i for i, day in enumerate(SCHEMA_DAYS) if day.lower().startswith(last)) if last else start
        found.update(i % 7 for i in range(start, start + (end - start) % 7 + 1))
    return [f"https://schema.org/{SCHEMA_DAYS[i]}" for i in sorted(found)]


def test_home_page_describes_the_local_business(demo_output, pages):
    """A LocalBusiness (of the type the settings give) with what maps and local search show."""
    objects, problems = json_ld(pages["/"])
    assert not problems, problems
    business = config().get("business", {})
    found = of_type(objects, business.get("type", "LocalBusiness"))
    assert len(found) == 1, f"expected one {business.get('type')} in the home page's JSON-LD, got {objects}"
    data = found[0]
    assert any(o.get("@context") in ("https://schema.org", "https://schema.org/", "http://schema.org") for o in objects)
    assert data.get("name") == (business.get("name") or config()["title"]), data
    assert data.get("url") == base_url() + "/", data
    assert data.get("telephone") == business["phone"]
    assert data.get("email") == business["email"]
    assert data.get("image") and check_absolute_image(demo_output, "LocalBusiness image", data["image"]) == [], data
    assert data.get("address") == {
        "@type": "PostalAddress",
        "streetAddress": business["street"],
        "addressLocality": business["locality"],
        "addressRegion": business["region"],
        "postalCode": business["postal_code"],
        "addressCountry": business["country"],
    }
    today = DEMO_NOW.astimezone(site_tz()).date()
    expected = [
        {"@type": "OpeningHoursSpecification", "dayOfWeek": schema_days(row["days"]), "opens": row["opens"], "closes": row["closes"]}
        for row in business["hours"]
    ] + [
        {
            "@type": "OpeningHoursSpecification",
            "opens": row.get("opens", "00:00"),
            "closes": row.get("closes", "00:00"),
            "validFrom": row["date"].isoformat(),
            "validThrough": row.get("until", row["date"]).isoformat(),
            **({"name": row["note"]} if row.get("note") else {}),
        }
        for row in sorted(business.get("special_hours", []), key=lambda row: row["date"])
        if row.get("until", row["date"]) >= today
    ]
    assert data.get("openingHoursSpecification") == expected


def test_every_post_has_blogposting_json_ld(pages):
    authors = config().get("authors", {})
    posts = built_posts_oldest_first()
    assert posts
    problems = []
    for post in posts:
        soup = pages.get(post.url)
        if soup is None:
            problems.append(f"{post.url}: not built")
            continue
        objects, parse_problems = json_ld(soup)
        problems += [f"{post.url}: {p}" for p in parse_problems]
        postings = of_type(objects, "BlogPosting")
        if len(postings) != 1:
            problems.append(f"{post.url}: {len(postings)} BlogPosting objects, expected 1")
            continue
        data = postings[0]
        h1 = soup.find("h1")
        if h1 is None or data.get("headline") != text_of(h1):
            problems.append(f"{post.url}: headline {data.get('headline')!r} != h1 {text_of(h1) if h1 else None!r}")
        try:
            published = dt.datetime.fromisoformat(data.get("datePublished", ""))
        except (TypeError, ValueError):
            problems.append(f"{post.url}: datePublished {data.get('datePublished')!r} is not ISO 8601")
        else:
            if published.utcoffset() is None:
                problems.append(f"{post.url}: datePublished {data['datePublished']!r} has no UTC offset")
            elif published != post.date:
                problems.append(f"{post.url}: datePublished {data['datePublished']!r}, front matter says {post.date.isoformat()}")
        key = post.meta.get("author")
        expected_author = authors.get(key, {}).get("name", key) if key else None
        author = data.get("author")
        author_name = author.get("name") if isinstance(author, dict) else None
        if expected_author and author_name != expected_author:
            problems.append(f"{post.url}: author {author!r}, expected name {expected_author!r}")
        canonical = soup.select_one('link[rel~="canonical"]')
        if canonical is None or data.get("url") != canonical.get("href") or data.get("url") != base_url() + post.url:
            problems.append(f"{post.url}: url {data.get('url')!r} is not the canonical URL")
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------------------------
# 5. sitemap.xml and robots.txt
# ---------------------------------------------------------------------------------

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(scope="module")
def sitemap(demo_output):
    return etree.parse(str(demo_output / "sitemap.xml"))


def test_sitemap_is_valid_against_the_sitemaps_org_schema(sitemap):
    schema = etree.XMLSchema(etree.parse(str(SITEMAP_XSD)))
    assert schema.validate(sitemap), "\n".join(str(e) for e in schema.error_log)


def test_sitemap_lists_exactly_the_indexable_items(demo_output, sitemap, pages):
    locs = [loc.text.strip() for loc in sitemap.iter(f"{SITEMAP_NS}loc")]
    assert len(locs) == len(set(locs)), f"duplicate URLs in sitemap.xml: {sorted(l for l in locs if locs.count(l) > 1)}"
    problems = []
    for loc in locs:
        parts = urlsplit(loc)
        if not (parts.scheme and parts.netloc) or not loc.startswith(base_url() + "/"):
            problems.append(f"{loc!r} is not an absolute URL on {base_url()}")
        elif file_of(demo_output, loc[len(base_url()) :]) is None:
            problems.append(f"{loc} is not in the output")
    listed = set(locs)
    items = content_items()
    for item in items:
        absolute = base_url() + item.url
        if item.kind in ("post", "page") and item.built and absolute not in listed:
            problems.append(f"{absolute} ({item.source}) is missing")
        if not item.built and absolute in listed:
            problems.append(f"{absolute} ({item.source}) is listed but is a draft or scheduled for later")
        if item.built and item.noindex and absolute in listed:
            problems.append(f"{absolute} ({item.source}) is listed but is noindex")
    for url, soup in pages.items():
        robots = meta_content(soup, name="robots") or ""
        if "noindex" in robots.lower() and base_url() + url in listed:
            problems.append(f"{base_url() + url} is listed but its page says noindex")
    if base_url() + "/404.html" in listed:
        problems.append("the 404 page is listed")
    assert not problems, "\n".join(problems)


def test_sitemap_lists_every_html_page_that_is_not_noindex(demo_output, sitemap, pages):
    """Every built HTML page a search engine may index is in the sitemap, paginated pages included; nothing else is."""
    locs = {loc.text.strip() for loc in sitemap.iter(f"{SITEMAP_NS}loc")}
    indexable = {base_url() + url for url, soup in pages.items() if "noindex" not in (meta_content(soup, name="robots") or "").lower()}
    assert any("/page/2/" in url for url in indexable), "the demo should have paginated lists"
    assert sorted(indexable - locs) == [], "indexable pages missing from sitemap.xml"
    assert sorted(locs - indexable) == [], "sitemap.xml lists URLs that are not indexable pages"


def test_every_page_has_one_absolute_social_image(demo_output, pages):
    """og:image and twitter:image on every page: the item's image, else the site's default card."""
    default = base_url() + config()["image"]
    problems = []
    for url, soup in pages.items():
        for label, attrs in (("og:image", {"property": "og:image"}), ("twitter:image", {"name": "twitter:image"})):
            values = [(tag.get("content") or "").strip() for tag in soup.find_all("meta", attrs=attrs)]
            if len(values) != 1:
                problems.append(f"{url}: {len(values)} {label}, expected 1")
                continue
            problems += [f"{url}: {p}" for p in check_absolute_image(demo_output, label, values[0])]
        if meta_content(soup, name="twitter:card") != "summary_large_image":
            problems.append(f"{url}: twitter:card {meta_content(soup, name='twitter:card')!r}, expected summary_large_image")
    for url in ("/archive/", "/subscribe/", "/offers/", "/404.html"):
        if meta_content(pages[url], prop="og:image") != default:
            problems.append(f"{url}: og:image {meta_content(pages[url], prop='og:image')!r}, expected the default card {default!r}")
    assert not problems, "\n".join(problems)


def test_noindex_offers_say_so(pages):
    noindex = [i for i in content_items() if i.kind == "offer" and i.built and i.noindex]
    assert noindex
    for offer in noindex:
        assert "noindex" in (meta_content(pages[offer.url], name="robots") or ""), offer.url


def test_robots_txt_points_to_the_sitemap(demo_output):
    lines = (demo_output / "robots.txt").read_text(encoding="utf-8").splitlines()
    sitemaps = [line.split(":", 1)[1].strip() for line in lines if line.lower().startswith("sitemap:")]
    assert sitemaps == [base_url() + "/sitemap.xml"]


# ---------------------------------------------------------------------------------
# 6. Drafts and future items
# ---------------------------------------------------------------------------------


def test_drafts_and_future_items_are_not_built_or_linked(demo_output, pages):
    unbuilt = [i for i in content_items() if not i.built]
    assert unbuilt
    problems = []
    for item in unbuilt:
        if file_of(demo_output, item.url) is not None:
            problems.append(f"{item.source}: {item.url} was built")
    unbuilt_urls = {i.url: i for i in unbuilt}
    for page_url, soup in pages.items():
        for element, attribute, value in link_values(soup):
            path, _, _ = site_path(page_url, value)
            if path in unbuilt_urls:
                problems.append(f"{page_url}: <{element.name} {attribute}={value!r}> links to {unbuilt_urls[path].source}")
        text = text_of(soup)
        for item in unbuilt:
            if item.title in text:
                problems.append(f"{page_url}: mentions {item.title!r} ({item.source})")
    for file in demo_output.rglob("*"):
        if file.is_file() and file.suffix in (".html", ".xml", ".txt", ".json"):
            data = file.read_text(encoding="utf-8", errors="replace")
            for item in unbuilt:
                if base_url() + item.url in data or f'"{item.url}' in data:
                    problems.append(f"{file.relative_to(demo_output)}: names {item.url} ({item.source})")
    assert not problems, "\n".join(sorted(set(problems)))


# ---------------------------------------------------------------------------------
# 7. Post neighbours and tag pages
# ---------------------------------------------------------------------------------


def rel_link(soup: BeautifulSoup, scope: str, rel: str) -> str | None:
    links = soup.select(f'{scope} a[rel~="{rel}"]')
    assert len(links) <= 1, f"several rel={rel} links in {scope}"
    return links[0].get("href") if links else None


def test_posts_link_to_their_neighbours_in_date_order(pages):
    posts = built_posts_oldest_first()
    assert len(posts) > 2
    problems = []
    for index, post in enumerate(posts):
        soup = pages.get(post.url)
        if soup is None:
            problems.append(f"{post.url}: not built")
            continue
        older = posts[index - 1].url if index > 0 else None
        newer = posts[index + 1].url if index + 1 < len(posts) else None
        previous_link = rel_link(soup, "main", "prev")
        next_link = rel_link(soup, "main", "next")
        if previous_link != older:
            problems.append(f"{post.url}: previous post link {previous_link!r}, expected {older!r}")
        if next_link != newer:
            problems.append(f"{post.url}: next post link {next_link!r}, expected {newer!r}")
    assert not problems, "\n".join(problems)


def list_pages(pages: dict[str, BeautifulSoup], first_url: str) -> list[str]:
    """A paginated list's pages, following its rel=next links from the first."""
    urls, url = [], first_url
    while url is not None:
        assert url not in urls, f"pagination of {first_url} loops at {url}"
        assert url in pages, f"{url} (page {len(urls) + 1} of {first_url}) was not built"
        urls.append(url)
        url = rel_link(pages[url], "main", "next")
    return urls


def listed_posts(soup: BeautifulSoup) -> list[str]:
    return [a["href"] for a in soup.select("main .post-card .card-title a[href]")]


def test_tag_pages_list_exactly_their_posts_newest_first(demo_output, pages):
    posts = built_posts_oldest_first()
    by_tag: dict[str, list[Item]] = {}
    for post in posts:
        for tag in post.tags:
            by_tag.setdefault(slugify(tag), []).append(post)
    assert by_tag
    pattern = permalink_pattern("tag")
    index_url = pattern.split("{slug}", 1)[0]
    built_tags = {
        url_of(demo_output, f)
        for f in (demo_output / index_url.strip("/")).glob("*/index.html")
    }
    problems = []
    if built_tags != {pattern.format(slug=s) for s in by_tag}:
        problems.append(f"tag pages built: {sorted(built_tags)}, expected one per tag of a built post: {sorted(by_tag)}")
    for slug, tagged in sorted(by_tag.items()):
        first = pattern.format(slug=slug)
        if first not in pages:
            problems.append(f"{first}: not built")
            continue
        chain = list_pages(pages, first)
        on_disk = {first} | {url_of(demo_output, f) for f in (demo_output / first.strip("/") / "page").glob("*/index.html")}
        if set(chain) != on_disk:
            problems.append(f"{first}: rel=next reaches {chain}, but the output has {sorted(on_disk)}")
        shown = [href for url in chain for href in listed_posts(pages[url])]
        expected = [p.url for p in reversed(tagged)]
        if shown != expected:
            problems.append(f"{first}: lists {shown}\n    expected newest first {expected}")
    assert not problems, "\n".join(problems)
