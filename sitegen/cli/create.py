"""`sitegen init` and `sitegen new`: write a new site, or a new post, page or offer."""

from __future__ import annotations

import datetime as dt
import shlex
from pathlib import Path

import click

from ..config import load_config
from ..meta import slugify
from ..scaffold import new_item, write_scaffold
from .common import invocation, source_option


@click.command("init")
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
    go, command = f"cd {shlex.quote(str(directory))} &&", invocation()
    click.echo(
        f"\nNext, see your site while you write it (then open http://127.0.0.1:8000/):\n"
        f"  {go} {command} serve\n"
        f"and when you are ready to publish, write it to {directory / 'output'}:\n"
        f"  {go} {command} build"
    )


@click.command("new")
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
