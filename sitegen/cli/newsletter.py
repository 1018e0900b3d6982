"""`sitegen newsletter`: the newsletter's issues, drafted from what is new on the site."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..build import load_site
from ..config import load_config
from ..issues import draft_issue
from ..meta import parse_datetime
from ..site import BuildOptions
from .common import build_time, now_option, source_option


@click.group("newsletter")
def newsletter_group() -> None:
    """The newsletter: issues are content (content/newsletter/), drafted from what is new."""


@newsletter_group.command("draft")
@source_option
@click.option("--since", metavar="DATE", help="Carry what is new since this date (default: the newest issue's date).")
@now_option
def draft_command(source: Path, since: str | None, now: dt.datetime | None) -> None:
    """Write the next issue: every post, current offer and page update since the last issue, with a
    subject and an introduction to edit. Prints its path; with nothing new, says so and writes nothing."""
    config = load_config(source)
    moment = build_time(config, now)
    try:
        start = parse_datetime(since, config.tz) if since is not None else None
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--since") from None
    site, _ = load_site(source, BuildOptions(now=moment, drafts=True))
    drafted = draft_issue(site, start)
    if drafted is None:
        when = f"since {start:%Y-%m-%d}" if start else f"since the last issue ({site.newsletters[0].date:%Y-%m-%d})" if site.newsletters else "yet"
        click.echo(f"nothing new {when}: no issue written")
        return
    relative, text = drafted
    path = source / relative
    if path.exists():
        raise click.ClickException(f"{path} exists already: edit it, or remove it to draft again")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    click.echo(path)
    click.echo("Edit the subject (title) and the introduction, then remove `draft: true`.", err=True)
