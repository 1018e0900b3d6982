"""Site links: every site-relative link, image and file named in the content and the settings must be
a page, feed or file of the build; each one that is not is named with its file, line and a "did you mean"."""

from __future__ import annotations

import difflib
from urllib.parse import unquote, urlsplit

from .config import CONFIG_FILE
from .content import Content, is_site_path
from .errors import Problem, raise_if
from .model import Site
from .plan import Plan
from .text import offset_of_line


_HINTED = 20
"""Broken URLs that get a "did you mean": each looks through every URL of the site."""


def check_links(site: Site, plan: Plan, content: Content) -> None:
    """Every site-relative URL in content and settings (a link /menu/, an image /static/a.jpg) must be a page,
    feed or file of this plan; raise one SitegenError naming each that is not, with its file and line.

    Run on every build from what it is given (cached documents included), so a warm build reports what a clean one does.
    """
    known = {o.url for o in plan.outputs}  # as they are on disk: links are compared with their %-escapes decoded
    known.update("/" + s.path for s in plan.static)
    problems: list[Problem] = []
    hints = _Hints(known)
    # 10,000 posts: a few milliseconds, as set operations; most URLs are found as they are written
    unknown = {entry[2] for document in content.documents for entry in document.site_urls}
    unknown.difference_update(known)
    unknown = {url for url in unknown if not _resolves(url, known)}
    broken = [d for d in content.documents if any(entry[2] in unknown for entry in d.site_urls)] if unknown else []
    built = {item.source_path for items in (site.posts, site.pages, site.offers) for item in items} if broken else set()
    for document in broken:
        if document.source_path not in built:
            continue  # a draft or a scheduled post: checked when it is built
        text = _read_text(content.root / document.source_path)
        body_start = offset_of_line(text, document.body_line)
        for field, what, url in document.site_urls:
            if url not in unknown:
                continue
            if field is None:
                line = _line_of(text, url, body_start) or _line_of(text, url, 0)
                message = _missing_message(what, url)
            else:
                line = _line_of(text, url, 0)
                message = f"'{url}' is not a file of the site"
            problems.append(Problem(document.source_path, line, field, message, hints(url) or (_PUT_IT if what != "link" else None)))
    config = site.config
    settings = [("image", config.image), ("podcast.image", config.podcast.image)]
    settings += [(f"authors.{key}.avatar", author.avatar) for key, author in config.authors.items()]
    settings += [(f"navigation[{index}].url", link.url) for index, link in enumerate(config.navigation)]  # as schema.py names them
    for field, url in settings:
        if url and is_site_path(url) and not _resolves(url, known):
            what = "link" if field.startswith("navigation") else "image"
            message = _missing_message(what, url) if what == "link" else f"'{url}' is not a file of the site"
            problems.append(Problem(CONFIG_FILE, None, field, message, hints(url) or (_PUT_IT if what == "image" else None)))
    raise_if(problems)


_PUT_IT = "a file in content/static/ is at /static/<its path there>"


def _missing_message(what: str, url: str) -> str:
    if what == "link":
        return f"link to '{url}' has no target: no page, feed or file of the site has that URL"
    return f"{what} '{url}' is not a file of the site"


def _resolves(url: str, known: set[str]) -> bool:
    """Whether a site URL reaches a planned output, as a web server would serve it: query and fragment
    aside, percent-escapes decoded, 'x/index.html' for 'x/', and 'x' redirected to 'x/'."""
    path = urlsplit(url).path
    if path in known:
        return True
    path = unquote(path if path.startswith("/") else "/" + path)
    return (
        path in known
        or (path + "/") in known
        or (path.endswith("/index.html") and path.removesuffix("index.html") in known)
    )


class _Hints:
    """"did you mean" for broken URLs: a near name in the same folder, else the same name in another folder."""

    def __init__(self, known: set[str]):
        self.known = known
        self.asked = 0
        self.by_folder: dict[str, dict[str, str]] | None = None
        self.by_name: dict[str, list[str]] = {}

    def __call__(self, url: str) -> str | None:
        self.asked += 1
        if self.asked > _HINTED:
            return None
        if self.by_folder is None:
            self.by_folder = {}
            for known in sorted(self.known):
                folder, name = _split_url(known)
                self.by_folder.setdefault(folder, {})[name] = known
                self.by_name.setdefault(name, []).append(known)
        path = unquote(urlsplit(url).path)
        folder, name = _split_url(path if path.startswith("/") else "/" + path)
        siblings = self.by_folder.get(folder, {})
        close = difflib.get_close_matches(name, list(siblings), n=1, cutoff=0.6)
        found = siblings[close[0]] if close else next(iter(self.by_name.get(name, ())), None)
        return f"did you mean '{found}'?" if found else None


def _split_url(url: str) -> tuple[str, str]:
    """'/static/a.jpg' -> ('/static', 'a.jpg'); '/menu/' -> ('', 'menu')."""
    folder, _, name = url.rstrip("/").rpartition("/")
    return folder, name


def _read_text(path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError:
        return ""



def _line_of(text: str, url: str, start: int) -> int | None:
    """The 1-based line where url (or failing that, its path) is first written at or after offset start."""
    for needle in (url, urlsplit(url).path):
        index = text.find(needle, start) if needle else -1
        if index >= 0:
            return text.count("\n", 0, index) + 1
    return None
