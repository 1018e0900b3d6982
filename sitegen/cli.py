"""The command line: parse arguments, call the library, print problems and a summary, pick the exit code."""

from __future__ import annotations

import datetime as dt
import gc
import os
import shlex
import shutil
import enum
import errno
import signal
import sys
import time
from pathlib import Path

import click

from .build import build, load_site, offers_private_dir
from .cache import CACHE_DIR, load_cache, save_cache
from .campaign import OWNER_FILES, campaign_links
from .config import CONFIG_FILE, Settings, load_config
from .meta import slugify
from .errors import Problem, SitegenError
from .pool import default_jobs
from .model import Offer
from .ping import ping_hub, read_pending, write_pending
from .site import BuildOptions
from .scaffold import new_item, write_scaffold
from .version import __version__


class ExitStatus(enum.IntEnum):
    """The exit codes sitegen promises."""

    OK = 0
    SITE_ERROR = 1
    """The content or the settings have problems (or a file could not be written)."""
    USAGE = 2
    """The command line was wrong (click's own code for usage errors)."""
    INTERRUPTED = 130


def _report(error: SitegenError) -> None:
    for problem in error.problems:
        click.secho("error: ", fg="red", bold=True, err=True, nl=False)
        click.echo(str(problem), err=True)
    count = len(error.problems)
    tail = "; nothing was written." if error.nothing_written else "."
    click.echo(f"{count} error{'s' if count != 1 else ''}{tail}", err=True)


def _warn(text: str) -> None:
    click.secho("warning: ", fg="yellow", bold=True, err=True, nl=False)
    click.echo(text, err=True)


source_option = click.option(
    "--source",
    "-s",
    "source",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The site folder (the one holding sitegen.toml).",
)


def _parse_now(context: click.Context, parameter: click.Parameter, value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"expected an ISO 8601 date and time like 2026-03-01T09:00:00+01:00, got {value!r}") from None


now_option = click.option(
    "--now",
    metavar="TIME",
    callback=_parse_now,
    help="Build as if it were this time (ISO 8601; without a zone, the site's). Overrides `now` in sitegen.toml.",
)


def _build_time(config: Settings, now: dt.datetime | None) -> dt.datetime:
    """--now, else the `now` setting, else the clock: the CLI is where the wall clock is read."""
    chosen = now or config.now or dt.datetime.now(dt.timezone.utc)
    return chosen if chosen.tzinfo else chosen.replace(tzinfo=config.tz)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="sitegen")
def cli() -> None:
    """Turn a folder of Markdown into a small business's website, feeds and offer pages."""


@cli.command("build")
@source_option
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path), help="Where to write the site [default: SOURCE/output].")
@click.option("--drafts", is_flag=True, help="Include posts, pages and offers marked draft.")
@click.option("--future", is_flag=True, help="Include posts dated in the future and offers that have not started.")
@click.option("--base-url", metavar="URL", help="Override base_url from sitegen.toml (for a preview deploy).")
@now_option
@click.option("--no-cache", is_flag=True, help="Neither use nor update the build cache (.sitegen-cache/).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=default_jobs, show_default="one per core", help="Processes to parse and render with.")
def build_command(
    source: Path, output: Path | None, drafts: bool, future: bool, base_url: str | None, now: dt.datetime | None, no_cache: bool, jobs: int
) -> None:
    """Build the site into the output folder, writing only files that changed."""
    started = time.perf_counter()
    cache = None
    if not no_cache:
        cache, warnings = load_cache(source / CACHE_DIR)
        gc.freeze()  # the loaded cache lives as long as the process: keep it out of the collector's passes
        for warning in warnings:
            _warn(warning)
    config = load_config(source, base_url=base_url, cache=cache)
    progress = _Progress()
    try:
        result = build(
            source, output, now=_build_time(config, now), drafts=drafts, future=future, base_url=base_url, cache=cache, progress=progress, jobs=jobs,
            wall_clock_ns=time.time_ns(),
        )
    finally:
        progress.close()
    if cache is not None:
        save_cache(source / CACHE_DIR, cache)
    for problem in result.warnings:
        _warn(str(problem))
    click.echo(summary(result, time.perf_counter() - started))
    site = result.site
    if left_out := left_out_line(site):
        click.echo(left_out)
    if site.next_change:
        click.echo(f"next change: {site.next_change.isoformat()} (rebuild then; `sitegen next-change` prints it for a scheduler)")


def summary(result, seconds: float) -> str:
    """The line a build ends with: what was built, what was rendered or reused, what was written."""
    site, report, plan = result.site, result.report, result.plan
    feeds = sum(1 for o in plan.outputs if o.kind == "feed")
    pages = sum(1 for o in plan.outputs if o.path.endswith(".html"))
    reused = len(plan.outputs) - len(result.rendered)

    def count(number: int, word: str) -> str:
        return f"{number} {word}{'' if number == 1 else 's'}"

    return (
        f"built {count(len(site.posts), 'post')}, {count(len(site.pages), 'page')}, {count(len(site.offers), 'offer')}: "
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


@cli.command("serve")
@source_option
@click.option("--port", "-p", default=8000, show_default=True, help="The port to serve on (0: any free port).")
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on; 0.0.0.0 shows the site to your network.")
@click.option("--drafts", is_flag=True, help="Include drafts (they never reach output/: the server builds into a private folder).")
@click.option("--future", is_flag=True, help="Include future posts and offers that have not started.")
@click.option("--open", "open_browser", is_flag=True, help="Open the site in your web browser.")
@click.option("--poll", is_flag=True, help="Poll for changes instead of file-system events (network and container mounts).")
@now_option
@click.option("--no-cache", is_flag=True, help="Neither use nor update the build cache (.sitegen-cache/).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=default_jobs, show_default="one per core", help="Processes for the first build.")
def serve_command(
    source: Path, port: int, host: str, drafts: bool, future: bool, open_browser: bool, poll: bool, now: dt.datetime | None, no_cache: bool, jobs: int
) -> None:
    """Serve the site locally, rebuild on every change, and reload open browser tabs."""
    from .serve import DevServer, served_by  # watchdog and the HTTP server only load for this command

    config = load_config(source)

    def clock() -> dt.datetime:
        return _build_time(config, now)

    def log(outcome) -> None:
        stamp = time.strftime("%H:%M:%S")
        if outcome.problems:
            _report(SitegenError(outcome.problems, nothing_written=False))
        for problem in outcome.result.warnings if outcome.result is not None else ():
            _warn(str(problem))
        click.echo(f"{stamp} {served_by(outcome)}")

    try:
        server = DevServer(
            source, host=host, port=port, drafts=drafts, future=future, poll=poll, clock=clock, log=log,
            cache_folder=None if no_cache else source / CACHE_DIR, jobs=jobs,
        )
    except OSError as error:
        hint = ""
        if error.errno == errno.EADDRINUSE:
            hint = f" (is another `sitegen serve` running? Stop it, or choose another port: --port {port + 1 if port else 8001})"
        raise click.UsageError(f"cannot listen on {host}:{port}: {error.strerror or error}{hint}") from None
    # A service manager's stop (SIGTERM) ends the server as cleanly as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda signum, frame: (_ for _ in ()).throw(KeyboardInterrupt()))
    for warning in server.cache_warnings:
        _warn(warning)
    click.echo(f"Building the site for {server.url}/ ...")
    server.start()
    click.echo(f"Serving {server.url}/  (watching {source.resolve()}; Ctrl-C to stop)")
    if open_browser:
        import webbrowser  # here, not at the top: every other command would pay for importing it

        webbrowser.open(server.url + "/")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        click.echo("\nstopping")
    finally:
        server.stop()


@cli.command("next-change")
@source_option
@click.option("--drafts", is_flag=True, help="Count drafts too, as `build --drafts` would.")
@click.option("--future", is_flag=True, help="As `build --future` would (future posts and offers are built already).")
@now_option
def next_change_command(source: Path, drafts: bool, future: bool, now: dt.datetime | None) -> None:
    """Print when the site next changes by itself (a scheduled post, an offer starting or ending, special opening hours ending), as ISO 8601.

    Prints nothing when no change is scheduled. For a scheduler: rebuild at that time.
    """
    config = load_config(source)
    site, _ = load_site(source, BuildOptions(now=_build_time(config, now), drafts=drafts, future=future))
    if site.next_change:
        click.echo(site.next_change.isoformat())


@cli.command("offers")
@source_option
@now_option
def offers_command(source: Path, now: dt.datetime | None) -> None:
    """List every offer with its state, the tracked links to hand out (email, social, print, QR) and its QR files."""
    config = load_config(source)
    moment = _build_time(config, now)
    site, _ = load_site(source, BuildOptions(now=moment, future=True))
    if not site.offers:
        click.echo("no offers: add one with `sitegen new offer \"Title\"`")
    for offer in site.offers:
        state = offer_state(offer)
        click.secho(f"{offer.slug}: {offer.title}", bold=True)
        click.echo(f"  {state}" + ("" if offer.listed else ", unlisted (reachable by link only)"))
        for channel, link in campaign_links(offer):
            click.echo(f"  {channel.name + ':':8}{link}")
        folder = offers_private_dir(source) / offer.slug
        qr_files = [folder / name for name in OWNER_FILES if name.startswith("qr.")]
        missing = ""
        if not all(path.is_file() for path in qr_files):
            missing = " (the first build after it starts writes them)" if offer.phase == "upcoming" else " (`sitegen build` writes them)"
        click.echo(f"  {'qr code:':8}{', '.join(map(str, qr_files))}{missing}")


def offer_state(offer: Offer) -> str:
    """'current until ...', 'starts ...', 'ended ...', for people: the offer's phase at the build's now."""
    if offer.phase == "upcoming":
        return f"starts {offer.valid_from.isoformat()}"
    if offer.phase == "ended":
        return f"ended {offer.valid_until.isoformat()}"
    return f"current until {offer.valid_until.isoformat()}" if offer.valid_until else "current, no end date"


@cli.command("ping")
@source_option
@click.option("--all", "everything", is_flag=True, help="Announce every feed, not only those changed since the last ping.")
@click.option("--base-url", metavar="URL", help="The base_url the site was built with, if overridden.")
def ping_command(source: Path, everything: bool, base_url: str | None) -> None:
    """Tell the WebSub hub (websub_hub in sitegen.toml) which feeds changed, so readers get them at once."""
    config = load_config(source, base_url=base_url)
    if not config.websub_hub:
        raise SitegenError([Problem(CONFIG_FILE, field="websub_hub", message="not set: there is no hub to ping", hint="set websub_hub = 'https://...'")])
    if everything:
        site, plan = load_site(source, BuildOptions(now=_build_time(config, None)), base_url=base_url)
        urls = sorted(site.absolute(o.url) for o in plan.outputs if o.kind == "feed")
    else:
        urls = read_pending(source)
    if not urls:
        click.echo("no feed changed since the last ping; nothing to announce")
        return
    announced, problems = ping_hub(config.websub_hub, urls)
    write_pending(source, sorted(set(urls) - set(announced)) if not everything else read_pending(source))
    for url in announced:
        click.echo(f"announced {url}")
    if problems:
        raise SitegenError(problems, nothing_written=False)
    click.echo(f"told {config.websub_hub} about {len(announced)} feed{'s' if len(announced) != 1 else ''}")


@cli.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", default="My Business", show_default=True, help="The site's title.")
def init_command(directory: Path, title: str) -> None:
    """Create a new site in DIRECTORY: settings, a post, a page and an offer."""
    if directory.exists() and any(directory.iterdir()):
        raise click.UsageError(f"{directory} is not empty; choose a new or empty folder")
    # The scaffold's zone is UTC: its first post is dated today there, so the first build shows it at any hour.
    written = write_scaffold(directory, title=title, today=dt.datetime.now(dt.timezone.utc).date())
    for path in written:
        click.echo(f"created {path}")
    go, command = f"cd {shlex.quote(str(directory))} &&", _invocation()
    click.echo(
        f"\nNext, see your site while you write it (then open http://127.0.0.1:8000/):\n"
        f"  {go} {command} serve\n"
        f"and when you are ready to publish, write it to {directory / 'output'}:\n"
        f"  {go} {command} build"
    )


def _invocation() -> str:
    """How to run this sitegen again from any folder: `sitegen` when that is the one on PATH, else its full path."""
    script = Path(sys.argv[0])
    if script.name == "__main__.py":  # python -m sitegen
        return f"{shlex.quote(sys.executable)} -m sitegen"
    found = shutil.which("sitegen")
    if found and script.exists() and Path(found).resolve() == script.resolve():
        return "sitegen"
    return shlex.quote(str(script.resolve()))


@cli.command("new")
@click.argument("kind", type=click.Choice(["post", "page", "offer"]))
@click.argument("title")
@source_option
@click.option("--slug", help="The file's slug [default: from the title].")
def new_command(kind: str, title: str, source: Path, slug: str | None) -> None:
    """Write a new post, page or offer with its front matter filled in, and print its path."""
    config = load_config(source)
    now = dt.datetime.now(config.tz).replace(second=0, microsecond=0)
    path = new_item(source, kind, title, slug or slugify(title), now)
    click.echo(path)


GC_THRESHOLDS = (100_000, 50, 100)
"""Allocations between collections of young objects (Python's default is 700), and how many of
those before older ones are examined (default 10, 10)."""


def main() -> None:
    """Entry point of the sitegen command."""
    # Keep what the imports made (classes, modules) out of every later collection, and collect
    # young objects far less often than Python's default: a build makes hundreds of thousands of
    # objects that live to its end, and the default collected them over and over, about a tenth
    # of a small rebuild. mypy's command line does the same.
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    _leave(_run())


def _run() -> int:
    """Run the command line; its exit status."""
    try:
        status = cli.main(standalone_mode=False, prog_name="sitegen")
    except SitegenError as error:
        _report(error)
        return ExitStatus.SITE_ERROR
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("interrupted", err=True)
        return ExitStatus.INTERRUPTED
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except OSError as error:
        click.secho("error: ", fg="red", bold=True, err=True, nl=False)
        click.echo(f"{error.filename or ''}: {error.strerror or error}", err=True)
        return ExitStatus.SITE_ERROR
    return status if isinstance(status, int) else ExitStatus.OK


def _leave(status: int) -> None:
    """Exit without tearing the heap down object by object (the loaded cache: 20-40 ms of every
    command). Nothing is left to clean up: worker pools are closed, files written and renamed."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more can reach it
            pass
    os._exit(int(status))


if __name__ == "__main__":
    main()
