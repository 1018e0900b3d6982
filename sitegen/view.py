"""Knowing what an output depends on: templates see the Site through a view that records every
read (attributes, items, calls, templates loaded), so an output re-renders only when what it read changed."""

from __future__ import annotations

import collections.abc
import contextvars
import os
from pathlib import Path

import jinja2
from jinja2.loaders import split_template_path
from markupsafe import Markup

from .fingerprint import MISSING
from .model import Site
from .plan import Plan


recorded_reads: contextvars.ContextVar[set | None] = contextvars.ContextVar("sitegen_reads", default=None)

# Methods of Site whose results depend on the settings alone (in every output's key already).
_PURE = frozenset({"rel", "absolute", "index_url", "base_path", "base_url", "config"})


def record(read: tuple) -> None:
    reads = recorded_reads.get()
    if reads is not None:
        reads.add(read)


partial_memo: contextvars.ContextVar[dict | None] = contextvars.ContextVar("sitegen_partials", default=None)


@jinja2.pass_context
def partial(context: jinja2.runtime.Context, name: str, **variables) -> Markup:
    """partial(name, **variables): template `name` rendered with only these variables (and site, config).

    Rendered once per build for the same variables (Hugo's partialCached): a post's card appears on
    a dozen list pages but is made once. Values other than text and numbers count by identity.
    What the fragment reads is recorded for every page that shows it.
    """
    memo = partial_memo.get()
    # (type, value): True, 1 and 1.0 are equal, and so are Markup("<b>") and "<b>", yet render differently.
    key = (name, tuple(sorted((k, type(v), v if isinstance(v, (str, int, float, bool, type(None))) else id(v)) for k, v in variables.items())))
    known = memo.get(key) if memo is not None else None
    if known is None:
        reads: set = set()
        token = recorded_reads.set(reads)
        try:
            template = context.environment.get_template(name)
            html = Markup(template.render({"site": context.get("site"), "config": context.get("config"), **variables}))
        finally:
            recorded_reads.reset(token)
        known = (html, frozenset(reads), tuple(variables.values()))  # holding the values keeps their ids unique
        if memo is not None:
            memo[key] = known
    outer = recorded_reads.get()
    if outer is not None:
        outer.update(known[1])
    return known[0]


class SiteView:
    """The Site as templates see it: each attribute, item and call they read is recorded."""

    __slots__ = ("_site",)

    def __init__(self, site: Site):
        object.__setattr__(self, "_site", site)

    def __getattr__(self, name: str):
        value = getattr(self._site, name)
        if name in _PURE:
            return value
        if callable(value):
            def call(*args):
                record(("site()", name, args))
                return value(*args)

            return call
        if isinstance(value, dict):
            return RecordingMapping(("site[]", name), value)
        record(("site", name))
        return value


# Template errors name the model type, not the view: "'sitegen.model.Site object' has no attribute ..."
SiteView.__module__, SiteView.__name__, SiteView.__qualname__ = "sitegen.model", "Site", "Site"


class RecordingMapping(collections.abc.Mapping):
    """A read-only mapping whose lookups are recorded key by key."""

    def __init__(self, prefix: tuple, data: dict):
        self._prefix, self._data = prefix, data

    def __getitem__(self, key):
        record((*self._prefix, key))
        return self._data[key]

    def __iter__(self):
        record((*self._prefix[:-1], self._prefix[-1], "*"))
        return iter(self._data)

    def __len__(self):
        record((*self._prefix[:-1], self._prefix[-1], "*"))
        return len(self._data)


class RecordingContext(jinja2.runtime.Context):
    """Records the top-level names a template resolves (feeds, channels, ...)."""

    def resolve_or_missing(self, key: str):
        if key == "feeds":
            record(("feeds",))
        return super().resolve_or_missing(key)


def _listed(name: str, available: frozenset[str] | None) -> bool:
    """Whether template `name` may exist: it is among the build's template files, or they could not
    all be listed (None). Names are compared as Jinja's loaders read them ('a//b.html' is 'a/b.html')."""
    if available is None:
        return True
    try:
        return "/".join(split_template_path(name)) in available
    except jinja2.TemplateNotFound:  # '..' in the name: no loader reads it
        return False


def _has_linked_folder(folder: Path) -> bool:
    """Whether a folder under folder is a symbolic link (not walked by Jinja's list_templates())."""
    return any(os.path.islink(os.path.join(parent, name)) for parent, names, _ in os.walk(folder) for name in names)


class RecordingEnvironment(jinja2.Environment):
    """Records every template a render loads (extends and includes too).

    Within one build (start_build()), each template is looked up once, and a name that is not
    among the build's template files (a per-post override nobody wrote) is not looked for on
    disk: Jinja otherwise checks a template file's modification time each time a page extends,
    includes or selects it, and looks for a missing override in every template folder (together
    a sixth of rendering). The next build checks again, so the dev server sees edited templates.
    Jinja's list of template files leaves out folders reached through a symbolic link, so with
    such a folder every name is looked for on disk.
    """

    context_class = RecordingContext
    _loaded: dict[str, jinja2.Template] | None = None
    _available: frozenset[str] | None = None

    def start_build(self, available: frozenset[str], folders: tuple[Path, ...]) -> frozenset[str] | None:
        """Begin a build whose template `folders` hold `available` (list_templates()): forget what was
        loaded. Returns `available`, or None when it may be incomplete (a linked folder)."""
        self._loaded = {}
        self._available = None if any(map(_has_linked_folder, folders)) else available
        return self._available

    def _load_template(self, name, globals):  # noqa: A002 - Jinja's signature
        # Jinja 3 routes get_template, select_template, extends and include through here.
        record(("template", name))
        loaded = self._loaded
        if loaded is None or globals:
            return super()._load_template(name, globals)
        template = loaded.get(name)
        if template is None:
            if not _listed(name, self._available):
                raise jinja2.TemplateNotFound(name)
            template = loaded[name] = super()._load_template(name, globals)
        return template


def read_value(read: tuple, site: Site, plan: Plan, env: jinja2.Environment, available: frozenset[str] | None):
    """The current value of a recorded read (MISSING when it is gone)."""
    kind = read[0]
    if kind == "site":
        return getattr(site, read[1], MISSING)
    if kind == "site()":
        return getattr(site, read[1])(*read[2])
    if kind == "site[]":
        mapping = getattr(site, read[1])
        return mapping if read[2] == "*" else mapping.get(read[2], MISSING)
    if kind == "channels":
        return plan.channels if read[1] == "*" else plan.channels.get(read[1], MISSING)
    if kind == "feeds":
        return plan.feeds
    if kind == "template":
        if not _listed(read[1], available):  # most overrides looked for (posts/<slug>.html) do not exist
            return MISSING
        try:
            source, filename, _ = env.loader.get_source(env, read[1])
        except jinja2.TemplateNotFound:
            return MISSING
        return (source, filename)
    raise ValueError(f"unknown read {read!r}")
