"""HTML to Markdown (markdownify), keeping what Markdown cannot say as inline HTML, and WordPress's
shortcodes and block comments converted where there is an equivalent, kept as comments where not."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Mapping

from markdownify import MarkdownConverter

from .common import comment

_KEEP = "SITEGENKEEP{:04d}X"
_KEPT = re.compile(r"SITEGENKEEP(\d{4})X")
KEPT_AS_HTML = ("figure", "iframe", "video", "audio", "object", "embed", "details", "table")
"""Elements written as HTML in the Markdown: a caption, an embedded player, a table with merged cells."""


class _Converter(MarkdownConverter):
    """markdownify with the elements of KEPT_AS_HTML kept whole (each stands in as a token until the end)."""

    def __init__(self, kept: list[str], **options):
        super().__init__(**options)
        self.kept = kept

    def _keep(self, el) -> str:
        self.kept.append(str(el))
        return "\n\n" + _KEEP.format(len(self.kept) - 1) + "\n\n"

    def convert_figure(self, el, text, parent_tags):  # noqa: D102 - markdownify's hook
        return self._keep(el)

    def convert_iframe(self, el, text, parent_tags):  # noqa: D102 - markdownify's hook
        return self._keep(el)

    def convert_video(self, el, text, parent_tags):  # noqa: D102 - markdownify's hook
        return self._keep(el)

    def convert_audio(self, el, text, parent_tags):  # noqa: D102 - markdownify's hook
        return self._keep(el)

    def convert_table(self, el, text, parent_tags):  # noqa: D102 - markdownify's hook
        if el.find(attrs={"colspan": True}) or el.find(attrs={"rowspan": True}):
            return self._keep(el)
        return super().convert_table(el, text, parent_tags)


def html_to_markdown(fragment: str, keep: list[str] | None = None) -> str:
    """An HTML fragment as Markdown. Comments in keep (as tokens already in the fragment) come back as they were."""
    kept = list(keep or [])
    converter = _Converter(kept, heading_style="ATX", bullets="-", escape_underscores=True, escape_misc=False, code_language_callback=_language_of)
    text = converter.convert(fragment)
    text = _KEPT.sub(lambda m: kept[int(m.group(1))], text)
    text = re.sub(r"\n[ \t]+\n", "\n\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def _language_of(el) -> str | None:
    """The language of <pre><code class="language-x">, as WordPress's code block and highlighters write it."""
    for node in (el, el.find("code")):
        for name in (node.get("class") or []) if node is not None else []:
            if name.startswith(("language-", "lang-")):
                return name.split("-", 1)[1]
    return None


# --- WordPress ----------------------------------------------------------------------------------

_BLOCK = re.compile(r"<!--\s*(?P<close>/)?wp:(?P<name>[\w/-]+)\s*(?P<attrs>\{.*?\})?\s*(?P<self>/)?-->", re.S)
_MORE = re.compile(r"<!--\s*more\b[^>]*-->", re.I)
_SHORTCODE = re.compile(r"\[(?P<name>[\w-]+)(?P<attrs>(?:\s[^\]]*)?)\](?:(?P<inner>.*?)\[/(?P=name)\])?", re.S)
_ATTRIBUTE = re.compile(r"""(\w+)\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S+))""")
_DYNAMIC = "a WordPress block that WordPress fills in when the page is shown; it has no equivalent here"
_YOUTUBE = re.compile(r"(?:youtube\.com/watch\?(?:[^\s\"<]*&(?:amp;)?)?v=|youtu\.be/|youtube\.com/embed/)([\w-]{6,})")
_VIMEO = re.compile(r"vimeo\.com/(?:video/)?(\d+)")


def video_embed(url: str) -> str | None:
    """The HTML of a YouTube or Vimeo player for a video's URL, or None for another address."""
    if found := _YOUTUBE.search(url):
        source = f"https://www.youtube-nocookie.com/embed/{found.group(1)}"
    elif found := _VIMEO.search(url):
        source = f"https://player.vimeo.com/video/{found.group(1)}"
    else:
        return None
    return f'<iframe src="{source}" title="Video" width="560" height="315" loading="lazy" allowfullscreen></iframe>'


def attributes(text: str) -> dict[str, str]:
    """Shortcode attributes: key="value", key='value' or key=value."""
    return {m.group(1).lower(): html.unescape(next(g for g in m.groups()[1:] if g is not None)) for m in _ATTRIBUTE.finditer(text)}


def wordpress_to_markdown(content: str, gallery: Callable[[dict[str, str]], list[tuple[str, str]]]) -> tuple[str, list[tuple[str, str]]]:
    """A WordPress post's content (blocks or classic HTML with shortcodes) as Markdown, and (kept text,
    why) for each construct that had no equivalent and is kept as a comment.

    gallery(attributes) gives the (URL, caption) of each picture of a [gallery] (by its ids, or the
    post's own attachments)."""
    leftovers: list[tuple[str, str]] = []
    keep: list[str] = []

    def kept_token(text: str) -> str:
        keep.append(text)
        return "<p>" + _KEEP.format(len(keep) - 1) + "</p>"

    classic = "<!-- wp:" not in content
    content = _MORE.sub(lambda m: kept_token("<!--more-->"), content)
    content = _embeds_of_blocks(content)

    def block(match: re.Match) -> str:
        if match.group("close") or not match.group("self"):
            return ""  # the HTML between a block's comments is what it shows
        name = match.group("name")
        text = comment(f"wp:{name}" + (f" {match.group('attrs')}" if match.group("attrs") else ""))
        leftovers.append((text, f"<!-- wp:{name} /-->: {_DYNAMIC}; kept as a comment"))
        return kept_token(text)

    content = _BLOCK.sub(block, content)

    def shortcode(match: re.Match) -> str:
        name, inner = match.group("name").lower(), match.group("inner")
        found = attributes(match.group("attrs") or "")
        if name in ("caption", "wp_caption"):
            body = inner or ""
            image = re.search(r"(<a\b[^>]*>\s*)?<img\b[^>]*>(\s*</a>)?", body)
            caption = (found.get("caption") or (body[image.end():] if image else body)).strip()
            return f"<figure>{image.group(0) if image else ''}<figcaption>{caption}</figcaption></figure>" if image else caption
        if name == "gallery":
            pictures = gallery(found)
            if not pictures:
                text = comment(match.group(0))
                leftovers.append((text, f"{match.group(0)}: a gallery whose pictures are not in the export; kept as a comment"))
                return kept_token(text)
            return "".join(
                f'<figure><img src="{html.escape(url)}" alt="{html.escape(caption)}">' + (f"<figcaption>{html.escape(caption)}</figcaption>" if caption else "") + "</figure>"
                for url, caption in pictures
            )
        if name in ("embed", "youtube", "vimeo"):
            url = (inner or found.get("src") or found.get("url") or match.group("attrs") or "").strip()
            return video_embed(url) or f'<p><a href="{html.escape(url)}">{html.escape(url)}</a></p>'
        if name in ("audio", "video") and (source := found.get("src") or found.get("mp3") or found.get("mp4")):
            return f'<{name} controls src="{html.escape(source)}"></{name}>'
        text = comment(match.group(0) if len(match.group(0)) < 300 else f"[{match.group('name')}{match.group('attrs')}] ... [/{match.group('name')}]")
        leftovers.append((text, f"[{match.group('name')}]: a WordPress shortcode with no equivalent here; kept as a comment" + (", its inner text shown" if inner else "")))
        return kept_token(text) + (inner or "")

    content = _SHORTCODE.sub(shortcode, content)
    if classic:
        content = autop(content)
    return html_to_markdown(content, keep), leftovers


def _embeds_of_blocks(content: str) -> str:
    """A wp:embed block (its URL in the block's attributes) as the player it shows."""

    def player(match: re.Match) -> str:
        try:
            url = json.loads(match.group(1)).get("url", "")
        except json.JSONDecodeError:
            return match.group(0)
        return video_embed(url) or f'<p><a href="{html.escape(url)}">{html.escape(url)}</a></p>'

    return re.sub(r"<!--\s*wp:(?:core-)?embed[\w/-]*\s*(\{.*?\})\s*-->.*?<!--\s*/wp:(?:core-)?embed[\w/-]*\s*-->", player, content, flags=re.S)


_BLOCK_TAGS = re.compile(r"^\s*<(?:p|div|h[1-6]|ul|ol|li|blockquote|pre|table|figure|iframe|hr|dl|form|section|article|aside|header|footer|address|video|audio)\b", re.I)


def autop(text: str) -> str:
    """WordPress's wpautop, in short: the classic editor stores paragraphs as blank lines and line breaks
    as newlines, and WordPress adds <p> and <br> when it shows them."""
    paragraphs = []
    for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()):
        if not chunk.strip():
            continue
        if _BLOCK_TAGS.match(chunk) or _KEPT.fullmatch(chunk.strip().removeprefix("<p>").removesuffix("</p>")):
            paragraphs.append(chunk)
        else:
            paragraphs.append("<p>" + chunk.strip().replace("\n", "<br />\n") + "</p>")
    return "\n\n".join(paragraphs)


def plain_summary(fragment: str) -> str:
    """An excerpt as one line of text (what front matter summary holds)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def unescape_map(values: Mapping[str, str]) -> dict[str, str]:
    """Values with HTML entities decoded (WordPress writes names and titles with them)."""
    return {key: html.unescape(value) for key, value in values.items()}
