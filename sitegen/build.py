"""build(): the pipeline, in a few lines."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .campaign import OwnerFilesMemo, render_owner_files
from .config import ConfigMemo, read_settings
from .content import ContentMemo, read_content
from .errors import Problem
from .feeds import FeedsMemo, build_feeds
from .fingerprint import Fingerprinter, FingerprintMemo
from .links import check_links
from .model import Site
from .ping import read_pending, write_pending
from .placeholders import placeholder_warnings
from .plan import Plan, PlanMemo, fingerprinter, plan_outputs
from .render import RenderMemo, environment, render_all
from .site import BuildOptions, SiteMemo, build_site
from .theme import Theme, load_theme, theme_static
from .write import Stager, WriteMemo, WriteReport, remove_abandoned_staging, write_files, write_site

OUTPUT_DIR = "output"
PRIVATE_DIR = "private"
"""The owner's files, beside output/ and never in it, so a host never serves them: each offer's
tracked links and QR codes now (and the subscriber service's data later)."""


def offers_private_dir(root: Path) -> Path:
    """Where builds write each offer's links.txt, qr.svg and qr.png: <root>/private/offers/<slug>/."""
    return Path(root) / PRIVATE_DIR / "offers"


@dataclass(frozen=True)
class Memos:
    """What each step of a build may reuse from the last one: each step's memo, declared beside it.

    A build takes them and returns new ones (BuildResult.memos); cache.DiskCache keeps them between
    commands, the dev server in memory from build to build. A build with memos gives exactly the
    bytes a build without gives.
    """

    config: ConfigMemo = field(default_factory=ConfigMemo)
    content: ContentMemo = field(default_factory=ContentMemo)
    site: SiteMemo = field(default_factory=SiteMemo)
    feeds: FeedsMemo = field(default_factory=FeedsMemo)
    plan: PlanMemo = field(default_factory=PlanMemo)
    fingerprints: FingerprintMemo = field(default_factory=FingerprintMemo)
    render: RenderMemo = field(default_factory=RenderMemo)
    write: WriteMemo = field(default_factory=WriteMemo)
    owner_files: OwnerFilesMemo = field(default_factory=OwnerFilesMemo)


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
    memos: Memos = field(default_factory=Memos)
    """What the next build may reuse."""


def load_site(
    root: Path,
    options: BuildOptions,
    *,
    base_url: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    jobs: int = 1,
    wall_clock_ns: int | None = None,
) -> tuple[Site, Plan]:
    """Read, check and plan a site without rendering or writing anything."""
    loaded = _load(root, options, base_url, Memos(), progress, jobs, wall_clock_ns)
    return loaded.site, loaded.plan


@dataclass(frozen=True)
class _Loaded:
    site: Site
    plan: Plan
    theme: Theme
    warnings: tuple[Problem, ...]
    memos: Memos
    fingerprint: Fingerprinter
    """The build's: what the plan digested, rendering need not digest again."""


def _load(root, options, base_url, memos: Memos, progress, jobs, wall_clock_ns) -> _Loaded:
    """load_site(), with the theme it resolved (rendering needs it too), the warnings of the content, and the new memos."""
    config, config_memo = read_settings(root, base_url, memos.config)
    theme = load_theme(root, config.theme)
    content, content_memo = read_content(root, config, memos.content, progress, jobs, wall_clock_ns)
    site, site_memo = build_site(content, config, options, memos.site)
    feeds, feeds_memo = build_feeds(site, memos.feeds)
    fingerprint = fingerprinter(memos.fingerprints)
    plan, plan_memo = plan_outputs(site, feeds, theme_static(theme, content.static_files), memos.plan, fingerprint)
    check_links(site, plan, content)
    memos = dataclasses.replace(memos, config=config_memo, content=content_memo, site=site_memo, feeds=feeds_memo, plan=plan_memo)
    return _Loaded(site, plan, theme, content.warnings + placeholder_warnings(site), memos, fingerprint)


def build(
    root: Path,
    output_dir: Path | None = None,
    *,
    now: dt.datetime,
    drafts: bool = False,
    future: bool = False,
    base_url: str | None = None,
    memos: Memos | None = None,
    cache_folder: Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    jobs: int = 1,
    wall_clock_ns: int | None = None,
) -> BuildResult:
    """Build the site at root into output_dir (default root/output); raises SitegenError before writing anything.

    memos (the last build's BuildResult.memos, or loaded from the cache folder) make this build
    faster and change nothing in what it writes; cache_folder keeps compiled templates.
    wall_clock_ns (time.time_ns() as the build starts) lets it trust the status of settled files (read_content).
    """
    root = Path(root)
    output_dir = Path(output_dir) if output_dir is not None else root / OUTPUT_DIR
    options = BuildOptions(now=now, drafts=drafts, future=future)
    loaded = _load(root, options, base_url, memos if memos is not None else Memos(), progress, jobs, wall_clock_ns)
    site, plan, memos = loaded.site, loaded.plan, loaded.memos
    env, render_memo = environment(root, loaded.theme, memos.render, cache_folder)
    folder_key = str(output_dir.resolve())
    known = memos.write.written.get(folder_key, {})
    folder = os.fspath(output_dir)

    def intact(path: str) -> bool:
        """Whether the output file is as we wrote it (size and time), so its bytes need not be rendered."""
        try:
            stat = os.stat(os.path.join(folder, path))
        except OSError:
            return False
        return known.get(path) == (stat.st_size, stat.st_mtime_ns)

    # The owner's links and QR codes carry the site's real addresses: a build for another base_url
    # (a preview deploy, the dev server) leaves them as the last real build wrote them.
    owner_files, owner_memo = None, memos.owner_files
    if base_url is None:
        owner_files, owner_memo = render_owner_files(site, memos.owner_files)
    # Render workers write their outputs beside the output folder; write_site moves them in.
    remove_abandoned_staging(output_dir)
    stager = Stager.beside(output_dir) if jobs > 1 else None
    fingerprint = loaded.fingerprint
    try:
        rendered = render_all(env, site, plan, render_memo, fingerprint, intact, progress, jobs, stager.place if stager else None)
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
    memos = dataclasses.replace(
        memos,
        fingerprints=fingerprint.memo(),
        render=rendered.memo,
        write=WriteMemo({**memos.write.written, folder_key: report.files}),
        owner_files=owner_memo,
    )
    return BuildResult(site, plan, report, output_dir, changed_feeds, rendered.fresh, rendered.processes, owner, loaded.warnings, memos)


def changed_feed_urls(site: Site, plan: Plan, report: WriteReport) -> tuple[str, ...]:
    """Absolute URLs of the feeds whose bytes this build changed."""
    written = set(report.written)
    return tuple(sorted(site.absolute(o.url) for o in plan.outputs if o.kind == "feed" and o.path in written))
