"""Markdown to HTML: extensions, internal links to other content files, summaries."""

from __future__ import annotations

import html
import importlib
import posixpath
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import markdown as python_markdown
from markdown import util as markdown_util
from markdown.blockparser import BlockParser
from markdown.extensions import Extension
from markdown.treeprocessors import InlineProcessor, Treeprocessor

from .lists import ListIndentExtension

# A link to another content file is written into the HTML as this scheme plus the target's
# path under content/; site.py swaps it for the target's URL once every item has one.
# Rendering stays a pure function of one file's text, so it can be cached by content hash.
INTERNAL_SCHEME = "sitegen-ref:"
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown")
"""The file names read as Markdown: .md, and .markdown and .mdown as Jekyll and other tools name them too."""
INTERNAL_LINK = re.compile(r'(?P<attr>href|src)="sitegen-ref:(?P<target>[^"#]*)(?P<fragment>#[^"]*)?"')

MORE_MARKER = re.compile(r"<!--\s*more\s*-->", re.I)
"""Where a summary ends: `<!-- more -->`, or `<!--more-->` as WordPress, Jekyll and Hugo write it."""

# What the text must contain for each of Python-Markdown's inline patterns to match, by the
# name it registers the pattern under. Each pattern's regular expression begins with (or looks
# ahead to) one of these, so a text without any of them cannot match it.
_INLINE_NEEDS = {
    "backtick": ("`",),
    "escape": ("\\",),
    "footnote": ("[",),
    "reference": ("[",),
    "link": ("[",),
    "short_reference": ("[",),
    "image_link": ("![",),
    "image_reference": ("![",),
    "short_image_ref": ("![",),
    "autolink": ("<",),
    "automail": ("<",),
    "html": ("<",),
    "linebreak": ("  \n",),
    "entity": ("&",),
    "em_strong": ("*", "_"),
}


def _screened(registry, needs_by_name: dict[str, tuple[str, ...]]) -> list[tuple[object, tuple[str, ...] | None]]:
    """The registry's items in order, each with what a text must contain for it (None: always try it)."""
    needs = {id(registry[name]): chars for name, chars in needs_by_name.items() if name in registry}
    return [(item, needs.get(id(item))) for item in registry]


class _ScreenedInlineProcessor(InlineProcessor):
    """Python-Markdown's inline processor, skipping the patterns a text cannot match.

    The stock processor tries all 15 inline patterns on every run of text: it looks each one up
    in the registry, checks its excluded ancestors, and runs its regular expression. Most runs
    of text match one or two. Here a pattern is skipped outright when the text lacks the
    character it starts with, which is the same outcome as trying it: the stock loop moves on to
    the next pattern, from the start of the text. That was a third of a post's Markdown time.
    Patterns not in _INLINE_NEEDS (from other extensions) are always tried. The output is the
    stock processor's, byte for byte; tests/test_markdown.py checks that against it.
    """

    def run(self, tree, ancestors=None):  # noqa: D102 - Python-Markdown's hook
        self._screened = _screened(self.inlinePatterns, _INLINE_NEEDS)
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:  # noqa: N802, N803 - overrides the stock private method
        if isinstance(data, markdown_util.AtomicString):
            return data
        patterns = self._screened
        apply = self._InlineProcessor__applyPattern
        start = 0
        while patternIndex < len(patterns):
            pattern, needs = patterns[patternIndex]
            if needs is not None:
                for chars in needs:
                    if chars in data:
                        break
                else:  # none there: skip the pattern, as a failed match would
                    patternIndex += 1
                    start = 0
                    continue
            data, matched, start = apply(pattern, data, patternIndex, start)
            if not matched:
                patternIndex += 1
        return data


# The screen above overrides two private methods; if a future Python-Markdown renames them,
# the stock processor is used unchanged.
_CAN_SCREEN = all(hasattr(InlineProcessor, name) for name in ("_InlineProcessor__handleInline", "_InlineProcessor__applyPattern"))

# The same for block processors: what a block must contain for each to take it. Each of these
# finds its block with a regular expression that needs one of these strings (the table needs a
# pipe in its header row, the Setext heading an underline, the footnote, abbreviation and link
# definitions their '[^', '*[' and ']:'). The others test the start of the block, cheaply.
_BLOCK_NEEDS = {
    "table": ("|",),
    "hashheader": ("#",),
    "setextheader": ("\n=", "\n-"),
    "hr": ("-", "_", "*"),
    "deflist": (":",),
    "quote": (">",),
    "footnote": ("[^",),
    "abbr": ("*[",),
    "reference": ("]:",),
}


class _ScreenedBlockParser(BlockParser):
    """Python-Markdown's block parser, skipping the block processors a block cannot match.

    Skipping one is what the stock loop does when its test fails, or its run gives the block
    back: the next processor is tried on the same block. That was a sixth of a post's Markdown
    time. Output is the stock parser's (tests/test_markdown.py).
    """

    _screened: list | None = None

    def parseDocument(self, lines):  # noqa: N802 - Python-Markdown's method
        self._screened = _screened(self.blockprocessors, _BLOCK_NEEDS)
        return super().parseDocument(lines)

    def parseBlocks(self, parent, blocks):  # noqa: N802 - Python-Markdown's method
        screened = self._screened if self._screened is not None else _screened(self.blockprocessors, {})
        while blocks:
            for processor, needs in screened:
                block = blocks[0]
                if needs is not None:
                    for chars in needs:
                        if chars in block:
                            break
                    else:  # none there: skip the processor, as a failed test would
                        continue
                if processor.test(parent, block) and processor.run(parent, blocks) is not False:
                    break


# pymdownx.highlight comes before SuperFences, which highlights with the first highlighter registered.
# SuperFences (fenced code inside lists and quotes, as CommonMark writes it) and saneheaders
# ('#hashtag' at the start of a line is text: a heading needs a space after its '#') read Markdown
# as other tools write it, with the demo's pages byte for byte as before.
EXTENSIONS = (
    "pymdownx.highlight",
    "markdown.extensions.tables",
    "pymdownx.superfences",
    "markdown.extensions.footnotes",
    "markdown.extensions.attr_list",
    "markdown.extensions.def_list",
    "markdown.extensions.abbr",
    "markdown.extensions.sane_lists",
    "pymdownx.saneheaders",
    "markdown.extensions.toc",
)
EXTENSION_CONFIGS = {
    "pymdownx.highlight": {"css_class": "highlight", "guess_lang": False},
    "markdown.extensions.toc": {"permalink": "#", "permalink_title": "Link to this section"},
    "markdown.extensions.footnotes": {"BACKLINK_TITLE": "Back to the text"},
}


def _extension_classes() -> dict:
    """sitegen's own versions of two pymdownx extensions (highlight.py). Imported when the first
    converter is made: a rebuild that parses nothing never loads pymdownx (15 ms)."""
    from .highlight import HighlightExtension, SuperFencesExtension

    return {"pymdownx.highlight": HighlightExtension, "pymdownx.superfences": SuperFencesExtension}


@dataclass(frozen=True)
class Rendered:
    """One Markdown document as HTML."""

    html: str
    """The body, with internal links as sitegen-ref: markers."""
    summary_html: str
    """The text before <!-- more -->, else the first paragraph."""
    internal_links: tuple[str, ...]
    """Targets of links to other content files, as paths under content/ ('pages/about.md')."""
    site_links: tuple[tuple[str, str], ...] = ()
    """Site-relative URLs of the body ('/static/a.jpg'), each once, with what refers to them (see site_links_of)."""


class _InternalLinks(Treeprocessor):
    """Rewrites relative links to .md files into sitegen-ref: markers and records them."""

    def __init__(self, md: python_markdown.Markdown):
        super().__init__(md)
        self.base_dir = ""
        self.found: list[str] = []

    def run(self, root):  # noqa: D102 - Python-Markdown's hook
        for element in root.iter():
            for attr in ("href", "src"):
                value = element.get(attr)
                if value is None:
                    continue
                parts = urlsplit(value)
                if parts.scheme or parts.netloc or not parts.path.endswith(MARKDOWN_SUFFIXES):
                    continue
                if parts.path.startswith("/"):
                    target = posixpath.normpath(parts.path.lstrip("/"))
                else:
                    target = posixpath.normpath(posixpath.join(self.base_dir, parts.path))
                self.found.append(target)
                element.set(attr, INTERNAL_SCHEME + target + (f"#{parts.fragment}" if parts.fragment else ""))


class _InternalLinkExtension(Extension):
    def extendMarkdown(self, md):  # noqa: N802 - Python-Markdown's hook
        md.treeprocessors.register(_InternalLinks(md), "sitegen_internal_links", 1)


class _ScreenedMarkdown(python_markdown.Markdown):
    """Python-Markdown with the screened block parser and inline processor, and code blocks that find
    their lexer once, in this instance only.

    build_parser() is Python-Markdown's hook for a parser "made up of a different combination of
    processors" (its docstring). It runs before extensions register theirs, so they register on
    the screened parser and around the screened inline processor. No class or module of the
    markdown package is changed: other Markdown instances in the process stay stock.
    """

    def build_parser(self) -> python_markdown.Markdown:  # noqa: D102 - Python-Markdown's hook
        super().build_parser()
        if type(self.parser) is BlockParser:
            stock, self.parser = self.parser, _ScreenedBlockParser(self)
            self.parser.blockprocessors = stock.blockprocessors
            for processor in stock.blockprocessors:
                processor.parser = self.parser  # each processor hands nested blocks back to its parser
        if _CAN_SCREEN:
            # Same name and priority as Python-Markdown's own, which this replaces.
            self.treeprocessors.register(_ScreenedInlineProcessor(self), "inline", 20)
        return self


class MarkdownRenderer:
    """A configured Python-Markdown converter; one per build (it is not thread-safe).

    screened=False gives Python-Markdown's stock block parser and inline processor, with the same
    extensions and settings: the tests compare the two.
    """

    def __init__(self, *, screened: bool = True) -> None:
        configs = {name: dict(config) for name, config in EXTENSION_CONFIGS.items()}

        # Built from their modules, not by name: a name makes Python-Markdown scan every installed
        # package's entry points first (importing importlib.metadata), a tenth of a small rebuild.
        own = _extension_classes()
        extensions = [own.get(name) or importlib.import_module(name).makeExtension for name in EXTENSIONS]
        extensions = [make(**configs.get(name, {})) for make, name in zip(extensions, EXTENSIONS, strict=True)]
        converter = _ScreenedMarkdown if screened else python_markdown.Markdown
        self._md = converter(extensions=[*extensions, ListIndentExtension(), _InternalLinkExtension()], output_format="html")
        self._links: _InternalLinks = self._md.treeprocessors["sitegen_internal_links"]

    def render(self, text: str, base_dir: str) -> Rendered:
        """Render a document; base_dir is its folder under content/ ('posts'), for relative links."""
        self._md.reset()
        self._links.base_dir = base_dir
        self._links.found = []
        body = _wrap_tables(self._md.convert(text))
        return Rendered(html=body, summary_html=summary_of(body), internal_links=tuple(self._links.found), site_links=site_links_of(body))

    def render_inline(self, text: str, base_dir: str = "") -> str:
        """Render a one-line text (a front matter summary) without the surrounding <p>."""
        self._md.reset()
        self._links.base_dir = base_dir
        self._links.found = []
        body = self._md.convert(text)
        return re.sub(r"^<p>(.*)</p>$", r"\1", body.strip(), flags=re.S)


_SITE_URL = re.compile(r'\b(href|src|poster)="(/(?!/)[^"]*)"')
_TAG_NAME = re.compile(r"<(\w+)")


def site_links_of(fragment: str) -> tuple[tuple[str, str], ...]:
    """Each site-relative URL an HTML fragment links or embeds (Markdown's and raw HTML's), once, in order,
    as (what, url): what is 'link' (an href), 'image' (an img's src, a video's poster) or 'file' (another src)."""
    if '="/' not in fragment:
        return ()
    found: dict[str, str] = {}
    for match in _SITE_URL.finditer(fragment):
        url = html.unescape(match.group(2))
        start = fragment.rfind("<", 0, match.start())
        if url in found or start < 0 or ">" in fragment[start : match.start()]:
            continue  # seen, or text that only looks like an attribute (in a code span)
        if match.group(1) == "href":
            found[url] = "link"
        else:
            tag = _TAG_NAME.match(fragment, start)
            found[url] = "image" if match.group(1) == "poster" or (tag and tag.group(1).lower() == "img") else "file"
    return tuple((what, url) for url, what in found.items())


def _wrap_tables(body: str) -> str:
    """Wide tables scroll inside their own box instead of widening the page on a phone."""
    return body.replace("<table>", '<div class="table-wrap"><table>').replace("</table>", "</table></div>")


_FIRST_PARAGRAPH = re.compile(r"<p\b[^>]*>.*?</p>", re.S)
_FOOTNOTE_REF = re.compile(r'<sup id="fnref[^"]*"><a [^>]*class="footnote-ref"[^>]*>.*?</a></sup>', re.S)


def summary_of(body_html: str) -> str:
    """The HTML before <!-- more -->, else the first paragraph; footnote references dropped."""
    more = MORE_MARKER.search(body_html) if "<!--" in body_html else None
    if more is not None:
        summary = body_html[: more.start()].strip()
    else:
        match = _FIRST_PARAGRAPH.search(body_html)
        summary = match.group(0) if match else ""
    return _FOOTNOTE_REF.sub("", summary)


_TAG = re.compile(r"<[^>]+>")


_SPACED_PUNCTUATION = re.compile(r"\s[.,;:!?]")


def word_count(fragment: str) -> int:
    """len(plain_text(fragment).split()), without building that text: a word of punctuation
    alone ('a , b') joins the word before it, as plain_text writes it ('a, b')."""
    text = html.unescape(_TAG.sub(" ", fragment)).lstrip()
    return len(text.split()) - len(_SPACED_PUNCTUATION.findall(text))


def plain_text(fragment: str, limit: int | None = None) -> str:
    """Text of an HTML fragment, whitespace folded, cut at a word boundary near `limit` characters."""
    text = " ".join(html.unescape(_TAG.sub(" ", fragment)).split())
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",.;:") + "…"
    return text
