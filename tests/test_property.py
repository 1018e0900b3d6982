"""Property: an incremental rebuild gives exactly the tree a clean build of the edited site gives.

A hypothesis state machine edits a small site at random (posts, pages, offers, template overrides,
static files, settings) and, after edits, rebuilds the same output folder incrementally. Each
rebuild must equal, path for path and byte for byte (the manifest included), a clean build of the
same files into a fresh site folder and a fresh output folder with no cache: files of deleted
content must be gone from the incremental output too.

Two incremental paths are checked:
- the dev server's: build() with memos handed from each build to the next across the whole sequence;
- the CLI's: `sitegen build` run as a new process each time, into the same output folder (reusing
  whatever its on-disk cache, .sitegen-cache/ in the site folder, gives it).

The generated site is always valid (links only to built files, `offer:` only to existing offers,
unique slugs, valid_until not before valid_from): a failing build is not what these tests are about.

When the property fails, hypothesis prints the shortest edit sequence it found: `first_build()`
builds the empty site, and each rule with then_build=True (and each `rebuild()`) is one
incremental build compared with a clean one.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import shutil
import tempfile
import zoneinfo
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from sitegen import build

from .conftest import NOW, Rebuilds, post, run_cli, write_files

TZ = zoneinfo.ZoneInfo("Europe/Paris")  # the zone of the generated sitegen.toml, as in conftest's BASE_CONFIG

# ---------------------------------------------------------------------------------
# The site, as a value: what the state machine edits
# ---------------------------------------------------------------------------------

# Few names, so edits keep meeting the same files.
POST_NAMES = ("alpha", "bravo", "charlie")
POST_SLUGS = (None, "renamed-one", "renamed-two")  # overrides never equal a file name's slug
PAGE_NAMES = ("about", "contact")
PAGE_SLUGS = (None, "renamed-page")
OFFER_NAMES = ("deal", "promo")

TITLES = ("Spring bread", "Crème brûlée", "Bread & butter", "Cakes: a story", "Rye <returns>")
BODIES = (
    "Plain text.",
    "Some *emphasis* and a [link](https://example.com/x).",
    "First paragraph.\n\n<!-- more -->\n\nSecond paragraph.",
    "## A heading\n\nText with a footnote[^1].\n\n[^1]: The note.",
    "A long body. " + "Flour water salt and time. " * 30,  # over 512 characters: digests memoised across builds
)
# Local times in Europe/Paris; NOW is 2026-06-15 12:00 UTC = 14:00 in Paris. Values with a zone
# name the same instant as another value in a different zone: equal datetimes, different text.
POST_DATES = (
    "2025-03-01 09:00",
    "2025-03-01T08:00:00Z",  # the same instant as the line above
    "2025-12-31 23:30",  # 22:30 UTC: still 2025
    "2026-01-01 00:30",  # 2026 in the site's zone...
    "2025-12-31T23:30:00Z",  # ...the same instant, 2025 in its own
    "2026-06-15 13:30",  # just before NOW: built
    "2026-06-15 14:30",  # just after NOW: scheduled, not built
)
UPDATED = (None, "2026-02-01 10:00", "2026-02-01T09:00:00Z", "2026-06-10 08:00")
TAGS = ("bread", "cakes", "Coffee", "coffee", "news")  # Coffee and coffee share a slug
CATEGORIES = (None, "News", "Recipes")
AUTHORS = (None, "ann", "Guest Baker")  # ann is in [authors]; Guest Baker is not
VALID_FROM = (None, "2026-01-01", "2025-12-31T23:00:00Z", "2026-06-15 13:00", "2026-06-15 15:00", "2026-09-01")
VALID_UNTIL = (None, "2026-03-31", "2026-06-15 13:30", "2026-06-15", "2026-12-31", "2026-12-31T22:59:59Z")
PRICES = (None, 5.0, 12.5)
WAS = (None, 3.0, 20.0)
# A front matter summary; its links are resolved like the body's, but a missing target gives '#', not an error.
SUMMARIES = (None, "A short summary.", "Read [about us](../pages/about.md) first.", "See [alpha](alpha.md) too.")


def local_time(text: str, *, end_of_day: bool = False) -> dt.datetime:
    """A front matter date as sitegen reads it (date-only: start of day, or end of day for valid_until)."""
    if len(text) == 10:
        day = dt.date.fromisoformat(text)
        return dt.datetime.combine(day, dt.time(23, 59, 59) if end_of_day else dt.time(), tzinfo=TZ)
    parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=TZ)


def respelled(text: str | None, *, end_of_day: bool = False) -> str | None:
    """The same instant written the other way: local time in UTC with a 'Z', or a zoned time as local time."""
    if text is None:
        return None
    moment = local_time(text, end_of_day=end_of_day)
    if len(text) > 10 and (text.endswith("Z") or "+" in text[10:]):
        return moment.astimezone(TZ).strftime("%Y-%m-%d %H:%M:%S")
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class PostSpec:
    title: str = "Spring bread"
    body: str = "Plain text."
    summary: str | None = None
    date: str = "2025-03-01 09:00"
    updated: str | None = None
    tags: tuple[str, ...] = ()
    category: str | None = None
    author: str | None = None
    draft: bool = False
    slug: str | None = None
    link: str | None = None
    """A path under content/ ('pages/about.md') this post links to."""
    offer: str | None = None
    """The slug of an offer this post promotes."""


@dataclass(frozen=True)
class PageSpec:
    title: str = "About"
    body: str = "Plain text."
    menu: int | None = None
    updated: str | None = None
    draft: bool = False
    slug: str | None = None


@dataclass(frozen=True)
class OfferSpec:
    title: str = "Deal"
    body: str = "Plain text."
    price: float | None = None
    was: float | None = None
    valid_from: str | None = None
    valid_until: str | None = None
    listed: bool = True
    featured: bool = False
    code: str | None = None
    draft: bool = False


@dataclass(frozen=True)
class SettingsSpec:
    tagline: str = "Bread worth getting up for."
    base_url: str = "https://bakery.test"
    posts_per_page: int = 10
    home: int = 6
    entries: int = 20
    full_content: bool = True
    channels: tuple[tuple[str, bool], ...] = (("tags", True), ("categories", True), ("authors", True), ("offers", True), ("updates", True))


TEMPLATES = {
    "page.html": (
        '{% extends "!theme/page.html" %}{% block main %}<p class="custom">Custom page A</p>{{ super() }}{% endblock %}\n',
        '{% extends "!theme/page.html" %}{% block main %}{{ super() }}<p class="custom">Custom page B</p>{% endblock %}\n',
    ),
    "post.html": (
        '{% extends "!theme/post.html" %}{% block main %}{{ super() }}<p>Thanks for reading.</p>{% endblock %}\n',
        '{% extends "!theme/post.html" %}{% block main %}<h1>{{ post.title }}</h1>{{ post.content|safe }}{% endblock %}\n',
    ),
    "posts/alpha.html": ('{% extends "!theme/post.html" %}{% block main %}<p>Alpha only</p>{{ super() }}{% endblock %}\n',),
    "partials/footer.html": (
        '<footer class="site-footer"><p>Footer one: {{ config.business_name }}</p></footer>\n',
        '<footer class="site-footer"><p>Footer two: {{ site.posts|length }} posts, {{ site.offers|length }} offers</p></footer>\n',
    ),
    "base.html": (
        '{% extends "!theme/base.html" %}{% block head %}<meta name="x-variant" content="one">{% endblock %}\n',
        '{% extends "!theme/base.html" %}{% block head %}<meta name="x-variant" content="two">{% endblock %}\n',
    ),
}
STATIC = {
    "notes.txt": (b"one\n", b"two\n"),
    "img/dot.bin": (b"\x00\x01\x02", b"\x00\x01\x03"),
    "css/style.css": (b"body { color: red; }\n", b"body { color: blue; }\n"),  # overrides the theme's file
}


@dataclass(frozen=True)
class SiteSpec:
    posts: dict[str, PostSpec] = field(default_factory=dict)
    pages: dict[str, PageSpec] = field(default_factory=dict)
    offers: dict[str, OfferSpec] = field(default_factory=dict)
    templates: dict[str, int] = field(default_factory=dict)
    """Template name -> variant index."""
    static: dict[str, int] = field(default_factory=dict)
    """Path under content/static/ -> variant index."""
    settings: SettingsSpec = SettingsSpec()


# --- validity -------------------------------------------------------------------

def post_built(spec: PostSpec) -> bool:
    return not spec.draft and local_time(spec.date) <= NOW


def offer_built(spec: OfferSpec) -> bool:
    return not spec.draft and (spec.valid_from is None or local_time(spec.valid_from) <= NOW)


def built_paths(site: SiteSpec) -> set[str]:
    """Paths under content/ of the files a build includes (what links may point to)."""
    return (
        {f"posts/{n}.md" for n, p in site.posts.items() if post_built(p)}
        | {f"pages/{n}.md" for n, p in site.pages.items() if not p.draft}
        | {f"offers/{n}.md" for n, o in site.offers.items() if offer_built(o)}
    )


def normalized(site: SiteSpec) -> SiteSpec:
    """The site made valid: links only to built files, offers that exist, unique post slugs, dates in order."""
    targets = built_paths(site)
    posts = {}
    used_slugs: set[str] = set()
    for name in sorted(site.posts):
        p = site.posts[name]
        if p.link is not None and p.link not in targets:
            p = replace(p, link=None)
        if p.offer is not None and p.offer not in site.offers:
            p = replace(p, offer=None)
        if p.slug is not None and p.slug in used_slugs:
            p = replace(p, slug=None)
        if p.slug is not None:
            used_slugs.add(p.slug)
        posts[name] = p
    pages = {}
    used_slugs = set()
    for name in sorted(site.pages):
        p = site.pages[name]
        if p.slug is not None and p.slug in used_slugs:
            p = replace(p, slug=None)
        if p.slug is not None:
            used_slugs.add(p.slug)
        pages[name] = p
    offers = {}
    for name, o in site.offers.items():
        if o.valid_from and o.valid_until and local_time(o.valid_until, end_of_day=True) < local_time(o.valid_from):
            o = replace(o, valid_until=None)
        offers[name] = o
    return replace(site, posts=posts, pages=pages, offers=offers)


# --- files ----------------------------------------------------------------------

def q(value) -> str:
    """A YAML scalar or flow list (JSON is YAML)."""
    return json.dumps(value, ensure_ascii=False)


def post_file(p: PostSpec) -> str:
    lines = [f"title: {q(p.title)}", f"date: {p.date}"]
    if p.summary:
        lines.append(f"summary: {q(p.summary)}")
    if p.updated:
        lines.append(f"updated: {p.updated}")
    if p.tags:
        lines.append(f"tags: {q(list(p.tags))}")
    if p.category:
        lines.append(f"category: {p.category}")
    if p.author:
        lines.append(f"author: {q(p.author)}")
    if p.draft:
        lines.append("draft: true")
    if p.slug:
        lines.append(f"slug: {p.slug}")
    if p.offer:
        lines.append(f"offer: {p.offer}")
    body = p.body
    if p.link:
        relative = p.link.removeprefix("posts/") if p.link.startswith("posts/") else "../" + p.link
        body += f"\n\nSee [the other one]({relative})."
    return "---\n" + "\n".join(lines) + "\n---\n" + body + "\n"


def page_file(p: PageSpec) -> str:
    lines = [f"title: {q(p.title)}"]
    if p.menu is not None:
        lines.append(f"menu: {p.menu}")
    if p.updated:
        lines.append(f"updated: {p.updated}")
    if p.draft:
        lines.append("draft: true")
    if p.slug:
        lines.append(f"slug: {p.slug}")
    return "---\n" + "\n".join(lines) + "\n---\n" + p.body + "\n"


def offer_file(o: OfferSpec) -> str:
    lines = [f"title: {q(o.title)}", "cta: {label: Order now, url: 'https://shop.test/order'}"]
    for key in ("price", "was", "valid_from", "valid_until", "code"):
        value = getattr(o, key)
        if value is not None:
            lines.append(f"{key}: {value}")
    if not o.listed:
        lines.append("listed: false")
    if o.featured:
        lines.append("featured: true")
    if o.draft:
        lines.append("draft: true")
    return "---\n" + "\n".join(lines) + "\n---\n" + o.body + "\n"


def config_file(s: SettingsSpec) -> str:
    channels = "\n".join(f"{name} = {str(on).lower()}" for name, on in s.channels)
    return (
        'title = "Test Bakery"\n'
        f"tagline = {q(s.tagline)}\n"
        'description = "A small test bakery."\n'
        f"base_url = {q(s.base_url)}\n"
        'timezone = "Europe/Paris"\n\n'
        '[authors.ann]\nname = "Ann Baker"\nbio = "Bakes."\n\n'
        f"[pagination]\nposts = {s.posts_per_page}\nhome = {s.home}\n\n"
        f"[feeds]\nentries = {s.entries}\nfull_content = {str(s.full_content).lower()}\n{channels}\n"
    )


def site_files(site: SiteSpec) -> dict[str, bytes]:
    """Every file of the site, relative to its root."""
    files = {"sitegen.toml": config_file(site.settings)}
    files.update({f"content/posts/{n}.md": post_file(p) for n, p in site.posts.items()})
    files.update({f"content/pages/{n}.md": page_file(p) for n, p in site.pages.items()})
    files.update({f"content/offers/{n}.md": offer_file(o) for n, o in site.offers.items()})
    files.update({f"templates/{n}": TEMPLATES[n][i] for n, i in site.templates.items()})
    result = {path: text.encode("utf-8") for path, text in files.items()}
    result.update({f"content/static/{n}": STATIC[n][i] for n, i in site.static.items()})
    return result


def sync(root: Path, old: dict[str, bytes], new: dict[str, bytes]) -> None:
    """Bring root from old files to new: write what changed, delete what went (and folders left empty)."""
    write_files(root, {path: data for path, data in new.items() if old.get(path) != data})
    for path in set(old) - set(new):
        target = root / path
        target.unlink()
        parent = target.parent
        while parent != root and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent


# ---------------------------------------------------------------------------------
# Comparing output folders
# ---------------------------------------------------------------------------------

EMPTY_FOLDER = b"<an empty folder>"


def tree(folder: Path) -> dict[str, bytes]:
    """relative path -> bytes of every file under folder; an empty folder (left behind) as 'path/'."""
    result = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            result[path.relative_to(folder).as_posix()] = path.read_bytes()
        elif path.is_dir() and not any(path.iterdir()):
            result[path.relative_to(folder).as_posix() + "/"] = EMPTY_FOLDER
    return result


_clean_builds: dict[bytes, dict[str, bytes]] = {}


def clean_tree(files: dict[str, bytes]) -> dict[str, bytes]:
    """The output of a clean build: the same files in a fresh site folder, a fresh output folder, no cache.

    A clean build is a function of the files (and NOW), so it is remembered by their digest: shrinking
    revisits the same sites many times, and a clean build compiles every template afresh.
    """
    digest = hashlib.blake2b(repr(sorted(files.items())).encode(), digest_size=16).digest()
    if digest not in _clean_builds:
        if len(_clean_builds) > 100:
            _clean_builds.clear()
        _clean_builds[digest] = _clean_build(files)
    return _clean_builds[digest]


def _clean_build(files: dict[str, bytes]) -> dict[str, bytes]:
    scratch = Path(tempfile.mkdtemp(prefix="sitegen-clean-"))
    try:
        root = write_files(scratch / "site", files)
        build(root, scratch / "out", now=NOW)
        return tree(scratch / "out")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def tree_difference(actual: dict[str, bytes], expected: dict[str, bytes]) -> str:
    """What differs between two trees, readably; '' when they are equal."""
    lines = []
    for path in sorted(set(actual) - set(expected)):
        lines.append(f"stale (only in the incremental output): {path}")
    for path in sorted(set(expected) - set(actual)):
        lines.append(f"missing (only in the clean output): {path}")
    changed = sorted(p for p in set(actual) & set(expected) if actual[p] != expected[p])
    for path in changed:
        lines.append(f"different bytes: {path}")
    for path in changed[:2]:
        diff = difflib.unified_diff(
            expected[path].decode("utf-8", "replace").splitlines(),
            actual[path].decode("utf-8", "replace").splitlines(),
            f"clean/{path}",
            f"incremental/{path}",
            lineterm="",
            n=1,
        )
        lines.extend(list(diff)[:40])
    return "\n".join(lines)


def assert_same_tree(actual: dict[str, bytes], expected: dict[str, bytes]) -> None:
    difference = tree_difference(actual, expected)
    assert not difference, "incremental output differs from a clean build:\n" + difference


# ---------------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------------

def one_of_values(values) -> st.SearchStrategy:
    return st.sampled_from(values)


DRAFT = st.sampled_from((False, False, False, True))  # mostly built, so edits meet built items


posts_strategy = st.builds(
    PostSpec,
    title=one_of_values(TITLES),
    body=one_of_values(BODIES),
    summary=one_of_values(SUMMARIES),
    date=one_of_values(POST_DATES),
    updated=one_of_values(UPDATED),
    tags=st.lists(one_of_values(TAGS), max_size=3).map(tuple),
    category=one_of_values(CATEGORIES),
    author=one_of_values(AUTHORS),
    draft=DRAFT,
    slug=one_of_values(POST_SLUGS),
    link=st.none() | one_of_values([f"posts/{n}.md" for n in POST_NAMES] + [f"pages/{n}.md" for n in PAGE_NAMES] + [f"offers/{n}.md" for n in OFFER_NAMES]),
    offer=st.none() | one_of_values(OFFER_NAMES),
)
pages_strategy = st.builds(
    PageSpec,
    title=one_of_values(TITLES),
    body=one_of_values(BODIES),
    menu=one_of_values((None, 1, 2)),
    updated=one_of_values(UPDATED),
    draft=DRAFT,
    slug=one_of_values(PAGE_SLUGS),
)
offers_strategy = st.builds(
    OfferSpec,
    title=one_of_values(TITLES),
    body=one_of_values(BODIES),
    price=one_of_values(PRICES),
    was=one_of_values(WAS),
    valid_from=one_of_values(VALID_FROM),
    valid_until=one_of_values(VALID_UNTIL),
    listed=st.booleans(),
    featured=st.booleans(),
    code=one_of_values((None, "SAVE10", "BREAD")),
    draft=DRAFT,
)


def field_changes(strategy_fields: dict[str, st.SearchStrategy]) -> st.SearchStrategy:
    """(field name, new value) for one field of a spec."""
    return st.one_of(*(st.tuples(st.just(name), values) for name, values in strategy_fields.items()))


post_changes = field_changes(
    {
        "title": one_of_values(TITLES),
        "body": one_of_values(BODIES),
        "summary": one_of_values(SUMMARIES),
        "tags": st.lists(one_of_values(TAGS), max_size=3).map(tuple),
        "date": one_of_values(POST_DATES),
        "updated": one_of_values(UPDATED),
        "draft": DRAFT,
        "slug": one_of_values(POST_SLUGS),
        "category": one_of_values(CATEGORIES),
        "author": one_of_values(AUTHORS),
        "link": st.none() | one_of_values([f"posts/{n}.md" for n in POST_NAMES] + [f"pages/{n}.md" for n in PAGE_NAMES] + [f"offers/{n}.md" for n in OFFER_NAMES]),
        "offer": st.none() | one_of_values(OFFER_NAMES),
    }
)
page_changes = field_changes(
    {
        "title": one_of_values(TITLES),
        "body": one_of_values(BODIES),
        "menu": one_of_values((None, 1, 2)),
        "updated": one_of_values(UPDATED),
        "draft": DRAFT,
        "slug": one_of_values(PAGE_SLUGS),
    }
)
offer_changes = field_changes(
    {
        "title": one_of_values(TITLES),
        "body": one_of_values(BODIES),
        "price": one_of_values(PRICES),
        "was": one_of_values(WAS),
        "valid_from": one_of_values(VALID_FROM),
        "valid_until": one_of_values(VALID_UNTIL),
        "listed": st.booleans(),
        "featured": st.booleans(),
        "code": one_of_values((None, "SAVE10", "BREAD")),
        "draft": DRAFT,
    }
)
CHANNELS = ("tags", "categories", "authors", "offers", "updates")
setting_changes = field_changes(
    {
        "tagline": one_of_values(("Bread worth getting up for.", "New tagline.", "")),
        "base_url": one_of_values(("https://bakery.test", "https://bakery.test/shop", "https://example.org")),
        "posts_per_page": one_of_values((1, 2, 10)),
        "home": one_of_values((0, 1, 6)),
        "entries": one_of_values((1, 2, 20)),
        "full_content": st.booleans(),
        "channel": st.tuples(one_of_values(CHANNELS), st.booleans()),
    }
)


def with_setting(s: SettingsSpec, change: tuple) -> SettingsSpec:
    name, value = change
    if name == "channel":
        channel, on = value
        return replace(s, channels=tuple((c, on if c == channel else old) for c, old in s.channels))
    return replace(s, **{name: value})


# ---------------------------------------------------------------------------------
# The state machine
# ---------------------------------------------------------------------------------

class IncrementalBuilds(RuleBasedStateMachine):
    """Random edits of a site; each `then_build` rebuilds incrementally and compares with a clean build."""

    def __init__(self):
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="sitegen-property-"))
        self.root = self.folder / "site"
        self.out = self.folder / "out"
        self.root.mkdir()
        self.site = SiteSpec()
        self.files: dict[str, bytes] = {}

    def teardown(self):
        shutil.rmtree(self.folder, ignore_errors=True)

    # --- building ---------------------------------------------------------------

    def incremental_build(self) -> None:
        raise NotImplementedError

    def check(self) -> None:
        self.incremental_build()
        assert_same_tree(tree(self.out), clean_tree(self.files))

    def edit(self, site: SiteSpec, then_build: bool) -> None:
        self.site = normalized(site)
        files = site_files(self.site)
        sync(self.root, self.files, files)
        self.files = files
        if then_build:
            self.check()

    # --- the first site, then edits ----------------------------------------------
    # No rule has a precondition and names come from fixed pools (changing a missing file adds it,
    # deleting one is a no-op): the rules a step can pick never depend on earlier steps, which
    # keeps shrinking fast.

    @initialize()
    def first_build(self):
        """An empty site (settings only): every file comes from a rule, so failing sequences shrink step by step."""
        self.edit(SiteSpec(), then_build=True)

    @rule(name=one_of_values(POST_NAMES), spec=posts_strategy, then_build=st.booleans())
    def put_post(self, name, spec, then_build):
        self.edit(replace(self.site, posts={**self.site.posts, name: spec}), then_build)

    @rule(name=one_of_values(POST_NAMES), change=post_changes, then_build=st.booleans())
    def change_post(self, name, change, then_build):
        spec = replace(self.site.posts.get(name, PostSpec()), **{change[0]: change[1]})
        self.edit(replace(self.site, posts={**self.site.posts, name: spec}), then_build)

    @rule(name=one_of_values(POST_NAMES), then_build=st.booleans())
    def delete_post(self, name, then_build):
        self.edit(replace(self.site, posts={n: p for n, p in self.site.posts.items() if n != name}), then_build)

    @rule(name=one_of_values(PAGE_NAMES), spec=pages_strategy, then_build=st.booleans())
    def put_page(self, name, spec, then_build):
        self.edit(replace(self.site, pages={**self.site.pages, name: spec}), then_build)

    @rule(name=one_of_values(PAGE_NAMES), change=page_changes, then_build=st.booleans())
    def change_page(self, name, change, then_build):
        spec = replace(self.site.pages.get(name, PageSpec()), **{change[0]: change[1]})
        self.edit(replace(self.site, pages={**self.site.pages, name: spec}), then_build)

    @rule(name=one_of_values(PAGE_NAMES), then_build=st.booleans())
    def delete_page(self, name, then_build):
        self.edit(replace(self.site, pages={n: p for n, p in self.site.pages.items() if n != name}), then_build)

    @rule(name=one_of_values(OFFER_NAMES), spec=offers_strategy, then_build=st.booleans())
    def put_offer(self, name, spec, then_build):
        self.edit(replace(self.site, offers={**self.site.offers, name: spec}), then_build)

    @rule(name=one_of_values(OFFER_NAMES), change=offer_changes, then_build=st.booleans())
    def change_offer(self, name, change, then_build):
        spec = replace(self.site.offers.get(name, OfferSpec()), **{change[0]: change[1]})
        self.edit(replace(self.site, offers={**self.site.offers, name: spec}), then_build)

    @rule(name=one_of_values(OFFER_NAMES), then_build=st.booleans())
    def delete_offer(self, name, then_build):
        self.edit(replace(self.site, offers={n: o for n, o in self.site.offers.items() if n != name}), then_build)

    @rule(
        template=st.sampled_from(sorted(TEMPLATES)).flatmap(lambda n: st.tuples(st.just(n), st.sampled_from((None, *range(len(TEMPLATES[n])))))),
        then_build=st.booleans(),
    )
    def set_template(self, template, then_build):
        """Add, change or (variant None) delete a site template override."""
        name, variant = template
        templates = {n: v for n, v in self.site.templates.items() if n != name} | ({name: variant} if variant is not None else {})
        self.edit(replace(self.site, templates=templates), then_build)

    @rule(
        static=st.sampled_from(sorted(STATIC)).flatmap(lambda n: st.tuples(st.just(n), st.sampled_from((None, *range(len(STATIC[n])))))),
        then_build=st.booleans(),
    )
    def set_static(self, static, then_build):
        """Add, change or (variant None) delete a file under content/static/."""
        name, variant = static
        files = {n: v for n, v in self.site.static.items() if n != name} | ({name: variant} if variant is not None else {})
        self.edit(replace(self.site, static=files), then_build)

    @rule(item=one_of_values([("post", n) for n in POST_NAMES] + [("page", n) for n in PAGE_NAMES] + [("offer", n) for n in OFFER_NAMES]), then_build=st.booleans())
    def respell_dates(self, item, then_build):
        """Write an item's dates the other way (UTC with 'Z', or back to local time): the same instants, other text."""
        kind, name = item
        if kind == "post" and name in self.site.posts:
            p = self.site.posts[name]
            posts = {**self.site.posts, name: replace(p, date=respelled(p.date), updated=respelled(p.updated))}
            self.edit(replace(self.site, posts=posts), then_build)
        elif kind == "page" and name in self.site.pages:
            p = self.site.pages[name]
            self.edit(replace(self.site, pages={**self.site.pages, name: replace(p, updated=respelled(p.updated))}), then_build)
        elif kind == "offer" and name in self.site.offers:
            o = self.site.offers[name]
            o = replace(o, valid_from=respelled(o.valid_from), valid_until=respelled(o.valid_until, end_of_day=True))
            self.edit(replace(self.site, offers={**self.site.offers, name: o}), then_build)
        else:
            self.edit(self.site, then_build)

    @rule(change=setting_changes, then_build=st.booleans())
    def change_setting(self, change, then_build):
        self.edit(replace(self.site, settings=with_setting(self.site.settings, change)), then_build)

    @rule()
    def rebuild(self):
        """Build with nothing edited since the last build (or with the edits made since)."""
        self.check()


class InMemoryIncrementalBuilds(IncrementalBuilds):
    """The dev server's path: memos handed from each build to the next across every build of the sequence."""

    def __init__(self):
        super().__init__()
        self.rebuild = Rebuilds()

    def incremental_build(self) -> None:
        self.rebuild(self.root, self.out, now=NOW)


class CliIncrementalBuilds(IncrementalBuilds):
    """The CLI's path: `sitegen build` as a new process each time, into the same output folder."""

    def incremental_build(self) -> None:
        run_cli("build", "--source", str(self.root), "--output", str(self.out), "--now", NOW.isoformat(), check=True)


SLOW_OK = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large]


@pytest.mark.slow  # a hypothesis state machine: minutes
def test_incremental_build_with_in_memory_cache_equals_clean_build():
    """The dev server's path: after random edits, build() handing on its memos gives a clean build's tree."""
    run_state_machine_as_test(
        InMemoryIncrementalBuilds,
        settings=settings(max_examples=80, stateful_step_count=20, deadline=None, database=None, suppress_health_check=SLOW_OK),
    )


@pytest.mark.slow  # a hypothesis state machine: minutes
def test_incremental_cli_build_equals_clean_build():
    """The CLI's path: after random edits, `sitegen build` into the same folder gives a clean build's tree."""
    run_state_machine_as_test(
        CliIncrementalBuilds,
        settings=settings(max_examples=10, stateful_step_count=6, deadline=None, database=None, suppress_health_check=SLOW_OK),
    )


# ---------------------------------------------------------------------------------
# Regression tests: the smallest edit sequences the property found
# ---------------------------------------------------------------------------------

def rebuild_after_edits(root: Path, tmp_path: Path, *edits: dict[str, str | None]) -> None:
    """Build root handing on its memos, apply each edit ({path: text, or None to delete}) and rebuild; compare with a clean build."""
    rebuild = Rebuilds()
    rebuild(root, tmp_path / "incremental", now=NOW)
    for edit in edits:
        for path, text in edit.items():
            if text is None:
                (root / path).unlink()
            else:
                write_files(root, {path: text})
        rebuild(root, tmp_path / "incremental", now=NOW)
    build(root, tmp_path / "clean", now=NOW)
    assert_same_tree(tree(tmp_path / "incremental"), tree(tmp_path / "clean"))


def test_regression_feeds_follow_an_edit_of_a_post_body(make_site, tmp_path):
    """A post's body changes, nothing else: its feed entries must change too (not last build's entries)."""
    root = make_site({"content/posts/a.md": post("A", "2026-03-01 09:00", "One.\n\nTwo.")})
    rebuild_after_edits(root, tmp_path, {"content/posts/a.md": post("A", "2026-03-01 09:00", "One.")})


def test_regression_summary_links_follow_their_target(make_site, tmp_path):
    """A link in front matter `summary:` must follow its target's new URL, as a link in the body does."""
    root = make_site(
        {
            "content/posts/a.md": post("A", summary='"See [us](../pages/about.md)."'),
            "content/pages/about.md": "---\ntitle: About\n---\nUs.\n",
        }
    )
    rebuild_after_edits(root, tmp_path, {"content/pages/about.md": "---\ntitle: About\nslug: us\n---\nUs.\n"})


OFFER = "---\ntitle: Deal\nvalid_until: {}\ncta: {{label: Buy, url: 'https://shop.test'}}\n---\nA deal.\n"


@pytest.mark.parametrize(
    ("path", "before", "after"),
    [
        pytest.param("content/posts/a.md", post("A", "2025-03-01 09:00"), post("A", "2025-03-01T08:00:00Z"), id="post-date"),
        pytest.param("content/offers/deal.md", OFFER.format("2026-12-31"), OFFER.format("2026-12-31T22:59:59Z"), id="offer-valid-until"),
    ],
)
def test_regression_same_instant_written_in_another_zone(make_site, tmp_path, path, before, after):
    """A date rewritten as the same instant in another zone is shown differently, so outputs showing it must change.

    Equal datetimes in different zones compare equal, so an Output of this build compares equal
    to last build's and last build's is reused (with the old text).
    """
    root = make_site({path: before})
    rebuild_after_edits(root, tmp_path, {path: after})
