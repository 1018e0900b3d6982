"""Content written for other tools builds, or is named in a warning: never silently dropped or garbled.

Each test here failed before sitegen read such content (the `.markdown` files, dates in file names,
`<!--more-->`, Markdown as CommonMark writes it, Liquid and shortcodes, far-fetched suggestions).
"""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from sitegen.errors import SitegenError

from .conftest import post


def page_of(root, url: str) -> BeautifulSoup:
    return BeautifulSoup((root / "output" / url.strip("/") / "index.html").read_text(encoding="utf-8"), "html.parser")


def warnings_of(result) -> list[str]:
    return [str(problem) for problem in result.warnings]


def test_markdown_and_mdown_files_are_read_and_other_files_are_named(make_site, build_at):
    root = make_site({
        "content/posts/2026-03-01-jekyll-style.markdown": post("Jekyll style", body="Written as *.markdown*."),
        "content/pages/old.mdown": "---\ntitle: Old page\n---\nFrom an old tool.\n",
        "content/posts/2026-03-02-legacy.html": "<p>A page left from the old site.</p>\n",
        "content/pages/notes.rst": "Notes\n=====\n",
        "content/blog/2026-03-03-elsewhere.md": post("In the wrong folder"),
        "content/README.txt": "read me",
        "content/static/photo.txt": "static files are copied, not warned about",
        "content/posts/.draft.html": "hidden files are skipped",
    })
    result = build_at(root)
    assert sorted(p.title for p in result.site.posts) == ["Jekyll style"]
    assert [p.title for p in result.site.pages] == ["Old page"]
    assert result.site.posts[0].url == "/posts/jekyll-style/" and result.site.pages[0].url == "/old/"
    assert "<em>.markdown</em>" in result.site.posts[0].content
    assert warnings_of(result) == [
        "content/README.txt: not built: it is straight in content/; a post goes in content/posts/, a page in content/pages/",
        "content/blog/2026-03-03-elsewhere.md: not built: sitegen reads content/posts/, content/pages/, content/offers/ and content/static/, not content/blog/",
        "content/pages/notes.rst: not built: sitegen reads .md, .markdown, .mdown files here (a picture or download goes in content/static/) "
        "(to move a site made with WordPress, Jekyll or Hugo, use `sitegen import`)",
        "content/posts/2026-03-02-legacy.html: not built: sitegen reads .md, .markdown, .mdown files here (a picture or download goes in content/static/) "
        "(to move a site made with WordPress, Jekyll or Hugo, use `sitegen import`)",
    ]


def test_a_post_without_a_date_takes_it_from_its_file_name(make_site, build_at):
    root = make_site({"content/posts/2026-02-14-valentines.md": "---\ntitle: Valentine's buns\n---\nHearts.\n"})
    [only] = build_at(root).site.posts
    assert only.date.isoformat() == "2026-02-14T00:00:00+01:00"  # midnight in the site's zone (Europe/Paris)
    assert only.slug == "valentines"


def test_a_post_without_a_date_or_a_dated_name_still_needs_one(make_site, build_at):
    root = make_site({"content/posts/valentines.md": "---\ntitle: Valentine's buns\n---\nHearts.\n"})
    with pytest.raises(SitegenError) as raised:
        build_at(root)
    assert [str(p) for p in raised.value.problems] == ["content/posts/valentines.md:1: date: required, but missing"]


@pytest.mark.parametrize("marker", ["<!--more-->", "<!-- more -->", "<!--  more\t-->", "<!-- More -->"])
def test_the_more_marker_works_with_or_without_spaces(make_site, build_at, marker):
    root = make_site({"content/posts/2026-03-01-x.md": post("X", body=f"First part.\n\nSecond part.\n\n{marker}\n\nThe rest.")})
    [only] = build_at(root).site.posts
    assert only.summary == "<p>First part.</p>\n<p>Second part.</p>"


COMMONMARK = """\
Ingredients:
- flour
  - rye, stone-ground
  - spelt
    - whole
- water

Steps:
1. Mix:
   ```python
   dough = flour + water
   ```
2. Bake
   1. at 250 °C
   2. then 220 °C

#sourdough #bakery

# A heading
"""


def test_markdown_as_other_tools_write_it(make_site, build_at):
    root = make_site({"content/posts/2026-03-01-x.md": post("X", body=COMMONMARK)})
    build_at(root)
    body = page_of(root, "/posts/x/").select_one(".post-body, article") or page_of(root, "/posts/x/")
    first = body.find("p", string="Ingredients:").find_next_sibling()
    assert first.name == "ul"  # a list right after a paragraph
    assert [li.contents[0].strip() for li in first.find_all("li", recursive=False)] == ["flour", "water"]
    nested = first.li.ul  # nested by two spaces
    assert [li.contents[0].strip() for li in nested.find_all("li", recursive=False)] == ["rye, stone-ground", "spelt"]
    assert nested.find_all("li", recursive=False)[1].ul.li.get_text(strip=True) == "whole"
    steps = body.find("p", string="Steps:").find_next_sibling()
    assert steps.name == "ol" and len(steps.find_all("li", recursive=False)) == 2
    code = steps.li.select_one("div.highlight pre code")  # fenced code inside a list item
    assert code is not None and code.get_text() == "dough = flour + water\n"
    assert steps.find_all("li", recursive=False)[1].ol is not None
    assert body.find("p", string="#sourdough #bakery") is not None  # a hashtag is not a heading
    assert [h.get_text(strip=True).rstrip("#") for h in body.find_all("h1") if h.get("id") == "a-heading"] == ["A heading"]


def test_a_numbered_line_in_a_paragraph_stays_in_it(make_site, build_at):
    root = make_site({"content/posts/2026-03-01-x.md": post("X", body="What a year it was in\n2019. Then came more.")})
    [only] = build_at(root).site.posts
    assert only.content == "<p>What a year it was in\n2019. Then came more.</p>"


def test_liquid_and_shortcodes_left_on_a_page_are_named_with_their_line(make_site, build_at):
    """In code, or in a comment (where `sitegen import` keeps what it could not convert), it is not shown: no warning."""
    body = (
        "Intro.\n"
        "\n"
        "{% include signup.html %}\n"
        "\n"
        "See {{ site.url }} and {{< youtube abc123 >}}.\n"
        "\n"
        "{{% notice tip %}}Take care{{% /notice %}}\n"
        "\n"
        "In code it is fine: `{% raw %}` and\n"
        "\n"
        "<!-- {% include kept-by-sitegen-import.html %} -->\n"
        "\n"
        "```liquid\n{% for post in site.posts %}{{ post.title }}{% endfor %}\n```\n"
    )
    root = make_site({"content/posts/2026-03-01-x.md": post("X", body=body)})
    result = build_at(root)
    hint = " (`sitegen import jekyll` or `sitegen import hugo` converts what has an equivalent; else rewrite or remove it)"
    liquid = "Liquid, Jekyll's template language, which sitegen does not run: the page shows it as written"
    shortcode = "a Hugo shortcode, which sitegen does not run: the page shows it as written"
    assert warnings_of(result) == [
        f"content/posts/2026-03-01-x.md:7: '{{% include signup.html %}}' is {liquid}{hint}",
        f"content/posts/2026-03-01-x.md:9: '{{{{ site.url }}}}' is {liquid}{hint}",
        f"content/posts/2026-03-01-x.md:9: '{{{{< youtube abc123 >}}}}' is {shortcode}{hint}",
        f"content/posts/2026-03-01-x.md:11: '{{{{% notice tip %}}}}' is {shortcode}{hint}",
        f"content/posts/2026-03-01-x.md:11: '{{{{% /notice %}}}}' is {shortcode}{hint}",
    ]


def test_a_suggestion_is_offered_only_when_it_is_close(make_site, build_at):
    root = make_site({
        "content/posts/2026-03-01-a.md": post("A", math="true"),
        "content/posts/2026-03-02-b.md": post("B", titel="'x'"),
    })
    with pytest.raises(SitegenError) as raised:
        build_at(root)
    assert [str(p) for p in raised.value.problems] == [
        "content/posts/2026-03-01-a.md:4: unknown field 'math' (put your own fields under 'extra:')",
        "content/posts/2026-03-02-b.md:4: unknown field 'titel' (did you mean 'title'?)",
    ]
