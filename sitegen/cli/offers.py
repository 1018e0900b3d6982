"""`sitegen offers` and `sitegen next-change`: what the offers and the schedule say."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..build import load_site, offers_private_dir
from ..campaign import OWNER_FILES, campaign_links
from ..config import load_config
from ..model import Offer
from ..site import BuildOptions
from .common import build_time, now_option, source_option


@click.command("next-change")
@source_option
@click.option("--drafts", is_flag=True, help="Count drafts too, as `build --drafts` would.")
@click.option("--future", is_flag=True, help="As `build --future` would (future posts and offers are built already).")
@now_option
def next_change_command(source: Path, drafts: bool, future: bool, now: dt.datetime | None) -> None:
    """Print when the site next changes by itself (a scheduled post, an offer starting or ending, special opening hours ending), as ISO 8601.

    Prints nothing when no change is scheduled. For a scheduler: rebuild at that time.
    """
    config = load_config(source)
    site, _ = load_site(source, BuildOptions(now=build_time(config, now), drafts=drafts, future=future))
    if site.next_change:
        click.echo(site.next_change.isoformat())


@click.command("offers")
@source_option
@now_option
def offers_command(source: Path, now: dt.datetime | None) -> None:
    """List every offer with its state, the tracked links to hand out (email, social, print, QR) and its QR files."""
    config = load_config(source)
    moment = build_time(config, now)
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
