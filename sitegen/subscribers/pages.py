"""The service's pages and emails, rendered with the site's theme (its templates/ first, then the theme's),
so they look like the site and link back to it.

Templates get what every site template gets (`site`, `config`, `output`, `head`, `paginator`, `feeds`,
`channels`), with `output.kind` 'subscribers' or 'email'. In them, `|rel` gives a site URL as an
absolute link to the site, except `/static/...`, which the service serves itself from the site's and
the theme's static files (its pages allow no other origin: see service.SECURITY_HEADERS).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import jinja2

from ..errors import Problem, SitegenError
from ..head import Head
from ..mail import compose
from ..model import Site
from ..plan import Output, Plan
from ..render import make_environment
from ..theme import load_theme
from .forms import ALL, OFFERS, site_topics

TOPIC_WORDS = {ALL: "Everything", OFFERS: "Offers"}
"""How the topics that are not a tag or a category are named on pages and in emails."""


class ServiceSite:
    """The Site as the service's templates see it: links lead to the published site; /static/ to the service."""

    __slots__ = ("_site", "_prefix")

    def __init__(self, site: Site, prefix: str):
        object.__setattr__(self, "_site", site)
        object.__setattr__(self, "_prefix", prefix)

    def __getattr__(self, name: str):
        return getattr(self._site, name)

    def rel(self, url: str) -> str:
        """/static/... on the service (under its URL's path); any other site URL absolute, on the site."""
        if url.startswith("/static/"):
            return self._prefix + url
        return self._site.absolute(url)


# Template errors name the model type, as the site's own pages do.
ServiceSite.__module__, ServiceSite.__name__, ServiceSite.__qualname__ = "sitegen.model", "Site", "Site"


@dataclass(frozen=True)
class Email:
    """A rendered email: subject, text part, HTML part."""

    subject: str
    text: str
    html: str


class Pages:
    """Renders the service's pages (subscribers/*.html) and emails (email/*.txt and .html)."""

    def __init__(self, root: Path, site: Site, plan: Plan, service_url: str):
        config = site.config
        self.service_url = service_url
        self.prefix = urlsplit(service_url).path.rstrip("/")
        self.environment = make_environment(root, load_theme(root, config.theme))
        # The service reads its templates once: Jinja need not stat every file on every request
        # (restart the service after editing a template, as after editing sitegen.toml).
        self.environment.auto_reload = False
        self.site = ServiceSite(site, self.prefix)
        self.topic_names = topic_names(site)
        self.topics = site_topics(site)
        """The topics people can choose (forms.site_topics)."""
        self._shared = {"site": self.site, "config": config, "feeds": plan.feeds, "channels": plan.channels, "paginator": None}
        self._memo: dict[tuple, bytes] = {}
        self.static = {f.path: f.source for f in plan.static}
        """Static files by output path ('static/css/style.css'): the site's and the theme's."""

    def page(self, name: str, title: str, path: str, variables: Mapping | None = None) -> bytes:
        """subscribers/<name>.html, titled title, for the service URL path (with no token in it: it is the canonical link)."""
        config = self._shared["config"]
        head = Head(f"{title} · {config.title}", config.description, self.service_url + path, None, noindex=True)
        output = Output(path="", url=self.prefix + path, kind="subscribers", templates=(f"subscribers/{name}.html",), head=head)
        context = {**self._shared, "output": output, "head": head, "title": title, "topic_names": self.topic_names, **(variables or {})}
        return self._render(f"subscribers/{name}.html", context).encode("utf-8")

    def fixed_page(self, name: str, title: str, path: str, variables: Mapping | None = None) -> bytes:
        """A page that is the same for everyone (the "check your inbox" page), rendered once."""
        key = (name, title, path, tuple(sorted((variables or {}).items())))
        if key not in self._memo:
            self._memo[key] = self.page(name, title, path, variables)
        return self._memo[key]

    def email(self, name: str, variables: Mapping) -> Email:
        """email/<name>.txt (which sets `subject`) and email/<name>.html."""
        output = Output(path="", url="", kind="email", templates=(f"email/{name}.html", f"email/{name}.txt"))
        context = {**self._shared, "output": output, "head": None, "topic_names": self.topic_names, **variables}
        try:
            module = self.environment.get_template(f"email/{name}.txt").make_module(context)
        except jinja2.TemplateError as error:
            raise _problem(error, f"email/{name}.txt") from None
        subject = " ".join(str(getattr(module, "subject", "")).split())
        if not subject:
            raise SitegenError([Problem(f"email/{name}.txt", message="sets no subject: add {% set subject = \"...\" %} at its top")])
        return Email(subject, str(module).strip() + "\n", self._render(f"email/{name}.html", context))

    def message(self, name: str, variables: Mapping, *, sender: str, reply_to: str, recipient: str, now: dt.datetime,
                headers: dict[str, str] | None = None) -> bytes:
        """The email `name` as a whole message, ready for the outbox."""
        mail = self.email(name, variables)
        return compose(sender=sender, reply_to=reply_to, recipient=recipient, subject=mail.subject, text=mail.text, html=mail.html,
                       now=now, headers=headers)

    def _render(self, name: str, context: dict) -> str:
        try:
            return self.environment.get_template(name).render(context)
        except jinja2.TemplateError as error:
            raise _problem(error, name) from None


def topic_names(site: Site) -> dict[str, str]:
    """Every topic people can choose (Site.topics), slug to name as the site writes it, by name; then offers and everything."""
    names = {topic.slug: topic.name for topic in site.topics if topic.slug not in TOPIC_WORDS}
    return {**dict(sorted(names.items(), key=lambda pair: pair[1].lower())), **TOPIC_WORDS}


def _problem(error: jinja2.TemplateError, name: str) -> SitegenError:
    line = getattr(error, "lineno", None)
    return SitegenError([Problem(getattr(error, "name", None) or name, line, None, f"{error.message or error} (while rendering {name})")])
