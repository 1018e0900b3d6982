"""Theme resolution, the Jinja environment, and render_output() -> bytes."""

from __future__ import annotations

import collections.abc
import contextvars
import functools
import os
import importlib.resources
import shutil
from dataclasses import dataclass
from collections.abc import Callable
from pathlib import Path

import jinja2
from jinja2.loaders import split_template_path
from markupsafe import Markup

from .cache import Cache, RenderRecord, prepare_cache_folder, versions_digest
from .content import StaticFile, find_static
from .errors import Problem, SitegenError, raise_if
from .fingerprint import MISSING, Fingerprinter
from .model import Site, taxonomy_title
from .formats import render_feed
from .plan import Output, Plan
from .pool import MINIMUM_PER_WORKER, counted, run_parallel
from .text import format_date, format_moment, format_money
from .version import __version__

TEMPLATES_DIR = "templates"
THEME_PREFIX = "!theme"


@dataclass(frozen=True)
class Theme:
    """A theme on disk: templates/ and static/."""

    name: str
    root: Path


def bundled_themes() -> Path:
    """The folder of themes shipped inside the package (themes/ in the repository)."""
    return Path(str(importlib.resources.files("sitegen.themes")))


def load_theme(site_root: Path, name: str) -> Theme:
    """A bundled theme by name, else a folder relative to the site root."""
    for candidate in (bundled_themes() / name, site_root / name):
        if (candidate / TEMPLATES_DIR).is_dir():
            return Theme(name, candidate)
    available = sorted(p.name for p in bundled_themes().iterdir() if (p / TEMPLATES_DIR).is_dir())
    raise SitegenError(
        [Problem("sitegen.toml", field="theme", message=f"no theme '{name}': expected one of {', '.join(available)} or a folder with templates/ in it")]
    )


def template_files(site_root: Path, theme: Theme) -> frozenset[str]:
    """Every template file a build can load, site's and theme's.

    Jinja reloads a changed template by itself, but a file added in front of a cached one (a new
    site override) or removed needs a new environment: this set changing says so.
    """
    names = set()
    for prefix, folder in (("site:", site_root / TEMPLATES_DIR), ("theme:", theme.root / TEMPLATES_DIR)):
        if folder.is_dir():
            names.update(prefix + path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file())
    return frozenset(names)


def theme_static(theme: Theme, site_static: tuple[StaticFile, ...]) -> tuple[StaticFile, ...]:
    """The theme's static files merged with the site's; the site's win on the same path."""
    merged = {f.path: f for f in find_static(theme.root / "static", "static", f"theme {theme.name}: static")}
    merged.update({f.path: f for f in site_static})
    return tuple(merged[path] for path in sorted(merged))


TEMPLATE_CACHE = "templates"
"""Compiled templates, in the cache folder: a new process need not compile them again."""


def make_environment(site_root: Path, theme: Theme, cache_folder: Path | None = None) -> jinja2.Environment:
    """Site templates override the theme's by name; '!theme/x.html' always reaches the theme's own.

    With a cache folder, compiled templates are kept in it (Jinja checks each against its source).
    """
    theme_loader = jinja2.FileSystemLoader(theme.root / TEMPLATES_DIR)
    loader = jinja2.ChoiceLoader(
        [
            jinja2.PrefixLoader({THEME_PREFIX: theme_loader}, delimiter="/"),
            jinja2.FileSystemLoader(site_root / TEMPLATES_DIR),
            theme_loader,
        ]
    )
    env = _RecordingEnvironment(
        loader=loader,
        autoescape=jinja2.select_autoescape(["html", "xml", "opml"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=_bytecode_cache(cache_folder) if cache_folder is not None else None,
    )
    # Where template files are named from in messages: the site, or the themes' parent folder.
    env.sitegen_roots = (site_root, theme.root.parent.parent)  # type: ignore[attr-defined]
    env.sitegen_template_folders = (site_root / TEMPLATES_DIR, theme.root / TEMPLATES_DIR)  # type: ignore[attr-defined]
    env.filters.update(rel=_rel, date=format_date, moment=format_moment, money=format_money, isodate=lambda d: d.isoformat())
    env.globals["partial"] = _partial
    env.globals["taxonomy_title"] = taxonomy_title
    return env


def _bytecode_cache(cache_folder: Path) -> jinja2.BytecodeCache | None:
    """Compiled templates in cache_folder/templates/<versions>: Jinja checks each against its source,
    but not against Jinja's or sitegen's version, so other versions get a folder of their own."""
    folder = cache_folder / TEMPLATE_CACHE / versions_digest()
    try:
        prepare_cache_folder(cache_folder)
        if not folder.is_dir():
            shutil.rmtree(cache_folder / TEMPLATE_CACHE, ignore_errors=True)  # other versions' leftovers
            folder.mkdir(parents=True)
    except OSError:  # a read-only site folder: compile every time
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


@jinja2.pass_context
def _rel(context: jinja2.runtime.Context, url: str) -> str:
    """A site URL as a link that works under base_url's path."""
    return context["site"].rel(url)


# ---------------------------------------------------------------------------------
# Knowing what an output depends on: every read of the site during its render is recorded
# ---------------------------------------------------------------------------------

_reads: contextvars.ContextVar[set | None] = contextvars.ContextVar("sitegen_reads", default=None)

# Methods of Site whose results depend on the settings alone (in every output's key already).
_PURE = frozenset({"rel", "absolute", "index_url", "base_path", "base_url", "config"})


def _record(read: tuple) -> None:
    reads = _reads.get()
    if reads is not None:
        reads.add(read)


_partials: contextvars.ContextVar[dict | None] = contextvars.ContextVar("sitegen_partials", default=None)


@jinja2.pass_context
def _partial(context: jinja2.runtime.Context, name: str, **variables) -> Markup:
    """partial(name, **variables): template `name` rendered with only these variables (and site, config).

    Rendered once per build for the same variables (Hugo's partialCached): a post's card appears on
    a dozen list pages but is made once. Values other than text and numbers count by identity.
    What the fragment reads is recorded for every page that shows it.
    """
    memo = _partials.get()
    # (type, value): True, 1 and 1.0 are equal, and so are Markup("<b>") and "<b>", yet render differently.
    key = (name, tuple(sorted((k, type(v), v if isinstance(v, (str, int, float, bool, type(None))) else id(v)) for k, v in variables.items())))
    known = memo.get(key) if memo is not None else None
    if known is None:
        reads: set = set()
        token = _reads.set(reads)
        try:
            template = context.environment.get_template(name)
            html = Markup(template.render({"site": context.get("site"), "config": context.get("config"), **variables}))
        finally:
            _reads.reset(token)
        known = (html, frozenset(reads), tuple(variables.values()))  # holding the values keeps their ids unique
        if memo is not None:
            memo[key] = known
    outer = _reads.get()
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
                _record(("site()", name, args))
                return value(*args)

            return call
        if isinstance(value, dict):
            return RecordingMapping(("site[]", name), value)
        _record(("site", name))
        return value


# Template errors name the model type, not the view: "'sitegen.model.Site object' has no attribute ..."
SiteView.__module__, SiteView.__name__, SiteView.__qualname__ = "sitegen.model", "Site", "Site"


class RecordingMapping(collections.abc.Mapping):
    """A read-only mapping whose lookups are recorded key by key."""

    def __init__(self, prefix: tuple, data: dict):
        self._prefix, self._data = prefix, data

    def __getitem__(self, key):
        _record((*self._prefix, key))
        return self._data[key]

    def __iter__(self):
        _record((*self._prefix[:-1], self._prefix[-1], "*"))
        return iter(self._data)

    def __len__(self):
        _record((*self._prefix[:-1], self._prefix[-1], "*"))
        return len(self._data)


class _RecordingContext(jinja2.runtime.Context):
    """Records the top-level names a template resolves (feeds, channels, ...)."""

    def resolve_or_missing(self, key: str):
        if key == "feeds":
            _record(("feeds",))
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


class _RecordingEnvironment(jinja2.Environment):
    """Records every template a render loads (extends and includes too).

    Within one build (start_build()), each template is looked up once, and a name that is not
    among the build's template files (a per-post override nobody wrote) is not looked for on
    disk: Jinja otherwise checks a template file's modification time each time a page extends,
    includes or selects it, and looks for a missing override in every template folder (together
    a sixth of rendering). The next build checks again, so the dev server sees edited templates.
    Jinja's list of template files leaves out folders reached through a symbolic link, so with
    such a folder every name is looked for on disk.
    """

    context_class = _RecordingContext
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
        _record(("template", name))
        loaded = self._loaded
        if loaded is None or globals:
            return super()._load_template(name, globals)
        template = loaded.get(name)
        if template is None:
            if not _listed(name, self._available):
                raise jinja2.TemplateNotFound(name)
            template = loaded[name] = super()._load_template(name, globals)
        return template


def _read_value(read: tuple, site: Site, plan: Plan, env: jinja2.Environment, available: frozenset[str] | None):
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


@dataclass(frozen=True)
class RenderReport:
    """What render_all() made."""

    rendered: dict[str, object]
    """Every output's bytes, by path (None: unchanged, and intact in the output folder; else what place() returned)."""
    fresh: tuple[str, ...]
    """Paths rendered this time (the rest came from the cache unchanged)."""
    processes: int = 1
    """Processes the rendering ran in."""


def render_all(
    env: jinja2.Environment,
    site: Site,
    plan: Plan,
    cache: Cache | None = None,
    intact: Callable[[str], bool] = lambda path: False,
    progress: Callable[[str, int, int], None] | None = None,
    jobs: int = 1,
    place: Callable[[str, bytes], object] | None = None,
) -> RenderReport:
    """Render every output, reusing a cached rendering when nothing it read has changed.

    A rendering loaded from disk has no bytes: it is reused only when intact(path) says the
    output file still holds them, and then its value in RenderReport.rendered is None.
    With jobs > 1, outputs to render are rendered across processes; the bytes are the same. There,
    place(path, bytes) (write.Stager.place) writes each output from its worker, and what it returns
    stands for the bytes in RenderReport.rendered: the bytes need not travel back to this process.
    Collects every problem, then raises them together.
    """
    cache = cache if cache is not None else Cache()
    fingerprint = Fingerprinter(cache.strings, cache.digests)
    global_key = fingerprint((__version__, site.config, str(env.sitegen_roots[1]), site.base_url))
    values: dict[tuple, bytes] = {}
    # One walk of the template folders a build; None when it cannot list them all.
    available = env.start_build(frozenset(env.list_templates()), env.sitegen_template_folders)

    def current(read: tuple) -> bytes:
        if read not in values:
            values[read] = fingerprint(_read_value(read, site, plan, env, available))
        return values[read]

    class Holds(dict):
        """(read, digest then) -> whether the read gives that digest now; each pair judged once a build."""

        def __missing__(self, pair: tuple[tuple, bytes]) -> bool:
            holds = self[pair] = current(pair[0]) == pair[1]
            return holds

    # all(map(...)) over this runs in C: a rebuild checks 14 reads an output, 230,000 at 10,000 posts.
    holds = Holds()
    pairs: dict[tuple, tuple] = {}

    def pair(read: tuple) -> tuple[tuple, bytes]:
        """(read, its digest now), one object for all outputs: the saved cache is smaller and loads faster."""
        digest = current(read)
        return pairs.setdefault((read, digest), (read, digest))

    rendered: dict[str, bytes | None] = {}
    problems: list[Problem] = []
    shared = shared_context(site, plan)
    records: dict[str, RenderRecord] = {}
    owns: dict[str, bytes] = {}
    stale: list[int] = []
    total = len(plan.outputs)
    for number, output in enumerate(plan.outputs):
        if progress is not None and number % 200 == 0:
            progress("checking", number, total)
        own = plan.owns.get(output.path) or fingerprint((output, output.item.entries if output.kind == "feed" else ()))
        owns[output.path] = own
        record = cache.renders.get(output.path)
        if (
            record
            and record.global_key == global_key
            and record.own == own
            and (record.data is not None or intact(output.path))
            and all(map(holds.__getitem__, record.reads))
        ):
            rendered[output.path] = record.data
            records[output.path] = record
        else:
            stale.append(number)

    def render_one(number: int, place: Callable[[str, bytes], object] | None = None) -> tuple[object, tuple, tuple[Problem, ...]]:
        """Render one output, recording what it read (runs in a worker process, or here)."""
        reads: set = set()
        token = _reads.set(reads)
        memo_token = _partials.set(partials)
        try:
            output = plan.outputs[number]
            data = render_output(env, site, plan, output, shared)
            return (place(output.path, data) if place is not None else data), tuple(sorted(reads, key=repr)), ()
        except SitegenError as error:
            return None, (), error.problems
        finally:
            _partials.reset(memo_token)
            _reads.reset(token)

    partials: dict = {}  # partial() renderings of this build (each worker process fills its own)
    parallel = run_parallel(functools.partial(render_one, place=place), stale, jobs)
    processes = min(jobs, len(stale) // MINIMUM_PER_WORKER) if parallel is not None else 1
    results = parallel if parallel is not None else map(render_one, stale)
    fresh: list[str] = []
    for number, (data, reads, errors) in zip(stale, counted(results, progress, "rendering", len(stale)), strict=True):
        if errors:
            problems.extend(errors)
            continue
        path = plan.outputs[number].path
        rendered[path] = data
        fresh.append(path)
        kept = data if isinstance(data, bytes) else None  # else written by a worker: the file holds the bytes
        records[path] = RenderRecord(global_key, owns[path], tuple(pair(r) for r in reads), kept)
    raise_if(problems)
    cache.renders = records  # only outputs that still exist
    cache.strings = fingerprint.strings
    cache.digests = fingerprint.digests
    # Same order as a one-process build: the plan's
    fresh_set = set(fresh)
    ordered = tuple(o.path for o in plan.outputs if o.path in fresh_set)
    return RenderReport({o.path: rendered[o.path] for o in plan.outputs}, ordered, processes)


def shared_context(site: Site, plan: Plan) -> dict:
    """The template variables every output of a build sees: one set of objects for all, so a
    partial() given one of them (channels) is rendered once, not once per page."""
    return {
        "site": SiteView(site),
        "config": site.config,
        "feeds": plan.feeds,
        "channels": RecordingMapping(("channels",), plan.channels),
    }


def render_output(env: jinja2.Environment, site: Site, plan: Plan, output: Output, shared: dict | None = None) -> bytes:
    """One output's bytes; template errors become problems naming the template line and the output."""
    if output.kind == "feed":
        return render_feed(site, output.item, output.format)
    context = {
        **(shared if shared is not None else shared_context(site, plan)),
        "output": output,
        "head": output.head,
        "paginator": output.paginator,
    }
    if output.item is not None:
        context[output.kind if output.kind in ("post", "page", "offer") else "taxonomy"] = output.item
        if output.kind == "year":
            context["year"] = output.item
    try:
        template = env.select_template(list(output.templates))
        return template.render(context).encode("utf-8")
    except jinja2.TemplateSyntaxError as error:
        raise SitegenError([Problem(error.name or "<template>", error.lineno, None, f"{error.message} (while rendering {output.path})")]) from None
    except jinja2.TemplateNotFound:
        raise SitegenError([Problem(output.source_path or output.path, None, "template", f"no template named {', '.join(output.templates)}")]) from None
    except (jinja2.UndefinedError, TypeError, ValueError, AttributeError) as error:
        name, line = _template_frame(error, env.sitegen_roots)
        raise SitegenError([Problem(name or output.path, line, None, f"{error} (while rendering {output.path})")]) from None


def _template_frame(error: BaseException, roots: tuple[Path, ...]) -> tuple[str | None, int | None]:
    """The innermost template file and line in a traceback."""
    found: tuple[str | None, int | None] = (None, None)
    tb = error.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".txt", ".opml", ".json")):
            found = (_short(filename, roots), tb.tb_lineno)
        tb = tb.tb_next
    return found


def _short(filename: str, roots: tuple[Path, ...]) -> str:
    path = Path(filename)
    for anchor in roots:
        try:
            return path.relative_to(anchor).as_posix()
        except ValueError:
            pass
    return path.as_posix()
