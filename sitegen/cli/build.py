"""`sitegen build`: build the site, and the summary it ends with."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import sys
import time
from pathlib import Path

import click

from ..build import BuildResult, Memos, build
from ..cache import CACHE_DIR, DiskCache
from ..config import read_settings
from ..pool import default_jobs
from .common import build_time, now_option, source_option, warn


def build_options(command):
    """The options of `sitegen build`, which `sitegen publish` takes too."""
    for option in reversed((
        source_option,
        click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path), help="Where to write the site [default: SOURCE/output]."),
        click.option("--drafts", is_flag=True, help="Include posts, pages and offers marked draft."),
        click.option("--future", is_flag=True, help="Include posts dated in the future and offers that have not started."),
        click.option("--base-url", metavar="URL", help="Override base_url from sitegen.toml (for a preview deploy)."),
        now_option,
        click.option("--no-cache", is_flag=True, help="Neither use nor update the build cache (.sitegen-cache/)."),
        click.option("--jobs", "-j", type=click.IntRange(min=1), default=default_jobs, show_default="one per core", help="Processes to parse and render with."),
    )):
        command = option(command)
    return command


@click.command("build")
@build_options
def build_command(
    source: Path, output: Path | None, drafts: bool, future: bool, base_url: str | None, now: dt.datetime | None, no_cache: bool, jobs: int
) -> None:
    """Build the site into the output folder, writing only files that changed."""
    site = run_build(source, output, drafts, future, base_url, now, no_cache, jobs).site
    if site.next_change:
        click.echo(f"next change: {site.next_change.isoformat()} (rebuild then; `sitegen next-change` prints it for a scheduler)")


def run_build(
    source: Path, output: Path | None, drafts: bool, future: bool, base_url: str | None, now: dt.datetime | None, no_cache: bool, jobs: int
) -> BuildResult:
    """Build as `sitegen build` does, printing its warnings and summary; the build's result."""
    started = time.perf_counter()
    cache, memos = None, Memos()
    if not no_cache:
        cache = DiskCache(source / CACHE_DIR)
        memos, warnings = cache.load(Memos)
        gc.freeze()  # the loaded memos live as long as the process: keep them out of the collector's passes
        for warning in warnings:
            warn(warning)
    config, config_memo = read_settings(source, base_url, memos.config)  # the build's time may be set there
    progress = _Progress()
    try:
        result = build(
            source, output, now=build_time(config, now), drafts=drafts, future=future, base_url=base_url,
            memos=dataclasses.replace(memos, config=config_memo), cache_folder=cache.folder if cache else None, progress=progress, jobs=jobs,
            wall_clock_ns=time.time_ns(),
        )
    finally:
        progress.close()
    if cache is not None:
        cache.save(result.memos)
    for problem in result.warnings:
        warn(str(problem))
    click.echo(summary(result, time.perf_counter() - started))
    if left_out := left_out_line(result.site):
        click.echo(left_out)
    return result


def summary(result, seconds: float) -> str:
    """The line a build ends with: what was built, what was rendered or reused, what was written."""
    site, report, plan = result.site, result.report, result.plan
    feeds = sum(1 for o in plan.outputs if o.kind == "feed")
    pages = sum(1 for o in plan.outputs if o.path.endswith(".html"))
    reused = len(plan.outputs) - len(result.rendered)

    def count(number: int, word: str) -> str:
        return f"{number} {word}{'' if number == 1 else 's'}"

    issues = f", {count(len(site.newsletters), 'newsletter issue')}" if site.newsletters else ""
    return (
        f"built {count(len(site.posts), 'post')}, {count(len(site.pages), 'page')}, {count(len(site.offers), 'offer')}{issues}: "
        f"{count(pages, 'HTML page')}, {count(feeds, 'feed')}, {count(len(plan.static), 'static file')}; "
        f"rendered {len(result.rendered)}, {reused} from cache; "
        f"{len(report.written)} written, {report.unchanged} unchanged, {len(report.removed)} removed; "
        f"{seconds:.2f} s -> {result.output_dir}"
    )


def left_out_line(site) -> str | None:
    """'left out 2 drafts (--drafts includes them) and ...', or None when nothing was left out."""
    parts = []
    if site.drafts_left_out:
        many = site.drafts_left_out != 1
        parts.append(f"{site.drafts_left_out} draft{'s' if many else ''} (--drafts includes {'them' if many else 'it'})")
    if site.scheduled_left_out:
        many = site.scheduled_left_out != 1
        parts.append(
            f"{site.scheduled_left_out} scheduled post{'s' if many else ''} or offer{'s' if many else ''} not yet due "
            f"(--future includes {'them' if many else 'it'})"
        )
    return "left out " + " and ".join(parts) if parts else None


class _Progress:
    """A one-line progress display on a terminal, shown only once a build has run a second."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.shown = 0.0
        self.active = sys.stderr.isatty()

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if not self.active or now - self.started < 1 or (now - self.shown < 0.1 and done < total):
            return
        self.shown = now
        width = 30
        filled = width * done // max(total, 1)
        click.echo(f"\r{stage:10} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", err=True, nl=False)

    def close(self) -> None:
        if self.active and self.shown:
            click.echo("\r\033[K", err=True, nl=False)
