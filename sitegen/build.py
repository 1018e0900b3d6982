"""build(): the pipeline, in a few lines."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .cache import Cache
from .campaign import render_owner_files
from .config import load_config
from .content import read_content
from .errors import Problem
from .feeds import build_feeds
from .links import check_links
from .model import Site
from .ping import read_pending, write_pending
from .placeholders import placeholder_warnings
from .plan import Plan, plan_outputs
from .render import make_environment, render_all
from .site import BuildOptions, build_site
from .theme import Theme, load_theme, template_files, theme_static
from .write import Stager, WriteReport, remove_abandoned_staging, write_files, write_site

OUTPUT_DIR = "output"
PRIVATE_DIR = "private"
"""The owner's files, beside output/ and never in it, so a host never serves them: each offer's
tracked links and QR codes now (and the subscriber service's data later)."""


def offers_private_dir(root: Path) -> Path:
    """Where builds write each offer's links.txt, qr.svg and qr.png: <root>/private/offers/<slug>/."""
    return Path(root) / PRIVATE_DIR / "offers"


@dataclass(frozen=True)
class BuildResult:
    """What a build made and what it wrote."""

    site: Site
    plan: Plan
    report: WriteReport
    output_dir: Path
    changed_feeds: tuple[str, ...] = ()
    """Absolute URLs of feeds whose bytes changed: what `sitegen ping` announces."""
    rendered: tuple[str, ...] = ()
    """Paths rendered by this build; the others were reused from the cache."""
    processes: int = 1
    """Processes the rendering ran in."""
    owner: WriteReport | None = None
    """What was written to offers_private_dir(); None when this build wrote no owner files."""
    warnings: tuple[Problem, ...] = ()
    """What built but should be looked at (a post too large for feeds)."""


def load_site(
    root: Path,
    options: BuildOptions,
    *,
    base_url: str | None = None,
    cache: Cache | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    jobs: int = 1,
    wall_clock_ns: int | None = None,
) -> tuple[Site, Plan]:
    """Read, check and plan a site without rendering or writing anything."""
    site, plan, _, _ = _load(root, options, base_url, cache, progress, jobs, wall_clock_ns)
    return site, plan


def _load(root, options, base_url, cache, progress, jobs, wall_clock_ns) -> tuple[Site, Plan, Theme, tuple[Problem, ...]]:
    """load_site(), the theme it resolved, which rendering needs too, and the warnings of the content."""
    config = load_config(root, base_url=base_url, cache=cache)
    theme = load_theme(root, config.theme)
    content = read_content(root, config, cache, progress, jobs, wall_clock_ns)
    site = build_site(content, config, options, cache)
    plan = plan_outputs(site, build_feeds(site, cache), theme_static(theme, content.static_files), cache)
    check_links(site, plan, content)
    return site, plan, theme, content.warnings + placeholder_warnings(site)


def build(
    root: Path,
    output_dir: Path | None = None,
    *,
    now: dt.datetime,
    drafts: bool = False,
    future: bool = False,
    base_url: str | None = None,
    cache: Cache | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    jobs: int = 1,
    wall_clock_ns: int | None = None,
) -> BuildResult:
    """Build the site at root into output_dir (default root/output); raises SitegenError before writing anything.

    A cache from an earlier build makes this one faster and changes nothing in what it writes;
    wall_clock_ns (time.time_ns() as the build starts) lets it trust the status of settled files (read_content).
    """
    root = Path(root)
    output_dir = Path(output_dir) if output_dir is not None else root / OUTPUT_DIR
    options = BuildOptions(now=now, drafts=drafts, future=future)
    site, plan, theme, warnings = _load(root, options, base_url, cache, progress, jobs, wall_clock_ns)
    key = (root.resolve(), theme.root.resolve(), template_files(root, theme))
    env = cache.environments.get(key) if cache is not None else None
    if env is None:
        env = make_environment(root, theme, cache.folder if cache is not None else None)
        if cache is not None:
            cache.environments = {key: env}
    known = cache.written.setdefault(str(output_dir.resolve()), {}) if cache is not None else None

    folder = os.fspath(output_dir)

    def intact(path: str) -> bool:
        """Whether the output file is as we wrote it (size and time), so its bytes need not be rendered."""
        try:
            stat = os.stat(os.path.join(folder, path))
        except OSError:
            return False
        return known is not None and known.get(path) == (stat.st_size, stat.st_mtime_ns)

    # The owner's links and QR codes carry the site's real addresses: a build for another base_url
    # (a preview deploy, the dev server) leaves them as the last real build wrote them.
    owner_files = None
    if base_url is None:
        owner_files, qr_codes = render_owner_files(site, cache.qr_codes if cache is not None else {})
        if cache is not None:
            cache.qr_codes = qr_codes
    # Render workers write their outputs beside the output folder; write_site moves them in.
    remove_abandoned_staging(output_dir)
    stager = Stager.beside(output_dir) if jobs > 1 else None
    try:
        rendered = render_all(env, site, plan, cache, intact, progress, jobs, stager.place if stager else None)
        reused = frozenset(rendered.rendered) - frozenset(rendered.fresh)
        report = write_site(output_dir, rendered.rendered, plan.static, reused=reused, known=known)
    finally:
        if stager is not None:
            stager.remove()
    owner = write_files(offers_private_dir(root), owner_files) if owner_files is not None else None
    changed_feeds = changed_feed_urls(site, plan, report)
    # Only the published site is announced: a build for another base URL (a preview, the dev
    # server) or into another folder would send the hub feeds that nobody can fetch.
    publishing = base_url is None and output_dir.resolve() == (root / OUTPUT_DIR).resolve()
    if publishing and site.config.websub_hub and changed_feeds:
        write_pending(root, [*read_pending(root), *changed_feeds])
    return BuildResult(site, plan, report, output_dir, changed_feeds, rendered.fresh, rendered.processes, owner, warnings)


def changed_feed_urls(site: Site, plan: Plan, report: WriteReport) -> tuple[str, ...]:
    """Absolute URLs of the feeds whose bytes this build changed."""
    written = set(report.written)
    return tuple(sorted(site.absolute(o.url) for o in plan.outputs if o.kind == "feed" and o.path in written))
