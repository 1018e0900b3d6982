"""Content written for other tools builds, or is named in a warning: never silently dropped or garbled.

Each test here failed before sitegen read such content (the `.markdown` files, dates in file names,
`<!--more-->`, Markdown as CommonMark writes it, Liquid and shortcodes, far-fetched suggestions).
"""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from .conftest import post


def page_of(root, url: str) -> BeautifulSoup:
    return BeautifulSoup((root / "output" / url.strip("/") / "index.html").read_text(encoding="utf-8"), "html.parser")


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
