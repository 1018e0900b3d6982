"""sitegen's Markdown converter gives Python-Markdown's own output, byte for byte.

sitegen's Markdown instance uses an inline processor and block parser that skip the patterns
and block processors a text cannot match (sitegen/markdown.py). These tests convert the same
text with that converter and with one using Python-Markdown's stock processor and parser, and
compare; and check that making sitegen's converter changes nothing in the markdown package.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown.blockparser import BlockParser
from markdown.treeprocessors import InlineProcessor

from sitegen.highlight import _Highlight, _HighlightTreeprocessor
from sitegen.markdown import (
    MarkdownRenderer,
    _ScreenedBlockParser,
    _ScreenedInlineProcessor,
    plain_text,
    word_count,
)

ROOT = Path(__file__).resolve().parent.parent


def stock_renderer() -> MarkdownRenderer:
    return MarkdownRenderer(screened=False)


def both(text: str) -> tuple[str, str]:
    return MarkdownRenderer().render(text, "posts").html, stock_renderer().render(text, "posts").html


def test_the_screened_processor_and_parser_are_in_use():
    """Otherwise the comparisons below would compare the stock processor with itself."""
    renderer = MarkdownRenderer()
    md = renderer._md
    assert isinstance(md.treeprocessors["inline"], _ScreenedInlineProcessor)
    assert isinstance(md.parser, _ScreenedBlockParser)
    renderer.render("```python\nx = 1\n```\n", "posts")  # SuperFences finds its highlighter at the first block
    assert md.preprocessors["fenced_code_block"].highlighter is _Highlight
    assert isinstance(md.treeprocessors["indent-highlight"], _HighlightTreeprocessor)
    stock = stock_renderer()._md
    assert type(stock.parser) is BlockParser and type(stock.treeprocessors["inline"]) is InlineProcessor


def test_the_markdown_package_is_left_as_it_comes():
    """Per-instance extensions only: a plain Markdown made after sitegen's is stock, pymdownx.highlight too."""
    import markdown
    import pygments.lexers
    from pymdownx import highlight

    renderer = MarkdownRenderer()
    plain = markdown.Markdown(extensions=["pymdownx.superfences", "pymdownx.highlight"])
    assert type(plain.parser) is BlockParser and type(plain.treeprocessors["inline"]) is InlineProcessor
    assert all(processor.parser is plain.parser for processor in plain.parser.blockprocessors)
    assert all(processor.parser is renderer._md.parser for processor in renderer._md.parser.blockprocessors)
    assert type(plain.treeprocessors["indent-highlight"]) is highlight.HighlightTreeprocessor
    assert highlight.get_lexer_by_name is pygments.lexers.get_lexer_by_name
    assert highlight.Highlight.get_lexer.__globals__["get_lexer_by_name"] is pygments.lexers.get_lexer_by_name
    assert highlight.Highlight.highlight.__globals__["BlockHtmlFormatter"] is highlight.BlockHtmlFormatter


def test_demo_and_theme_documents_convert_as_stock():
    sources = sorted(ROOT.glob("content/**/*.md"))
    assert len(sources) > 10
    for source in sources:
        ours, stock = both(source.read_text(encoding="utf-8"))
        assert ours == stock, source


# Pieces that exercise every inline pattern and block processor, and the characters that start
# them, in any order: emphasis, code, escapes, links and images (inline, reference, short),
# autolinks, raw HTML, entities, hard line breaks, footnotes and abbreviations; headings,
# rules, quotes, lists, tables, definition lists, indented code and every kind of definition.
PIECES = [
    "word", "two words", " ", "\n", "  \n", "\n\n", "*", "**", "_", "__", "`", "``", "\\", "\\*", "[", "]", "(", ")",
    "!", "<", ">", "&", ";", "#", ":", "^", "|", "-", "1.", "> ",
    "*em*", "**strong**", "_em_", "***both***", "`code`", "``co`de``", "[a link](https://example.com/x)",
    "[ref][r]", "[r]", "![alt](i.png)", "![alt][r]", "<https://example.com>", "<me@example.com>",
    "<b>bold</b>", "<!-- note -->", "&amp;", "&#169;", "&copy;", "AT&T", "[^1]", "HTML", "[other](other.md#x)",
    "\n\n[r]: https://example.com/r\n\n", "\n\n[^1]: A note.\n\n", "\n\n*[HTML]: Hyper Text\n\n",
    "\n\n```python\nx = '<a>'\n```\n\n", "\n\n| a | b |\n|---|---|\n| *1* | `2` |\n\n", "\n\n# Head *em*\n\n",
    "\n\n- item [x](y.md)\n- `two`\n\n", "\n\nTerm\n:   Definition *d*\n\n", "{: .c }",
    "\n\nTitle\n=====\n\n", "\nSub\n---\n", "\n---\n", "\n* * *\n", "\n___\n", "\n> quoted *q*\n> more\n", ">",
    "\n    indented code\n", "\n1. one\n2. two\n", "\n+ plus\n", "\n| only |\n| --- |\n", "a | b\n--|--\n1 | 2",
    "\n## Closed ##\n", "#", "\n:  def\n", "[^n]: note", "*[AT]: A T", "[x]: /x \"T\"", "[y]:/y", "[z]:\n  /z", "]:", "\n\n\n", "\t",
]


@pytest.mark.slow  # hypothesis, hundreds of examples
@settings(max_examples=400, deadline=None, database=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_any_mix_of_inline_markup_converts_as_stock(pieces):
    ours, stock = both("".join(pieces))
    assert ours == stock


@pytest.mark.slow  # hypothesis, hundreds of examples
@settings(max_examples=200, deadline=None, database=None)
@given(st.text(alphabet=st.sampled_from(list("ab *_`\\[]()!<>&;#:^\n@./-=\"'|{}~")), max_size=120))
def test_any_punctuation_soup_converts_as_stock(text):
    ours, stock = both(text)
    assert ours == stock


@pytest.mark.slow  # hypothesis, hundreds of examples
@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.sampled_from(list("ab .,;:!?\n\t\xa0<>/p&;#x") + ["&amp;", "&nbsp;", "<p>", "</p>", "&#32;", "&#46;"]), max_size=60))
def test_word_count_counts_the_words_of_the_plain_text(pieces):
    fragment = "".join(pieces)
    assert word_count(fragment) == len(plain_text(fragment).split())


def test_code_blocks_are_highlighted_as_stock():
    """Each renderer keeps its own table of Pygments' CSS classes (sitegen/markdown.py); unknown languages still build."""
    for alias in ("python", "py", "yaml", "JSON", "bash", "sh", "text", "html+jinja", "toml", "no-such-language"):
        ours, stock = both(f"```{alias}\nx = 1  # '<a>'\n```\n\n    indented = True\n")
        assert ours == stock and 'class="highlight"' in ours, alias
