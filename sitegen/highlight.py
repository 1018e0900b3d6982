"""Code highlighting: pymdownx.highlight as SuperFences and indented code use it, made cheap per
block and writing the HTML codehilite wrote before it."""

from __future__ import annotations

import functools
import types

from pygments.formatters.html import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pymdownx.highlight import BlockHtmlFormatter as _StockFormatter
from pymdownx.highlight import Highlight as _StockHighlight
from pymdownx.highlight import HighlightExtension as _StockExtension
from pymdownx.highlight import HighlightTreeprocessor as _StockTreeprocessor
from pymdownx.highlight import makeExtension as _stock_highlight
from pymdownx.superfences import SuperFencesCodeExtension as _StockSuperFences


@functools.cache
def _style_tables(style: object, classprefix: str) -> tuple[dict, dict]:
    """Pygments' table of CSS classes for a style and class prefix (a pure function of the two)."""
    formatter = HtmlFormatter(style=style, classprefix=classprefix)
    return formatter.ttype2class, formatter.class2style


class _BlockHtmlFormatter(_StockFormatter):
    """pymdownx.highlight's block formatter, with its table of CSS classes built once per style, not
    once per code block: a formatter is made for every block, and building that table was 8% of a
    post's Markdown time. The table is only read."""

    def _create_stylesheet(self) -> None:
        self.ttype2class, self.class2style = _style_tables(self.style, self.classprefix)


@functools.cache
def _lexer_class(alias: str) -> type:
    """The Pygments lexer class for a language name (a pure lookup in Pygments' fixed table)."""
    return type(get_lexer_by_name(alias))


def _lexer_by_name(alias: str, **options):
    """Pygments' get_lexer_by_name, finding each language's lexer class once: Pygments scans the
    aliases of its 600 lexers for every code block (40-120 microseconds each)."""
    return _lexer_class(alias)(**options)


def _rebound(function: types.FunctionType, **names: object) -> types.FunctionType:
    """A copy of a module's function that finds `names` in place of the module's globals of those
    names. The function itself, its module and every other caller are left as they are."""
    unknown = set(names) - set(function.__code__.co_names)
    if unknown:
        raise LookupError(f"{function.__qualname__} no longer looks up {sorted(unknown)}")
    copy = types.FunctionType(function.__code__, {**function.__globals__, **names}, function.__name__, function.__defaults__, function.__closure__)
    copy.__kwdefaults__ = function.__kwdefaults__
    return copy


class _Highlight(_StockHighlight):
    """pymdownx.highlight's highlighter as sitegen uses it: each language's lexer found once, the
    formatter's class table built once, and the newline after a code block kept, so a page's HTML
    is what codehilite wrote before SuperFences replaced fenced_code (the demo's pages stayed the
    same bytes)."""

    try:
        get_lexer = _rebound(_StockHighlight.get_lexer, get_lexer_by_name=_lexer_by_name)
        _highlight = _rebound(_StockHighlight.highlight, BlockHtmlFormatter=_BlockHtmlFormatter)
    except LookupError:  # a future pymdownx that finds them otherwise: its own, unchanged
        _highlight = _StockHighlight.highlight

    def highlight(self, *args, **kwargs):  # noqa: D102 - pymdownx's method
        code = self._highlight(*args, **kwargs)
        return code + "\n" if isinstance(code, str) and code.endswith("</div>") else code


class _HighlightTreeprocessor(_StockTreeprocessor):
    """pymdownx.highlight's processor for indented code blocks, highlighting with _Highlight."""

    try:
        run = _rebound(_StockTreeprocessor.run, Highlight=_Highlight)
    except LookupError:  # a future pymdownx that finds it otherwise: its own, unchanged
        pass


class HighlightExtension(_StockExtension):
    """pymdownx.highlight, highlighting with _Highlight: fenced code (SuperFences asks it for its
    highlighter) and indented code (its own processor)."""

    def get_pymdownx_highlighter(self):  # noqa: D102 - pymdownx's hook
        return _Highlight

    def extendMarkdown(self, md):  # noqa: N802, D102 - Python-Markdown's hook
        super().extendMarkdown(md)
        stock = md.treeprocessors["indent-highlight"] if "indent-highlight" in md.treeprocessors else None
        if stock is not None:
            ours = _HighlightTreeprocessor(md, self)
            ours.config = stock.config
            md.treeprocessors.register(ours, "indent-highlight", 30)  # same name and priority as its own


class SuperFencesExtension(_StockSuperFences):
    """SuperFences, registering its disabled pymdownx.highlight as an instance rather than by name:
    by name, Python-Markdown first reads every installed package's entry points (importlib.metadata,
    30-40 ms), which a rebuild of one edited post otherwise never pays."""

    def patch_fenced_rule(self) -> None:  # noqa: D102 - SuperFences' method
        register = self.md.registerExtensions

        def by_instance(extensions, configs):
            made = [_stock_highlight(**configs.get(name, {})) if name == "pymdownx.highlight" else name for name in extensions]
            return register(made, {name: config for name, config in configs.items() if name != "pymdownx.highlight"})

        self.md.registerExtensions = by_instance  # this Markdown instance only, while SuperFences registers
        try:
            super().patch_fenced_rule()
        finally:
            del self.md.registerExtensions
