"""Markdown lists as other tools write them (CommonMark, GitHub, Jekyll's kramdown, Hugo's goldmark),
read by Python-Markdown: a preprocessor that re-indents them before its block parser sees them.

Python-Markdown nests a list item only when it is indented by four spaces per level, and starts
a list only after a blank line. Other tools nest an item under the text of the item above it
(two spaces under '- ', three under '1. ') and let a list follow a paragraph directly. This turns
such text into what Python-Markdown reads the same way; text already written for it (four spaces
a level, a blank line before each list) comes out unchanged, so its HTML does too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

_ITEM = re.compile(r"^( *)([*+-]|\d{1,9}\.)( +|$)")
_RULE = re.compile(r"^ {0,3}([-*_])( *\1){2,} *$")
_FENCE = re.compile(r"^( *)(`{3,}|~{3,})")
_NOT_PARAGRAPH = re.compile(r"^ {0,3}(#|>|<|\||$)")
TAB = 4
"""Python-Markdown's indent of one level of a list."""


@dataclass(frozen=True)
class _Open:
    """An item of the list being read."""

    content: int
    """The column its text starts at in the source (CommonMark's rule for what belongs to it)."""
    shift: int
    """Spaces added to its marker line (0 where it was written for Python-Markdown)."""


def reindent_lists(lines: list[str]) -> list[str]:
    """The lines with every list nested and started as CommonMark reads it, in Python-Markdown's terms."""
    out: list[str] = []
    stack: list[_Open] = []
    in_list = False
    previous = "blank"  # blank, item, text (a paragraph's line) or other
    fence: tuple[str, int] | None = None  # (its marker, the spaces added to its lines)
    block_of_items = False  # whether the lines since the last blank one started with an item
    for line in lines:
        if fence is not None:
            out.append(_shifted(line, fence[1]))
            stripped = line.strip()
            if stripped.startswith(fence[0]) and not stripped.lstrip(fence[0][0]):
                fence = None
            continue
        if not line.strip():
            out.append(line)
            previous = "blank"
            continue
        indent = len(line) - len(line.lstrip(" "))
        item = _ITEM.match(line) if not _RULE.match(line) else None
        opens_fence = _FENCE.match(line)
        if item and not (not in_list and indent >= TAB):
            ordered = item.group(2)[0].isdigit()
            if previous == "blank":
                block_of_items = True
            elif in_list and not block_of_items:
                out.append("")  # Python-Markdown reads an item after an item's paragraph or code as more of it
                block_of_items = True
            if not in_list:
                if previous == "text" and (not ordered or item.group(2) == "1."):
                    out.append("")  # a list may follow a paragraph directly (CommonMark 5.2)
                    block_of_items = True
                elif previous == "text":
                    out.append(line)  # '2019. A year' goes on the paragraph, as CommonMark reads it
                    continue
                in_list = True
            while stack and indent < stack[-1].content:
                stack.pop()
            level = len(stack)
            wanted = TAB * level if level else indent
            shift = max(wanted, indent) - indent if level else 0
            content = indent + len(item.group(2)) + max(1, min(len(item.group(3)), 4))
            stack.append(_Open(content, shift))
            out.append(_shifted(line, shift))
            previous = "item"
            continue
        if in_list and opens_fence and previous != "blank":
            out.append("")  # fenced code right under an item's text: Python-Markdown needs it in a block of its own
            previous = "blank"
        if previous == "blank":
            block_of_items = False
        if in_list and previous == "blank":
            owners = [index for index, open_item in enumerate(stack) if open_item.content <= indent]
            if not owners:
                stack, in_list = [], False
            else:
                level = owners[-1]
                del stack[level + 1 :]
                wanted = TAB * (level + 1)
                shift = 0 if indent >= wanted else wanted + (indent - stack[level].content) - indent
                out.append(_shifted(line, shift))
                if opens_fence:
                    fence = (opens_fence.group(2), shift)
                previous = "text"
                continue
        elif in_list:  # a line of the item above: moves with it
            shift = stack[-1].shift if stack and indent >= stack[-1].content else 0
            out.append(_shifted(line, shift))
            if opens_fence:
                fence = (opens_fence.group(2), shift)
            previous = "text"
            continue
        out.append(line)
        if opens_fence:
            fence = (opens_fence.group(2), 0)
        previous = "other" if opens_fence or _NOT_PARAGRAPH.match(line) or _RULE.match(line) or indent >= TAB else "text"
    return out


def _shifted(line: str, shift: int) -> str:
    return " " * shift + line if shift > 0 and line.strip() else line


class _ListPreprocessor(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:  # noqa: D102 - Python-Markdown's hook
        return reindent_lists(lines)


class ListIndentExtension(Extension):
    """Registers the preprocessor: after whitespace is normalised (tabs expanded), before fenced code is found."""

    def extendMarkdown(self, md):  # noqa: N802 - Python-Markdown's hook
        md.preprocessors.register(_ListPreprocessor(md), "sitegen_lists", 27)
