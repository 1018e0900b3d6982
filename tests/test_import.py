"""`sitegen import`: a WordPress export, a Jekyll site and a Hugo site (tests/fixtures/import/, written to
look like real ones) become sitegen sites that build, where every old address redirects to its page,
feed readers see the ids they saw, no template syntax shows and the pictures are there."""

from __future__ import annotations

import re
import shutil
import urllib.request
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup

from sitegen import build
from sitegen.errors import SitegenError
from sitegen.importers.common import REPORT_FILE, write_import
from sitegen.importers.hugo import read_hugo
from sitegen.importers.jekyll import read_jekyll
from sitegen.importers.wordpress import read_wordpress

from .conftest import NOW, run_cli, snapshot
from .test_redirects import redirect_of, served

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"


def imported(tmp_path: Path, kind: str, **options) -> tuple[Path, object]:
    """The fixture of kind imported into tmp_path/site, and what write_import() said."""
    site = tmp_path / "site"
    if kind == "wordpress":
        result = read_wordpress(FIXTURES / "wordpress.xml", "wordpress.xml", uploads=FIXTURES / "uploads", **options)
    elif kind == "jekyll":
        result = read_jekyll(FIXTURES / "jekyll", "jekyll", **options)
    else:
        result = read_hugo(FIXTURES / "hugo", "hugo", **options)
    return site, (result, write_import(result, site))


def built(site: Path):
    """The imported site built as `sitegen build` builds it, with the tests' clock."""
    return build(site, now=NOW)


def feed_ids(output: Path) -> dict[str, set[str]]:
    """The entry ids of the site-wide feeds, read as a feed reader reads them."""
    return {name: {entry.id for entry in feedparser.parse((output / name).read_bytes()).entries} for name in ("atom.xml", "rss.xml", "feed.json") if name != "feed.json"}


TEMPLATE_SYNTAX = re.compile(r"\{%|\{\{\s*(site|page|post)\.|\{\{<|\{\{%")


def template_syntax_on_pages(output: Path) -> list[str]:
    """Every HTML page showing Liquid or a Hugo shortcode outside code and comments."""
    found = []
    for page in sorted(output.rglob("*.html")):
        text = re.sub(r"<pre\b.*?</pre>|<code\b.*?</code>|<!--.*?-->", "", page.read_text(encoding="utf-8"), flags=re.S)
        if TEMPLATE_SYNTAX.search(text):
            found.append(page.relative_to(output).as_posix())
    return found


def images_of(output: Path) -> set[str]:
    """The site-relative src of every picture on every page."""
    found = set()
    for page in output.rglob("*.html"):
        for image in BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").find_all("img"):
            found.add(image["src"])
    return found


def check_redirects(output: Path, expected: dict[str, str]) -> None:
    """Each old address answers, through a real HTTP server, with a page sending the browser to its new page,
    and _redirects says the same (an address with a query only there)."""
    lines = {tuple(line.split("  ")[:-1]) for line in (output / "_redirects").read_text(encoding="utf-8").splitlines() if not line.startswith("#")}
    with served(output) as base:
        for old, new in expected.items():
            path, _, query = old.partition("?")
            assert ((path, query, new) if query else (path, new)) in lines, old
            if not query:
                assert redirect_of(base, old) == (200, new), old
                with urllib.request.urlopen(base + new, timeout=10) as response:
                    assert response.status == 200


# --- WordPress ------------------------------------------------------------------------------------


def test_a_wordpress_export_becomes_a_site(tmp_path):
    site, (result, written) = imported(tmp_path, "wordpress")
    assert result.counts == {
        "posts": 2,
        "scheduled posts (built from their date on)": 1,
        "drafts (posts that were private)": 1,
        "drafts (posts; draft: true)": 1,
        "pages": 2,
        "authors": 2,
        "categories": 2,
        "tags": 2,
        "comments (not imported: sitegen has no comments; keep them in your export)": 3,
        "attachments (listed below)": 3,
        "'product' items, a type of your theme or a plugin (not imported)": 1,
    }
    report = (site / REPORT_FILE).read_text(encoding="utf-8")
    assert report == written.report
    assert "content/posts/2024-03-12-lemon-drizzle.md:27: <!-- wp:latest-posts /-->: a WordPress block" in report
    assert "content/posts/2024-04-02-rosies-turns-15.md:23: [contact-form-7]: a WordPress shortcode with no equivalent here" in report
    assert "https://rosies.example/wp-content/uploads/2024/04/counter.jpg   (not copied)" in report
    assert "content/posts/2024-04-22-staff-rota.md: private in WordPress: imported as a draft" in report

    result = built(site)
    assert [str(w) for w in result.warnings] == []
    assert sorted(p.title for p in result.site.posts) == ["Our new lemon drizzle 🍋", "Rosie’s turns 15!"]
    assert {p.author.name for p in result.site.posts} == {"Rosie Marsh", "Tomás Ortega"}
    assert result.site.drafts_left_out == 2 and result.site.scheduled_left_out == 1
    output = site / "output"
    check_redirects(output, {
        "/2024/03/12/lemon-drizzle/": "/posts/lemon-drizzle/",
        "/2024/04/02/rosies-turns-15/": "/posts/rosies-turns-15/",
        "/about/visit/": "/visit/",
        "/?p=11": "/posts/lemon-drizzle/",
        "/?page_id=2": "/about/",
    })
    assert feed_ids(output) == {name: {"https://rosies.example/?p=11", "https://rosies.example/?p=12"} for name in ("atom.xml", "rss.xml")}
    assert template_syntax_on_pages(output) == []
    assert {"/static/uploads/2024/03/lemon-drizzle.jpg", "/static/uploads/2024/04/opening-day.jpg"} <= images_of(output)
    assert (output / "static/uploads/2024/03/lemon-drizzle.jpg").read_bytes() == (FIXTURES / "uploads/2024/03/lemon-drizzle.jpg").read_bytes()
    post = BeautifulSoup((output / "posts/lemon-drizzle/index.html").read_text(encoding="utf-8"), "html.parser")
    assert post.select_one("figure figcaption").get_text() == "Fresh from the oven"
    assert post.select_one("iframe")["src"] == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    assert [a["href"] for a in post.select(".entry-content a:not(.headerlink)")] == ["/about/", "/posts/rosies-turns-15/"]
    assert result.site.posts[0].summary == "The lemon drizzle is back." or result.site.posts[1].summary == "The lemon drizzle is back."
    birthday = BeautifulSoup((output / "posts/rosies-turns-15/index.html").read_text(encoding="utf-8"), "html.parser")
    assert [f.figcaption.get_text() for f in birthday.select("figure") if f.figcaption] == ["Opening day, 2009", "Opening day, 2009", "The counter"]
    assert "5 * 3 = 15 and snake_case_names" in birthday.get_text()
    assert [(link.title, link.url) for link in result.site.navigation] == [("Über uns — About", "/about/"), ("Order online", "https://order.rosies.example/")]


def test_a_wordpress_export_imports_the_same_bytes_twice_and_never_overwrites(tmp_path):
    first, _ = imported(tmp_path / "a", "wordpress")
    second, _ = imported(tmp_path / "b", "wordpress")
    files = {path: data for path, (data, _) in snapshot(first).items()}
    assert files == {path: data for path, (data, _) in snapshot(second).items()}
    about = first / "content/pages/about.md"
    about.write_text("---\ntitle: About (edited)\n---\nMy own words.\n", encoding="utf-8")
    before = snapshot(first)
    with pytest.raises(SitegenError) as raised:
        imported(tmp_path / "a", "wordpress")
    assert [str(p) for p in raised.value.problems] == [
        f"{about}: exists and differs from what the import would write (nothing was changed; pass --force to replace it)"
    ]
    assert snapshot(first) == before
    result = read_wordpress(FIXTURES / "wordpress.xml", "wordpress.xml", uploads=FIXTURES / "uploads")
    again = write_import(result, first, force=True)
    assert again.written == ("content/pages/about.md",) and {path: data for path, (data, _) in snapshot(first).items()} == files


BROKEN_EXPORTS = {
    "export.xml": (
        '<?xml version="1.0"?>\n<rss>\n<channel>\n<title>x</tit>\n</channel></rss>\n',
        "export.xml:4: not well-formed XML (mismatched tag: line 4, column 10); expected a WordPress export (WXR), as Tools > Export writes it",
    ),
    "bomb.xml": (
        '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>\n<rss><channel>&b;</channel></rss>\n',
        "bomb.xml: refused: the file declares entities or a DTD (EntitiesForbidden), which a WordPress export never does",
    ),
    "feed.xml": (
        '<?xml version="1.0"?>\n<rss><channel><title>A feed</title></channel></rss>\n',
        "feed.xml:1: not a WordPress export: expected an <rss> file with a <channel> and WordPress's wp: elements (Tools > Export in WordPress)",
    ),
}


@pytest.mark.parametrize("name", BROKEN_EXPORTS)
def test_a_broken_export_is_named_with_its_line(tmp_path, name):
    text, expected = BROKEN_EXPORTS[name]
    (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(SitegenError) as raised:
        read_wordpress(tmp_path / name, name)
    assert [str(p) for p in raised.value.problems] == [expected]


# --- Jekyll ---------------------------------------------------------------------------------------


def test_a_jekyll_site_becomes_a_site(tmp_path):
    site, (result, written) = imported(tmp_path, "jekyll")
    assert result.counts == {"posts": 3, "drafts (draft: true)": 1, "pages": 2, "pictures and files copied to content/static/": 2}
    assert "content/posts/2023-01-14-hello-sourdough.md:28: {% include %}: Liquid, Jekyll's template language" in written.report
    assert "content/posts/2023-03-02-rye-bread.md:18: {% if %}: Liquid" in written.report
    assert "jekyll/index.md: a home page, list of posts or error page: sitegen makes its own; not imported" in written.report
    assert "jekyll/_recipes/: a collection of 1 document: sitegen has no collections, so they were not imported" in written.report
    result = built(site)
    assert [str(w) for w in result.warnings] == []
    output = site / "output"
    check_redirects(output, {
        "/bread/news/2023/01/14/hello-sourdough.html": "/posts/hello-sourdough/",
        "/rye/": "/posts/rye-bread/",  # its permalink
        "/2023/03/rye/": "/posts/rye-bread/",  # redirect_from
        "/bread/rye-bread.html": "/posts/rye-bread/",
        "/2023/05/20/cr%C3%A8me-br%C3%BBl%C3%A9e-day.html": "/posts/creme-brulee-day/",
        "/visit.html": "/visit/",
    })
    # jekyll-feed's ids: the post's URL folder and slug under the site URL, not its link
    ids = {
        "https://crustyloaf.example/bread/news/2023/01/14/hello-sourdough",
        "https://crustyloaf.example/rye-bread",
        "https://crustyloaf.example/2023/05/20/cr%C3%A8me-br%C3%BBl%C3%A9e-day",
    }
    assert feed_ids(output) == {"atom.xml": ids, "rss.xml": ids}
    assert template_syntax_on_pages(output) == []
    assert {"/static/assets/img/sourdough.jpg", "/static/assets/img/rye.jpg"} <= images_of(output)
    assert (output / "static/assets/img/rye.jpg").is_file()
    post = BeautifulSoup((output / "posts/hello-sourdough/index.html").read_text(encoding="utf-8"), "html.parser")
    assert post.select_one("div.highlight code").get_text().startswith("def feed(starter):")
    assert [li.contents[0].strip() for li in post.select(".entry-content > ul > li")] == ["morning", "evening"]
    assert [a["href"] for a in post.select(".entry-content a:not(.headerlink)")] == ["/posts/rye-bread/", "/about/"]
    rye = BeautifulSoup((output / "posts/rye-bread/index.html").read_text(encoding="utf-8"), "html.parser")
    assert rye.select_one(".entry-content code").get_text() == "{{ page.title }}"
    assert "By Sam Okafor." in rye.get_text() and rye.find("p", string="#rye #bakery") is not None
    [crème] = [p for p in result.site.posts if p.slug == "creme-brulee-day"]
    assert crème.date.isoformat() == "2023-05-20T00:00:00+01:00"
    assert [(link.title, link.url) for link in result.site.navigation] == [("About us", "/about/"), ("Visit", "/visit/")]


# --- Hugo -----------------------------------------------------------------------------------------


def test_a_hugo_site_becomes_a_site(tmp_path):
    site, (result, written) = imported(tmp_path, "hugo")
    assert result.counts == {
        "posts": 2, "drafts (draft: true)": 1, "pages": 2, "page bundles (their pictures copied)": 1,
        "pictures and files copied to content/static/": 3,
    }
    assert "content/posts/2024-06-14-summer-berries.md:31: {{% notice %}}: a Hugo shortcode sitegen has no equivalent for" in written.report
    assert "hugo/content/posts/market-day/index.md: expiryDate 2030-01-01: sitegen does not take a post down by itself" in written.report
    result = built(site)
    assert [str(w) for w in result.warnings] == []
    output = site / "output"
    check_redirects(output, {
        "/2024/06/summer-berries/": "/posts/summer-berries/",
        "/berries/": "/posts/summer-berries/",
        "/2024/06/old-berries/": "/posts/summer-berries/",
        "/2024/05/market-day/": "/posts/market-day/",
        "/about-us/": "/about/",
        "/reach-us/": "/contact/",  # JSON front matter, Hugo's third kind
    })
    ids = {"https://greengrocer.example/2024/06/summer-berries/", "https://greengrocer.example/2024/05/market-day/"}
    assert feed_ids(output) == {"atom.xml": ids, "rss.xml": ids}  # Hugo's RSS guid is the permalink
    assert template_syntax_on_pages(output) == []
    assert {"/static/images/logo.jpg", "/static/posts/market-day/stall.jpg", "/static/posts/market-day/cover.jpg"} <= images_of(output)
    berries = BeautifulSoup((output / "posts/summer-berries/index.html").read_text(encoding="utf-8"), "html.parser")
    assert berries.select_one("figure figcaption").get_text() == "Picked this morning"
    assert berries.select_one("div.highlight code").get_text() == 'fmt.Println("berries")\n'
    assert berries.select_one(".entry-content iframe")["src"] == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    assert "Rinse just before eating." in berries.get_text()
    assert [a["href"] for a in berries.select(".entry-content a:not(.headerlink)")][-1] == "/posts/market-day/"
    [market] = [p for p in result.site.posts if p.slug == "market-day"]
    assert market.date.isoformat() == "2024-05-05T07:00:00-04:00"  # publishDate, the date it went out
    assert market.extra == {"expiry_date": "2030-01-01"}
    assert [(link.title, link.url) for link in result.site.navigation] == [("About", "/about/"), ("Shop", "https://shop.greengrocer.example/")]


def test_a_site_without_its_settings_file_is_named(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(SitegenError) as raised:
        read_jekyll(tmp_path / "empty", "empty")
    assert [str(p) for p in raised.value.problems] == ["empty: not a Jekyll site: expected a folder with _config.yml"]
    with pytest.raises(SitegenError) as raised:
        read_hugo(tmp_path / "empty", "empty")
    assert [str(p) for p in raised.value.problems] == ["empty: not a Hugo site: expected a folder with hugo.toml or hugo.yaml or hugo.yml or config.toml"]


def test_bad_front_matter_in_the_source_names_the_file_and_line(tmp_path):
    source = tmp_path / "hugo"
    shutil.copytree(FIXTURES / "hugo", source)
    (source / "content/posts/broken.md").write_text('+++\ntitle = "Broken\ndate = 2024-01-01\n+++\nText.\n', encoding="utf-8")
    with pytest.raises(SitegenError) as raised:
        read_hugo(source, "hugo")
    [problem] = raised.value.problems
    assert str(problem).startswith("hugo/content/posts/broken.md:2: invalid TOML front matter: ")


@pytest.mark.slow  # two real `sitegen` processes
def test_the_command_prints_and_saves_its_report_and_never_touches_the_source(tmp_path):
    source = tmp_path / "jekyll"
    shutil.copytree(FIXTURES / "jekyll", source)
    before = snapshot(source)
    site = tmp_path / "site"
    done = run_cli("import", "jekyll", str(source), "--site", str(site), "--site-url", "https://crustyloaf.example")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"sitegen import jekyll {source}\n")
    assert (site / REPORT_FILE).read_text(encoding="utf-8") in done.stdout
    assert snapshot(source) == before
    inside = run_cli("import", "jekyll", str(source), "--site", str(source / "new"))
    assert inside.returncode == 2 and "is inside the source" in inside.stderr
    assert snapshot(source) == before
    broken = tmp_path / "broken.xml"
    broken.write_text("<rss><channel>", encoding="utf-8")
    failed = run_cli("import", "wordpress", str(broken), "--site", str(tmp_path / "other"))
    assert failed.returncode == 1
    assert failed.stderr == f"error: {broken}:1: not well-formed XML (no element found: line 1, column 14); expected a WordPress export (WXR), as Tools > Export writes it\n1 error; nothing was written.\n"
    assert not (tmp_path / "other").exists()
