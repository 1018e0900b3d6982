"""`sitegen serve`: the dev server on the command line."""

from __future__ import annotations

import datetime as dt
import errno
import signal
import time
from pathlib import Path

import click

from ..cache import CACHE_DIR
from ..config import load_config
from ..errors import SitegenError
from ..pool import default_jobs
from .common import build_time, now_option, report, source_option, warn


@click.command("serve")
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
    from ..serve import DevServer, served_by  # watchdog and the HTTP server only load for this command

    config = load_config(source)

    def clock() -> dt.datetime:
        return build_time(config, now)

    def log(outcome) -> None:
        stamp = time.strftime("%H:%M:%S")
        if outcome.problems:
            report(SitegenError(outcome.problems, nothing_written=False))
        for problem in outcome.result.warnings if outcome.result is not None else ():
            warn(str(problem))
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
    # A service manager's stop (SIGTERM) ends the server as cleanly as Ctrl-C does; and Ctrl-C (SIGINT)
    # stops it even when it was started by a process that ignores SIGINT (a script's background job,
    # nohup), which Python would otherwise keep ignoring.
    signal.signal(signal.SIGTERM, lambda signum, frame: (_ for _ in ()).throw(KeyboardInterrupt()))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for warning in server.cache_warnings:
        warn(warning)
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
