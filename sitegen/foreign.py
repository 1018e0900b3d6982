"""Template syntax of other site generators left in content: Jekyll's Liquid and Hugo's shortcodes
mean nothing to sitegen and would show on the page as written, so a build names each one."""

from __future__ import annotations

import html
import re

from .errors import Problem
from .text import offset_of_line

_CODE = re.compile(r"<pre\b.*?</pre>|<code\b.*?</code>|<!--.*?-->", re.S | re.I)
_CONSTRUCT = re.compile(
    r"\{%-?\s*(?P<liquid>\w+)[^\n]*?%\}"  # a Liquid tag: {% include x.html %}
    r"|\{\{-?\s*(?:site|page|post|include|layout|paginator|jekyll)\.[^\n]*?\}\}"  # a Liquid variable
    r"|\{\{[<%]\s*/?\s*(?P<shortcode>[\w/.-]+)[^\n]*?[>%]\}\}"  # a Hugo shortcode: {{< figure >}}, {{% note %}}
)


def foreign_syntax(body_html: str) -> tuple[str, ...]:
    """Each construct of Liquid or Hugo shortcodes in a page's HTML outside code and comments (where it
    is text shown as written), once, in order."""
    if "{{" not in body_html and "{%" not in body_html:
        return ()
    text = html.unescape(_CODE.sub(" ", body_html))
    found: dict[str, None] = {}
    for match in _CONSTRUCT.finditer(text):
        found.setdefault(match.group(0))
    return tuple(found)


def foreign_syntax_warning(source_path: str, source_text: str, body_line: int, construct: str) -> Problem:
    """A warning naming the construct's line and what it is."""
    body_start = offset_of_line(source_text, body_line)
    index = source_text.find(construct, body_start)
    if index < 0:  # written differently in the Markdown (an entity, a line break): its first words
        index = source_text.find(construct[:3], body_start)
    line = source_text.count("\n", 0, index) + 1 if index >= 0 else None
    kind = "a Hugo shortcode" if construct.startswith(("{{<", "{{%")) else "Liquid, Jekyll's template language"
    return Problem(
        source_path,
        line,
        message=f"'{construct}' is {kind}, which sitegen does not run: the page shows it as written",
        hint="`sitegen import jekyll` or `sitegen import hugo` converts what has an equivalent; else rewrite or remove it",
    )
