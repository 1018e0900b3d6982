"""`sitegen ping`: tell the WebSub hub which feeds changed."""

from __future__ import annotations

from pathlib import Path

import click

from ..build import load_site
from ..config import CONFIG_FILE, load_config
from ..errors import Problem, SitegenError
from ..ping import ping_hub, read_pending, write_pending
from ..site import BuildOptions
from .common import build_time, source_option


@click.command("ping")
@source_option
@click.option("--all", "everything", is_flag=True, help="Announce every feed, not only those changed since the last ping.")
@click.option("--base-url", metavar="URL", help="The base_url the site was built with, if overridden.")
def ping_command(source: Path, everything: bool, base_url: str | None) -> None:
    """Tell the WebSub hub (websub_hub in sitegen.toml) which feeds changed, so readers get them at once."""
    config = load_config(source, base_url=base_url)
    if not config.websub_hub:
        raise SitegenError([Problem(CONFIG_FILE, field="websub_hub", message="not set: there is no hub to ping", hint="set websub_hub = 'https://...'")])
    if everything:
        site, plan = load_site(source, BuildOptions(now=build_time(config, None)), base_url=base_url)
        urls = sorted(site.absolute(o.url) for o in plan.outputs if o.kind == "feed")
        if not urls:
            click.echo("no feed changed since the last ping; nothing to announce")
            return
        announced, problems = ping_hub(config.websub_hub, urls)
    else:
        announced, problems = announce_pending(source, config.websub_hub)
        if not announced and not problems:
            click.echo("no feed changed since the last ping; nothing to announce")
            return
    for url in announced:
        click.echo(f"announced {url}")
    if problems:
        raise SitegenError(problems, nothing_written=False)
    click.echo(f"told {config.websub_hub} about {len(announced)} feed{'s' if len(announced) != 1 else ''}")


def announce_pending(source: Path, hub: str) -> tuple[list[str], list[Problem]]:
    """Tell the hub about the feeds waiting to be announced; those it was not told of stay waiting."""
    urls = read_pending(source)
    if not urls:
        return [], []
    announced, problems = ping_hub(hub, urls)
    write_pending(source, sorted(set(urls) - set(announced)))
    return announced, problems
