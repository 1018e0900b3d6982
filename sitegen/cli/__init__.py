"""The command line: parse arguments, call the library, print problems and a summary, pick the exit
code. One module per command group; this one holds the group and the entry point."""

from __future__ import annotations

import gc
import sys

import click

from ..errors import SitegenError
from ..version import __version__
from .build import build_command
from .common import ExitStatus, report
from .create import init_command, new_command
from .importing import import_command
from .newsletter import newsletter_group
from .offers import next_change_command, offers_command
from .ping import ping_command
from .publish import publish_command
from .serve import serve_command
from .subscribers import subscribers_group


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="sitegen")
def cli() -> None:
    """Turn a folder of Markdown into a small business's website, feeds and offer pages."""


for _command in (build_command, publish_command, serve_command, next_change_command, offers_command, ping_command, init_command, new_command, newsletter_group, subscribers_group, import_command):
    cli.add_command(_command)


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
    sys.exit(_run())


def _run() -> int:
    """Run the command line; its exit status."""
    try:
        status = cli.main(standalone_mode=False, prog_name="sitegen")
    except SitegenError as error:
        report(error)
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
