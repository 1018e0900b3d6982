"""A newsletter issue as email: rendered once per issue with the theme's email/newsletter.html and .txt
(a site's templates/email/ overrides them), its URLs made absolute and its CSS inlined once; then per
recipient only their signed links and their topics are put in (IssueMail.message), so 10,000
messages cost one render, not 10,000.

The shared render leaves two markers where the per-recipient parts go: the token of the preferences
and unsubscribe links, and the words for what they subscribed to. Both are letters and digits only,
so HTML escaping and the CSS inliner leave them as they are.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import html
import re
import textwrap
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

from ..campaign import campaign_links, tagged
from ..channels import SendingSettings
from ..errors import Problem, SitegenError
from ..mail import DkimKey, compose, dkim_sign, inline_css
from ..model import Issue, Offer, Post
from ..text import format_money
from .forms import ALL
from .pages import Pages
from .records import Recipient
from .tokens import Tokens

TOKEN = "SITEGENTOKENx7f3a"
"""Where each recipient's signed token goes, in the shared render."""
TOPICS = "SITEGENTOPICSx7f3a"
"""Where the words for what each recipient subscribed to go."""
_MARKERS = re.compile(f"({TOKEN}|{TOPICS})")


@dataclass(frozen=True)
class MailItem:
    """One post, offer or page as the email shows it: every URL absolute, links tagged for the email channel."""

    kind: str
    """'post', 'offer' or 'page'."""
    title: str
    url: str
    """The item's page, with utm_source=newsletter, utm_medium=email (an offer: its `email` campaign link)."""
    image: str
    """The picture's absolute URL, or ''."""
    summary: str
    """The summary as HTML, links absolute."""
    body: str
    """The whole text as HTML, links absolute, when [sending] full_text is on (posts); else ''."""
    text: str
    """The summary (or the whole text) as plain text, for the text part."""
    price: str
    """The offer's price as written for people ("$30.00"), or ''."""
    was: str
    """The offer's former price, or ''."""
    valid_until: dt.datetime | None
    """When the offer ends, if it does."""
    code: str
    """The offer's coupon code, or ''."""


@dataclass(frozen=True)
class Rendered:
    """The shared render of an issue: its subject and parts, split at the per-recipient markers."""

    subject: str
    text: tuple[str, ...]
    html: tuple[str, ...]


class IssueMail:
    """An issue as email, rendered once; message() makes each recipient's copy."""

    def __init__(self, pages: Pages, issue: Issue, sending: SendingSettings, service_url: str, tokens: Tokens,
                 dkim: DkimKey | None = None):
        self.issue = issue
        self.sending = sending
        self.tokens = tokens
        self.dkim = dkim
        self.service_url = service_url
        self.topic_names = pages.topic_names
        self.rendered = render_issue(pages, issue, sending, service_url)
        self._topic_words: dict[tuple[str, ...], tuple[str, str]] = {}
        site = pages.site
        host = urlsplit(site.base_url).hostname or "localhost"
        title = site.config.title
        label = f"newsletter.{host}"
        # RFC 2919: an optional phrase, then the list's label at the site's own domain.
        self.list_id = f'"{email.utils.quote(title)}" <{label}>' if title.isascii() else f"<{label}>"

    def message(self, recipient: Recipient, now: dt.datetime) -> bytes:
        """The whole message for one recipient: their links, their topics, the RFC 8058 headers, signed when a DKIM key is set."""
        token = self.tokens.manage_token(recipient.id, recipient.nonce)
        words, escaped = self._words(recipient.topics)
        text = "".join(token if part == TOKEN else words if part == TOPICS else part for part in self.rendered.text)
        body = "".join(token if part == TOKEN else escaped if part == TOPICS else part for part in self.rendered.html)
        unsubscribe = f"<{self.service_url}/unsubscribe/{token}>"
        if self.sending.unsubscribe_email:
            unsubscribe += f", <mailto:{email.utils.parseaddr(self.sending.unsubscribe_email)[1]}?subject=unsubscribe>"
        headers = {"List-Id": self.list_id, "List-Unsubscribe": unsubscribe, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
        message = compose(sender=self.sending.sender, reply_to=self.sending.reply_to, recipient=email.utils.formataddr((recipient.name, recipient.email)),
                          subject=self.rendered.subject, text=text, html=body, now=now, headers=headers, inlined=True)
        return dkim_sign(message, self.dkim) if self.dkim else message

    def _words(self, topics: tuple[str, ...]) -> tuple[str, str]:
        """What a recipient subscribed to, in words (as text, and escaped for HTML); the same few sets recur, so kept."""
        known = self._topic_words.get(topics)
        if known is None:
            known = self._topic_words[topics] = _topic_words(topics, self.topic_names)
        return known


def _topic_words(topics: tuple[str, ...], names: dict[str, str]) -> tuple[str, str]:
    if not topics or ALL in topics:
        words = "everything we send"
    else:
        named = [names.get(topic, topic) for topic in topics]
        words = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    return words, html.escape(words)


def render_issue(pages: Pages, issue: Issue, sending: SendingSettings, service_url: str) -> Rendered:
    """email/newsletter.txt and .html with the markers in place of each recipient's parts; HTML with absolute
    URLs and its CSS inlined. A template without the unsubscribe link is an error."""
    site = pages.site
    links: list[str] = []
    intro_text = plain_text(issue.content, site.absolute, links)
    items = tuple(mail_item(item, issue, site.absolute, sending.full_text, links) for item in issue.items)
    variables = {
        "issue": issue,
        "items": items,
        "intro": absolute_urls(issue.content, site.absolute),
        "intro_text": intro_text,
        "links": tuple(links),
        "view_url": issue.permalink,
        "preferences_url": f"{service_url}/preferences/{TOKEN}",
        "unsubscribe_url": f"{service_url}/unsubscribe/{TOKEN}",
        "reader_topics": TOPICS,
        "full_text": sending.full_text,
    }
    mail = pages.email("newsletter", variables)
    body = inline_css(absolute_urls(mail.html, site.absolute), keep_at_rules=True)
    problems = [
        Problem(f"email/newsletter.{kind}", message="has no unsubscribe link: every newsletter must carry {{ unsubscribe_url }}")
        for kind, part in (("txt", mail.text), ("html", body)) if f"/unsubscribe/{TOKEN}" not in part
    ]
    if problems:
        raise SitegenError(problems)
    return Rendered(mail.subject, tuple(_MARKERS.split(mail.text)), tuple(_MARKERS.split(body)))


def mail_item(item, issue: Issue, absolute, full_text: bool, links: list[str]) -> MailItem:
    """One carried item as the email shows it (links numbered into `links` for the text part)."""
    if isinstance(item, Offer):
        url = dict((channel.name, link) for channel, link in campaign_links(item))["email"]
    else:
        url = tagged(item.permalink, source="newsletter", medium="email", campaign=issue.slug)
    whole = full_text and isinstance(item, Post)
    offer = item if isinstance(item, Offer) else None
    return MailItem(
        kind=item.kind,
        title=item.title,
        url=url,
        image=absolute(item.image) if item.image else "",
        summary=absolute_urls(item.summary, absolute),
        body=absolute_urls(item.content, absolute) if whole else "",
        text=plain_text(item.content if whole else item.summary, absolute, links),
        price=format_money(offer.price, offer.currency) if offer and offer.price is not None else "",
        was=format_money(offer.was, offer.currency) if offer and offer.was is not None else "",
        valid_until=offer.valid_until if offer else None,
        code=(offer.code or "") if offer else "",
    )


_URL_ATTRIBUTE = re.compile(r"""(\s(?:href|src)=)(["'])(/(?!/)[^"']*)\2""")


def absolute_urls(markup: str, absolute) -> str:
    """HTML with every site URL in href and src made absolute: a mail app has no site to resolve them against."""
    return _URL_ATTRIBUTE.sub(lambda match: f"{match[1]}{match[2]}{absolute(html.unescape(match[3]))}{match[2]}", markup)


WIDTH = 72
"""Columns of the text part: mail apps that show plain text do not wrap it well."""


_BREAK = "\x00"
"""A <br>: the one line break inside a paragraph that the text part keeps."""


class _Text(HTMLParser):
    """HTML to text written for reading: paragraphs wrapped, list items with a dash, headings underlined,
    each link's words followed by [n] and its URL added to the numbered list."""

    BLOCKS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "figure", "figcaption"}

    def __init__(self, absolute, links: list[str]):
        super().__init__(convert_charrefs=True)
        self.absolute = absolute
        self.links = links
        self.blocks: list[tuple[str, str]] = []
        self.words: list[str] = []
        self.tag = "p"
        self.href: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in self.BLOCKS:
            self.flush()
            self.tag = tag
        elif tag == "br":
            self.words.append(_BREAK)
        elif tag == "a" and attributes.get("href"):
            self.href = self.absolute(attributes["href"])
        elif tag == "img" and attributes.get("alt"):
            self.words.append(f"[{attributes['alt']}]")

    def handle_endtag(self, tag):
        if tag == "a" and self.href:
            if self.href not in self.links:
                self.links.append(self.href)
            self.words.append(f" [{self.links.index(self.href) + 1}]")
            self.href = None
        elif tag in self.BLOCKS:
            self.flush()

    def handle_data(self, data):
        self.words.append(data if self.tag == "pre" else data.replace("\n", " "))

    def flush(self):
        text = "".join(self.words)
        self.words = []
        if text.strip():
            self.blocks.append((self.tag, text))

    def result(self) -> str:
        self.flush()
        out = []
        for tag, text in self.blocks:
            if tag == "pre":
                out.append(text.replace(_BREAK, "\n").strip("\n"))
                continue
            lines = [" ".join(line.split()) for line in text.split(_BREAK)]
            if tag == "li":
                out.append("\n".join(textwrap.fill(line, WIDTH, initial_indent="- ", subsequent_indent="  ") for line in lines if line))
            elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
                heading = " ".join(lines)
                out.append(f"{heading}\n{'-' * min(len(heading), WIDTH)}")
            else:
                prefix = "> " if tag == "blockquote" else ""
                out.append("\n".join(textwrap.fill(line, WIDTH, initial_indent=prefix, subsequent_indent=prefix) for line in lines if line))
        return "\n\n".join(out)


def plain_text(markup: str, absolute, links: list[str]) -> str:
    """HTML (the issue's introduction, an item's summary) as text for reading; its links go into `links`."""
    parser = _Text(absolute, links)
    parser.feed(markup)
    parser.close()
    return parser.result()
