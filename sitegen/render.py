"""The Jinja environment, and rendering: render_all() and render_output() -> bytes."""

from __future__ import annotations

import dataclasses
import functools
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import jinja2

from .cache import prepare_cache_folder, versions_digest
from .errors import Problem, SitegenError, raise_if
from .fingerprint import Fingerprinter
from .follow import follow_links, qr_svg
from .memo import kept
from .model import Site, taxonomy_title
from .formats import render_feed
from .redirects import redirects_file
from .media import render_headers
from .plan import Output, Plan, fingerprinter
from .pool import MINIMUM_PER_WORKER, counted, run_parallel
from .text import format_date, format_moment, format_money
from .theme import TEMPLATES_DIR, THEME_PREFIX, Theme, template_files
from .version import __version__
from .view import RecordingEnvironment, RecordingMapping, SiteView, partial, partial_memo, read_value, recorded_reads


ITEM_VARIABLES = {"post": "post", "page": "page", "offer": "offer", "newsletter": "issue", "redirect": "redirect"}
"""The template variable an item page's item is given as; a list page's is `taxonomy`."""
TEMPLATE_CACHE = "templates"
"""Compiled templates, in the cache folder: a new process need not compile them again."""


@dataclass(frozen=True)
class RenderRecord:
    """One output's last rendering and what it depended on."""

    global_key: bytes
    """The settings, theme and sitegen version it was rendered under."""
    own: bytes
    """Fingerprint of the Output itself (its item, page of posts, head)."""
    reads: tuple[tuple[tuple, bytes], ...]
    """Each site value and template the render read, with its fingerprint then."""
    data: bytes | None
    """The bytes, in the process that rendered them; None once saved and loaded: the file in the
    output folder holds them."""

    def __getstate__(self) -> dict:
        return {**self.__dict__, "data": None}


@dataclass(frozen=True)
class RenderMemo:
    """What rendering may reuse from the last build."""

    renders: Mapping[str, RenderRecord] = kept()
    """Output path -> its last rendering."""
    environments: Mapping[tuple, jinja2.Environment] = kept(saved=False)
    """(site root, theme folder, template files) -> its Jinja environment, whose compiled templates stay
    valid while no template file is added or removed (Jinja reloads changed ones itself)."""


def environment(site_root: Path, theme: Theme, memo: RenderMemo = RenderMemo(), cache_folder: Path | None = None) -> tuple[jinja2.Environment, RenderMemo]:
    """The Jinja environment for a build: the memo's while the template files are the same ones."""
    key = (site_root.resolve(), theme.root.resolve(), template_files(site_root, theme))
    env = memo.environments.get(key)
    if env is None:
        env = make_environment(site_root, theme, cache_folder)
    return env, dataclasses.replace(memo, environments={key: env})


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
    env = RecordingEnvironment(
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
    env.filters.update(follow_links=follow_links, qr=qr_svg)
    env.globals["partial"] = partial
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


@dataclass(frozen=True)
class RenderReport:
    """What render_all() made."""

    rendered: dict[str, object]
    """Every output's bytes, by path (None: unchanged, and intact in the output folder; else what place() returned)."""
    fresh: tuple[str, ...]
    """Paths rendered this time (the rest came from the cache unchanged)."""
    processes: int = 1
    """Processes the rendering ran in."""
    memo: RenderMemo = RenderMemo()
    """For the next build."""


def render_all(
    env: jinja2.Environment,
    site: Site,
    plan: Plan,
    memo: RenderMemo = RenderMemo(),
    fingerprint: Fingerprinter | None = None,
    intact: Callable[[str], bool] = lambda path: False,
    progress: Callable[[str, int, int], None] | None = None,
    jobs: int = 1,
    place: Callable[[str, bytes], object] | None = None,
) -> RenderReport:
    """Render every output, reusing the memo's rendering when nothing it read has changed.

    fingerprint: the build's (plan.fingerprinter()), which may have digested much of the site already.
    A rendering loaded from disk has no bytes: it is reused only when intact(path) says the
    output file still holds them, and then its value in RenderReport.rendered is None.
    With jobs > 1, outputs to render are rendered across processes; the bytes are the same. There,
    place(path, bytes) (write.Stager.place) writes each output from its worker, and what it returns
    stands for the bytes in RenderReport.rendered: the bytes need not travel back to this process.
    Collects every problem, then raises them together.
    """
    fingerprint = fingerprint if fingerprint is not None else fingerprinter()
    global_key = fingerprint((__version__, site.config, str(env.sitegen_roots[1]), site.base_url))
    values: dict[tuple, bytes] = {}
    # One walk of the template folders a build; None when it cannot list them all.
    available = env.start_build(frozenset(env.list_templates()), env.sitegen_template_folders)

    def current(read: tuple) -> bytes:
        if read not in values:
            values[read] = fingerprint(read_value(read, site, plan, env, available))
        return values[read]

    # all(map(...)) over this runs in C: a rebuild checks 14 reads an output, 230,000 at 10,000 posts.
    holds = _Holds(current)
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
        record = memo.renders.get(output.path)
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
        token = recorded_reads.set(reads)
        memo_token = partial_memo.set(partials)
        try:
            output = plan.outputs[number]
            data = render_output(env, site, plan, output, shared)
            return (place(output.path, data) if place is not None else data), tuple(sorted(reads, key=repr)), ()
        except SitegenError as error:
            return None, (), error.problems
        finally:
            partial_memo.reset(memo_token)
            recorded_reads.reset(token)

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
    # Same order as a one-process build: the plan's
    fresh_set = set(fresh)
    ordered = tuple(o.path for o in plan.outputs if o.path in fresh_set)
    next_memo = dataclasses.replace(memo, renders=records)  # only outputs that still exist
    return RenderReport({o.path: rendered[o.path] for o in plan.outputs}, ordered, processes, next_memo)


class _Holds(dict):
    """(read, digest then) -> whether the read gives that digest now; each pair judged once a build.

    A class of the module, not of render_all(): a class made per call is in a reference cycle, which
    would keep the whole site alive until the garbage collector (or the end of the process) frees it."""

    def __init__(self, current: Callable[[tuple], bytes]) -> None:
        super().__init__()
        self.current = current

    def __missing__(self, pair: tuple[tuple, bytes]) -> bool:
        holds = self[pair] = self.current(pair[0]) == pair[1]
        return holds


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
    if output.kind == "redirects":
        return redirects_file(site, output.item).encode("utf-8")
    if output.kind == "headers":
        return render_headers(output.entries)
    if output.kind == "nojekyll":
        return b""
    context = {
        **(shared if shared is not None else shared_context(site, plan)),
        "output": output,
        "head": output.head,
        "paginator": output.paginator,
    }
    if output.item is not None:
        context[ITEM_VARIABLES.get(output.kind, "taxonomy")] = output.item
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
