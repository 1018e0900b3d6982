"""Building small sites: what is written where, and what it says."""

from __future__ import annotations

import json

from bs4 import BeautifulSoup


from .conftest import BASE_CONFIG, Rebuilds, post


def soup(path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


def jsonld(page: BeautifulSoup) -> dict:
    return json.loads(page.find("script", type="application/ld+json").string)


def test_every_kind_of_output_lands_at_its_url(make_site, build_at):
    root = make_site(
        {
            "content/posts/2026-03-01-spring-menu.md": post("Spring menu", tags="[Cakes, gluten free]", category="News", author="ann"),
            "content/posts/2025-12-24-Winter Bread.md": post("Winter bread", "2025-12-24 08:00", categories="[Recipes]"),
            "content/pages/about.md": "---\ntitle: About\nmenu: 1\n---\nUs.\n",
            "content/offers/spring.md": "---\ntitle: Spring\ncta: {label: Buy, url: 'https://shop.test'}\n---\nDeal.\n",
            "content/static/img/a.png": b"\x89PNG fake",
        }
    )
    build_at(root)
    out = root / "output"
    expected = [
        "index.html", "404.html", "robots.txt", "sitemap.xml",
        "posts/spring-menu/index.html", "posts/winter-bread/index.html", "about/index.html",
        "offers/index.html", "offers/spring/index.html",
        "archive/index.html", "archive/2026/index.html", "archive/2025/index.html",
        "tags/index.html", "tags/cakes/index.html", "tags/gluten-free/index.html",
        "categories/index.html", "categories/news/index.html", "categories/recipes/index.html",
        "authors/index.html", "authors/ann/index.html",
        "static/img/a.png", "static/css/style.css", "static/css/pygments.css",
    ]
    missing = [path for path in expected if not (out / path).is_file()]
    assert missing == []
    assert (out / "static/img/a.png").read_bytes() == b"\x89PNG fake"
    robots = (out / "robots.txt").read_text()
    assert "Sitemap: https://bakery.test/sitemap.xml" in robots


def test_drafts_and_future_posts_only_with_flags(make_site, build_at):
    root = make_site(
        {
            "content/posts/2026-01-01-draft.md": post("Draft", "2026-01-01", draft="true"),
            "content/posts/2026-01-02-unpublished.md": post("Jekyll draft", "2026-01-02", published="false"),
            "content/posts/2027-01-01-later.md": post("Later", "2027-01-01"),
            "content/posts/2026-01-03-now.md": post("Now", "2026-01-03"),
        }
    )
    site = build_at(root).site
    assert [p.slug for p in site.posts] == ["now"]
    assert not (root / "output/posts/draft").exists()
    site = build_at(root, drafts=True, future=True).site
    assert [p.slug for p in site.posts] == ["later", "now", "unpublished", "draft"]
    # the second build pruned nothing of its own and added the rest
    assert (root / "output/posts/later/index.html").is_file()


def test_slug_from_file_name_or_front_matter(make_site, build_at):
    root = make_site(
        {
            "content/posts/2026-03-01-Crème Brûlée Day.md": post("Crème brûlée"),
            "content/posts/2026-03-02-x.md": post("Custom", "2026-03-02", slug="my-slug"),
        }
    )
    site = build_at(root).site
    assert sorted(p.url for p in site.posts) == ["/posts/creme-brulee-day/", "/posts/my-slug/"]


def test_summary_sources(make_site, build_at):
    root = make_site(
        {
            "content/posts/2026-03-01-a.md": post("A", body="First para.\n\nSecond para.", summary="'From *front* matter.'"),
            "content/posts/2026-03-02-b.md": post("B", "2026-03-02", body="Intro one.\n\nIntro two.\n\n<!-- more -->\n\nRest."),
            "content/posts/2026-03-03-c.md": post("C", "2026-03-03", body="Only the first.\n\nNot this."),
        }
    )
    by_slug = {p.slug: p for p in build_at(root).site.posts}
    assert by_slug["a"].summary == "From <em>front</em> matter."
    assert by_slug["b"].summary == "<p>Intro one.</p>\n<p>Intro two.</p>"
    assert by_slug["c"].summary == "<p>Only the first.</p>"
    assert by_slug["c"].description == "Only the first."


MARKDOWN = """\
Intro with a note[^n].

## Ingredients {: #ingredients }

| Item | Grams |
|------|------:|
| Flour | 500 |

```python
def knead(minutes):
    return minutes * 2
```

A paragraph with a class.
{: .lead }

[^n]: The note.
"""


def test_markdown_features(make_site, build_at):
    root = make_site({"content/posts/2026-03-01-md.md": post("MD", body=MARKDOWN)})
    build_at(root)
    page = soup(root / "output/posts/md/index.html")
    content = page.select_one(".entry-content")
    assert content.find("h2")["id"] == "ingredients"
    assert content.select_one("h2 a.headerlink")["href"] == "#ingredients"
    assert [td.get_text() for td in content.select("table td")] == ["Flour", "500"]
    code = content.select_one("div.highlight pre")
    assert code.select_one("span.k").get_text() == "def"  # Pygments classes, colours in the theme's stylesheet
    assert content.select_one("p.lead").get_text() == "A paragraph with a class."
    footnote_ref = content.select_one("sup a.footnote-ref")
    assert content.find(id=footnote_ref["href"][1:]) is not None
    assert (root / "output/static/css/pygments.css").read_text().count(".highlight .k") >= 1


def test_links_between_content_files_become_urls(make_site, build_at):
    root = make_site(
        {
            "content/posts/2026-03-01-a.md": post("A", body="See [B](2026-03-02-b.md#part) and [about](../pages/about.md)."),
            "content/posts/2026-03-02-b.md": post("B", "2026-03-02", body="Back to [A](/posts/2026-03-01-a.md)."),
            "content/pages/about.md": "---\ntitle: About\n---\n![logo](/static/logo.png) [home](/)\n",
            "content/static/logo.png": b"png",
        }
    )
    build_at(root)
    links = [a["href"] for a in soup(root / "output/posts/a/index.html").select(".entry-content a")]
    assert links == ["/posts/b/#part", "/about/"]
    links = [a["href"] for a in soup(root / "output/posts/b/index.html").select(".entry-content a")]
    assert links == ["/posts/a/"]


def test_base_url_path_prefixes_every_root_relative_link(make_site, build_at):
    root = make_site(
        {
            "content/posts/2026-03-01-a.md": post("A", body="[about](../pages/about.md) ![x](/static/x.png)"),
            "content/pages/about.md": "---\ntitle: About\nmenu: 1\n---\nUs.\n",
            "content/static/x.png": b"png",
        }
    )
    build_at(root, base_url="https://example.org/shop/")
    page = soup(root / "output/posts/a/index.html")
    assert [a["href"] for a in page.select(".entry-content a")] == ["/shop/about/"]
    assert page.select_one(".entry-content img")["src"] == "/shop/static/x.png"
    assert page.find("link", rel="canonical")["href"] == "https://example.org/shop/posts/a/"
    assert page.find("link", rel="stylesheet")["href"] == "/shop/static/css/style.css"
    assert [a["href"] for a in page.select(".site-nav a")] == ["/shop/about/"]


def test_pagination_and_neighbours(make_site, build_at):
    posts = {f"content/posts/2026-01-{day:02d}-p{day}.md": post(f"P{day}", f"2026-01-{day:02d} 09:00", tags="[bread]") for day in range(1, 8)}
    root = make_site(posts, extra_config="\n[pagination]\nposts = 3\n")
    build_at(root)
    out = root / "output"
    pages = [out / "tags/bread/index.html", out / "tags/bread/page/2/index.html", out / "tags/bread/page/3/index.html"]
    titles = [[a.get_text() for a in soup(p).select(".card-title a")] for p in pages]
    assert titles == [["P7", "P6", "P5"], ["P4", "P3", "P2"], ["P1"]]
    assert not (out / "tags/bread/page/4").exists()
    second = soup(pages[1])
    assert second.find("a", rel="prev")["href"] == "/tags/bread/"
    assert second.find("a", rel="next")["href"] == "/tags/bread/page/3/"
    middle = soup(out / "posts/p4/index.html").select_one(".post-nav")
    assert middle.find("a", rel="prev")["href"] == "/posts/p3/"
    assert middle.find("a", rel="next")["href"] == "/posts/p5/"
    newest = soup(out / "posts/p7/index.html").select_one(".post-nav")
    assert newest.find("a", rel="next") is None


def test_head_metadata_and_jsonld(make_site, build_at):
    root = make_site(
        {
            "content/posts/2026-03-01-a.md": post("Rye is back", body="Dense & dark <b>rye</b>.", author="ann", image="/static/rye.png", tags="[rye]"),
            "content/static/rye.png": b"png",
            "content/static/card.png": b"png",
        },
        config='image = "/static/card.png"\n' + BASE_CONFIG,
    )
    build_at(root)
    page = soup(root / "output/posts/a/index.html")
    assert page.title.get_text() == "Rye is back · Test Bakery"
    assert page.find("meta", attrs={"name": "description"})["content"] == "Dense & dark rye."
    assert page.find("meta", property="og:image")["content"] == "https://bakery.test/static/rye.png"
    assert page.find("meta", attrs={"name": "twitter:card"})["content"] == "summary_large_image"
    data = jsonld(page)
    assert data["@type"] == "BlogPosting"
    assert data["headline"] == "Rye is back"
    assert data["datePublished"] == "2026-03-01T09:00:00+01:00"  # Europe/Paris in March
    assert data["author"] == {"@type": "Person", "name": "Ann Baker", "url": "https://bakery.test/authors/ann/"}
    home = soup(root / "output/index.html")
    assert jsonld(home)["@type"] == "Organization"
    assert home.find("meta", property="og:image")["content"] == "https://bakery.test/static/card.png"


def test_jsonld_cannot_close_its_script_element(make_site, build_at):
    root = make_site({"content/posts/2026-03-01-a.md": post("</script><script>alert(1)</script>")})
    build_at(root)
    html = (root / "output/posts/a/index.html").read_text()
    assert "</script><script>alert(1)" not in html
    assert jsonld(BeautifulSoup(html, "lxml"))["headline"] == "</script><script>alert(1)</script>"


def test_site_templates_override_theme_and_can_extend_it(make_site, build_at):
    root = make_site(
        {
            "content/pages/about.md": "---\ntitle: About\n---\nUs.\n",
            "templates/page.html": '{% extends "!theme/page.html" %}{% block main %}<p id="custom">{{ page.title }}</p>{{ super() }}{% endblock %}',
        }
    )
    build_at(root)
    page = soup(root / "output/about/index.html")
    assert page.find(id="custom").get_text() == "About"
    assert page.select_one(".entry-content").get_text(strip=True) == "Us."


def test_templates_in_a_linked_folder_are_found(make_site, build_at, tmp_path):
    """Jinja's list of templates skips folders reached through a symbolic link; such templates load all the same."""
    shared = tmp_path / "shared-partials"
    shared.mkdir()
    (shared / "greeting.html").write_text('<p id="greeting">Hello from a linked folder</p>')
    root = make_site(
        {
            "content/pages/about.md": "---\ntitle: About\n---\nUs.\n",
            "templates/page.html": '{% extends "!theme/page.html" %}{% block main %}{% include "linked/greeting.html" %}{{ super() }}{% endblock %}',
        }
    )
    (root / "templates/linked").symlink_to(shared, target_is_directory=True)
    rebuild = Rebuilds(build_at)
    rebuild(root)
    assert soup(root / "output/about/index.html").find(id="greeting").get_text() == "Hello from a linked folder"
    (shared / "greeting.html").write_text('<p id="greeting">Hello again</p>')
    rebuild(root)  # a rebuild that reuses renderings sees the linked template change
    assert soup(root / "output/about/index.html").find(id="greeting").get_text() == "Hello again"


def test_template_typo_names_template_line_and_output(make_site, build_at):
    import pytest

    from sitegen import SitegenError

    root = make_site(
        {
            "content/pages/about.md": "---\ntitle: About\n---\nUs.\n",
            "templates/page.html": "<p>\n{{ page.titel }}\n</p>\n",
        }
    )
    with pytest.raises(SitegenError) as caught:
        build_at(root)
    assert [str(p) for p in caught.value.problems] == [
        "templates/page.html:2: 'sitegen.model.Page object' has no attribute 'titel' (while rendering about/index.html)"
    ]
    assert not (root / "output").exists()


def test_sitemap_lists_indexable_pages_with_lastmod(make_site, build_at):
    root = make_site(
        {
            "content/posts/2026-03-01-a.md": post("A", updated="2026-03-05 10:00"),
            "content/offers/old.md": "---\ntitle: Old\ncta: {label: Buy, url: 'https://s.test'}\nvalid_until: 2026-01-01\n---\nx\n",
        }
    )
    build_at(root)
    from lxml import etree

    tree = etree.parse(str(root / "output/sitemap.xml"))
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    entries = {u.findtext("s:loc", namespaces=ns): u.findtext("s:lastmod", namespaces=ns) for u in tree.findall("s:url", ns)}
    assert entries["https://bakery.test/posts/a/"] == "2026-03-05T10:00:00+01:00"
    assert "https://bakery.test/offers/old/" not in entries  # expired: noindex
    assert "https://bakery.test/404.html" not in entries
    assert "https://bakery.test/" in entries


def test_static_file_colliding_with_a_page_is_an_error(make_site, build_at):
    import pytest

    from sitegen import SitegenError

    root = make_site(
        {
            "content/pages/shop.md": "---\ntitle: Shop\nslug: static\n---\nx\n",
            "content/static/index.html": "<p>mine</p>",
        }
    )
    with pytest.raises(SitegenError) as caught:
        build_at(root)
    assert [str(p) for p in caught.value.problems] == [
        "content/static/index.html: writes static/index.html, which content/pages/shop.md writes too (rename one of them)"
    ]


def test_base_url_path_is_never_doubled_in_any_output(make_site, build_at):
    root = make_site(
        {
            "content/posts/2026-03-01-a.md": post("A", tags="[bread]", image="/static/a.png", body="![x](/static/x.png)"),
            "content/offers/deal.md": "---\ntitle: Deal\nimage: /static/d.png\ncta: {label: Buy, url: 'https://s.test'}\n---\nx\n",
            **{f"content/static/{name}": b"png" for name in ("a.png", "x.png", "d.png", "card.png")},
        },
        config='image = "/static/card.png"\n' + BASE_CONFIG,
    )
    build_at(root, base_url="https://example.org/shop")
    doubled = [p.relative_to(root / "output").as_posix() for p in (root / "output").rglob("*") if p.is_file() and p.suffix != ".png" and b"/shop/shop" in p.read_bytes()]
    assert doubled == []
    home = soup(root / "output/index.html")
    assert home.find("meta", property="og:image")["content"] == "https://example.org/shop/static/card.png"
    assert home.find("link", type="application/atom+xml")["href"] == "/shop/atom.xml"
