"""Jekyll's Liquid and Hugo's shortcodes in posts: converted where sitegen has an equivalent (fenced code,
links to other posts, the site's address, figures, videos), kept as a comment and reported where not."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from typing import Any

from .common import comment
from .html import attributes, video_embed

Resolve = Callable[[str], "str | None"]
"""A name as the old site wrote it (a post's file, a page's path) -> its link in the new site, or None."""

_TOKEN = "\x00{}\x00"
_TOKENS = re.compile("\x00(\\d+)\x00")


class _Held:
    """Text set aside while the rest is converted (code, raw blocks), put back at the end."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def hold(self, text: str) -> str:
        self.texts.append(text)
        return _TOKEN.format(len(self.texts) - 1)

    def restore(self, text: str) -> str:
        for _ in range(3):  # held text may hold other held text
            text = _TOKENS.sub(lambda m: self.texts[int(m.group(1))], text)
        return text


def _fence(language: str, code: str) -> str:
    return f"\n```{language}\n{code.strip(chr(10))}\n```\n"


# --- Liquid (Jekyll) ------------------------------------------------------------------------------

_RAW = re.compile(r"\{%-?\s*raw\s*-?%\}(.*?)\{%-?\s*endraw\s*-?%\}", re.S)
_HIGHLIGHT = re.compile(r"\{%-?\s*highlight\s+([\w+#.-]+)[^%]*-?%\}\n?(.*?)\{%-?\s*endhighlight\s*-?%\}", re.S)
_LIQUID_COMMENT = re.compile(r"\{%-?\s*comment\s*-?%\}(.*?)\{%-?\s*endcomment\s*-?%\}", re.S)
_TAG = re.compile(r"\{%-?\s*(\w+)\s*(.*?)\s*-?%\}", re.S)
_OUTPUT = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.S)
_URL_FILTERS = {"relative_url", "absolute_url", "uri_escape", "url_encode"}
_TEXT_FILTERS = {"escape", "xml_escape", "strip", "strip_html", "markdownify", "smartify"}


def convert_liquid(body: str, variables: Mapping[str, Any], post_url: Resolve, link: Resolve) -> tuple[str, list[tuple[str, str]]]:
    """A Jekyll page's body with its Liquid converted: {% highlight %} to fenced code, {% raw %} kept as
    written, {% post_url %} and {% link %} to links to the new files, {{ site.x }} and {{ page.x }} to
    their values (site.url and site.baseurl to nothing: links are site-relative), relative_url and
    absolute_url dropped. Anything else is kept as a comment; (comment, why) pairs say which."""
    held = _Held()
    leftovers: list[tuple[str, str]] = []

    def left(text: str, why: str) -> str:
        kept = comment(text)
        leftovers.append((kept, why))
        return held.hold(kept)

    body = _RAW.sub(lambda m: held.hold(m.group(1)), body)
    body = _HIGHLIGHT.sub(lambda m: held.hold(_fence(m.group(1), m.group(2))), body)
    body = _LIQUID_COMMENT.sub(lambda m: held.hold(comment(m.group(1))), body)

    def tag(match: re.Match) -> str:
        name, argument = match.group(1), match.group(2).strip().strip("'\"")
        if name in ("post_url", "link"):
            found = (post_url if name == "post_url" else link)(argument)
            if found is not None:
                return found
            return left(match.group(0), f"{{% {name} {argument} %}}: no imported file by that name; kept as a comment")
        return left(match.group(0), f"{{% {name} %}}: Liquid, Jekyll's template language, which sitegen does not run; kept as a comment")

    body = _TAG.sub(tag, body)

    def output(match: re.Match) -> str:
        value = _liquid_value(match.group(1), variables)
        if value is None:
            return left(match.group(0), f"{match.group(0)}: a Liquid value sitegen cannot fill in; kept as a comment")
        return value

    body = _OUTPUT.sub(output, body)
    return held.restore(body), leftovers


def _liquid_value(expression: str, variables: Mapping[str, Any]) -> str | None:
    """The text of a Liquid output ('site.title', "'/x.png' | relative_url"), or None when it is more."""
    first, *filters = [part.strip() for part in expression.split("|")]
    if re.fullmatch(r"'[^']*'|\"[^\"]*\"", first):
        value: Any = first[1:-1]
    elif re.fullmatch(r"[\w.]+", first) and first in variables:
        value = variables[first]
    else:
        return None
    for applied in filters:
        name = applied.split(":", 1)[0].strip()
        if name == "prepend" and "site.baseurl" in applied:
            continue
        if name not in _URL_FILTERS | _TEXT_FILTERS:
            return None
    return html.escape(str(value), quote=False) if isinstance(value, str) and value else str(value) if value else ""


# --- Hugo shortcodes --------------------------------------------------------------------------------

_PAIRED_HIGHLIGHT = re.compile(r"\{\{[<%]\s*highlight\s+([\w+#.-]+)[^>%]*[>%]\}\}\n?(.*?)\{\{[<%]\s*/highlight\s*[>%]\}\}", re.S)
_SHORTCODE = re.compile(r"\{\{(?P<kind>[<%])\s*(?P<close>/)?\s*(?P<name>[\w/.-]+)(?P<args>.*?)\s*/?\s*[>%]\}\}", re.S)


def convert_shortcodes(body: str, ref: Resolve, image: Callable[[str], str]) -> tuple[str, list[tuple[str, str]]]:
    """A Hugo page's body with its shortcodes converted: highlight to fenced code, figure to a picture
    (with its caption as HTML), youtube and vimeo to a player, ref and relref to links to the new
    files, gist and tweet to links. Anything else is kept as a comment (a paired one's inner text
    stays); (comment, why) pairs say which. image(src) gives a picture's new address."""
    held = _Held()
    leftovers: list[tuple[str, str]] = []
    body = _PAIRED_HIGHLIGHT.sub(lambda m: held.hold(_fence(m.group(1), m.group(2))), body)

    def shortcode(match: re.Match) -> str:
        name, raw = match.group("name"), match.group("args").strip()
        if match.group("close"):
            return held.hold(comment(match.group(0)))  # the end of a paired one, reported at its start
        found = attributes(raw)
        positional = [value.strip("\"'") for value in re.findall(r"\"[^\"]*\"|'[^']*'|[^\s=]+(?=\s|$)", re.sub(r"\w+\s*=\s*(\"[^\"]*\"|'[^']*'|\S+)", "", raw))]
        if name == "figure":
            source = image(found.get("src", ""))
            alt = found.get("alt") or found.get("title") or found.get("caption") or ""
            caption = found.get("caption") or found.get("title")
            if not caption:
                return held.hold(f"![{alt}]({source})")
            picture = f'<img src="{html.escape(source)}" alt="{html.escape(alt)}">'
            if found.get("link"):
                picture = f'<a href="{html.escape(found["link"])}">{picture}</a>'
            return held.hold(f"\n<figure>{picture}<figcaption>{html.escape(caption)}</figcaption></figure>\n")
        if name in ("youtube", "vimeo"):
            key = found.get("id") or (positional[0] if positional else "")
            url = f"https://www.youtube.com/watch?v={key}" if name == "youtube" else f"https://vimeo.com/{key}"
            return held.hold(f"\n{video_embed(url)}\n")
        if name in ("ref", "relref"):
            target = ref(positional[0] if positional else found.get("path", ""))
            if target is not None:
                return target
        if name == "gist" and len(positional) >= 2:
            return f"[a gist by {positional[0]}](https://gist.github.com/{positional[0]}/{positional[1]})"
        if name in ("tweet", "x") and (found.get("user") and found.get("id")):
            return f"[a post by @{found['user']}](https://x.com/{found['user']}/status/{found['id']})"
        kept = comment(match.group(0))
        shown = "{{" + match.group("kind") + " " + name + " " + (">" if match.group("kind") == "<" else "%") + "}}"
        leftovers.append((kept, f"{shown}: a Hugo shortcode sitegen has no equivalent for; kept as a comment"))
        return held.hold(kept)

    body = _SHORTCODE.sub(shortcode, body)
    return held.restore(body), leftovers
