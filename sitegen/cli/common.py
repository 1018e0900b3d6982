"""What every command shares: exit codes, how problems and warnings are printed, the common options."""

from __future__ import annotations

import datetime as dt
import enum
import shlex
import shutil
import sys
from pathlib import Path

import click

from ..config import Settings
from ..errors import SitegenError


class ExitStatus(enum.IntEnum):
    """The exit codes sitegen promises."""

    OK = 0
    SITE_ERROR = 1
    """The content or the settings have problems (or a file could not be written)."""
    USAGE = 2
    """The command line was wrong (click's own code for usage errors)."""
    INTERRUPTED = 130


def report(error: SitegenError) -> None:
    for problem in error.problems:
        click.secho("error: ", fg="red", bold=True, err=True, nl=False)
        click.echo(str(problem), err=True)
    count = len(error.problems)
    tail = "; nothing was written." if error.nothing_written else "."
    click.echo(f"{count} error{'s' if count != 1 else ''}{tail}", err=True)


def warn(text: str) -> None:
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


def invocation(*, absolute: bool = False) -> str:
    """How to run this sitegen again from any folder: `sitegen` when that is the one on PATH (unless
    absolute: a scheduler's PATH is not the owner's), else its full path."""
    script = Path(sys.argv[0])
    if script.name == "__main__.py":  # python -m sitegen
        return f"{shlex.quote(sys.executable)} -m sitegen"
    found = shutil.which("sitegen")
    if not absolute and found and script.exists() and Path(found).resolve() == script.resolve():
        return "sitegen"
    return shlex.quote(str(script.resolve()))


def build_time(config: Settings, now: dt.datetime | None) -> dt.datetime:
    """--now, else the `now` setting, else the clock: the CLI is where the wall clock is read."""
    chosen = now or config.now or dt.datetime.now(dt.timezone.utc)
    return chosen if chosen.tzinfo else chosen.replace(tzinfo=config.tz)
