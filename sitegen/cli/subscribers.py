"""`sitegen subscribers ...`: run the subscriber service, and look after the list (list, add, remove,
import, export, stats). Secrets come from the environment only: SITEGEN_SECRET (else private/secret.key),
SITEGEN_SMTP_URL (else [sending] smtp_host with SITEGEN_SMTP_PASSWORD)."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import logging
import os
import sys
from collections import Counter
from pathlib import Path

import click

from ..config import load_config
from ..errors import Problem, SitegenError
from .common import source_option

# The service's modules (Starlette, email-validator, the SMTP client) load inside the commands that use
# them, so every other sitegen command starts as fast as before.

STATUSES = ("pending", "confirmed", "unsubscribed")
"""As store.STATUSES (a test keeps the two the same)."""
FORMATS = ("mailchimp", "buttondown", "plain")
"""As imports.FORMATS (a test keeps the two the same)."""
EXPORT_FIELDS = ("email", "name", "status", "topics", "consent_at", "signed_up_at", "confirmed_at", "unsubscribed_at", "source")


def now() -> dt.datetime:
    """The wall clock, in UTC: the commands are where it is read."""
    return dt.datetime.now(dt.timezone.utc)


def secret_for(source: Path) -> bytes:
    from ..subscribers.tokens import load_secret

    return load_secret(source, os.environ.get("SITEGEN_SECRET"))


def open_list(source: Path) -> tuple:
    from ..subscribers.service import open_list as open_store_of  # Starlette loads only for these commands

    secret = secret_for(source)
    config, store = open_store_of(source, secret)
    return config, store, secret


@click.group("subscribers")
def subscribers_group() -> None:
    """Your own email list: the service that keeps it, and commands to look after it."""


@subscribers_group.command("serve")
@source_option
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on: keep 127.0.0.1 behind a reverse proxy.")
@click.option("--port", "-p", default=8025, show_default=True, help="The port to listen on.")
def serve_command(source: Path, host: str, port: int) -> None:
    """Run the subscriber service: sign-ups, confirmations, preferences, one-click unsubscribes, and the mail they send."""
    import uvicorn

    from ..mail import parse_smtp_url, server_from_settings
    from ..subscribers.service import make_app

    config = load_config(source)
    url = os.environ.get("SITEGEN_SMTP_URL")
    smtp = parse_smtp_url(url) if url else server_from_settings(config.sending, os.environ.get("SITEGEN_SMTP_PASSWORD"))
    if smtp is None:
        raise SitegenError([Problem("SITEGEN_SMTP_URL", message="no mail server to send confirmations through: set SITEGEN_SMTP_URL "
                                    "(smtp+starttls://user:password@smtp.example.com:587), or [sending] smtp_host in sitegen.toml")])
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    app = make_app(source, secret=secret_for(source), smtp=smtp, clock=now)
    click.echo(f"Serving the subscriber list of {config.title} for {config.subscribers.url} on http://{host}:{port}/ "
               f"(mail through {smtp}; Ctrl-C to stop)", err=True)
    # Behind a reverse proxy on this machine, the visitor's address comes in X-Forwarded-For: uvicorn
    # trusts it from the addresses in FORWARDED_ALLOW_IPS (default 127.0.0.1) only.
    server = uvicorn.Server(uvicorn.Config(
        app, host=host, port=port, access_log=False, log_config=None, server_header=False, proxy_headers=True,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"), timeout_graceful_shutdown=30,
    ))
    server.run()
    if not server.started:
        raise click.UsageError(f"cannot listen on {host}:{port} (is the service running already? choose another port with --port)")


@subscribers_group.command("list")
@source_option
@click.option("--status", type=click.Choice(STATUSES), help="Only subscribers with this status.")
def list_command(source: Path, status: str | None) -> None:
    """List the subscribers: address, status, topics, and when they signed up."""
    _, store, _ = open_list(source)
    with contextlib.closing(store):
        subscribers = store.subscribers(status)
        for subscriber in subscribers:
            paused = " (paused)" if subscriber.paused else ""
            click.echo(f"{subscriber.email}\t{subscriber.status}{paused}\t{','.join(subscriber.topics)}\t{subscriber.created_at:%Y-%m-%d}")
        click.echo(f"{len(subscribers)} subscriber{'s' if len(subscribers) != 1 else ''}", err=True)


@subscribers_group.command("add")
@source_option
@click.argument("email")
@click.option("--name", default="", help="Their first name.")
@click.option("--topic", "topics", multiple=True, help="A topic (a tag's or category's slug, offers, all); repeat for more. Default: all.")
@click.option("--consent", default="", metavar="TEXT",
              help="How they gave you permission (\"signed up on paper at the counter, 2026-05-02\"): they are added as confirmed, with this as their consent record. Without it they get a confirmation email.")
def add_command(source: Path, email: str, name: str, topics: tuple[str, ...], consent: str) -> None:
    """Add one address: confirmed with --consent, else pending with a confirmation email (the service sends it)."""
    from ..subscribers.forms import FormError, parse_address, parse_name, parse_topics
    from ..subscribers.tokens import suppression_hash

    config, store, secret = open_list(source)
    with contextlib.closing(store):
        letters = _letters(source, config, store, secret, mailing=not consent)
        try:
            address = parse_address(email)
        except FormError as error:
            raise click.BadParameter(str(error), param_hint="EMAIL") from None
        chosen, unknown = parse_topics(topics, letters.pages.topics)
        if unknown:
            raise click.BadParameter(f"no topic {', '.join(map(repr, unknown))} on this site; topics are {', '.join(sorted(letters.pages.topics))}", param_hint="--topic")
        if store.suppressed(suppression_hash(secret, address.key)):
            raise SitegenError([Problem(address.email, message="is on the suppression list (they unsubscribed or deleted their data): "
                                        "only they can sign up again, on your Subscribe page")])
        moment = now()
        with store.atomic():
            added = store.add(email=address.email, email_key=address.key, name=parse_name(name), topics=chosen, now=moment, source="cli",
                              confirmed_at=moment if consent else None, evidence=consent)
            if added is not None and not consent:
                store.count_confirmation(added, moment)
                letters.queue_confirmation(added)
    if added is None:
        raise SitegenError([Problem(address.email, message="is on the list already (`sitegen subscribers list` shows it)")])
    click.echo(f"added {address.email} as {'confirmed' if consent else 'pending: a confirmation email is queued'}")


@subscribers_group.command("remove")
@source_option
@click.argument("email")
@click.option("--delete", is_flag=True, help="Delete everything kept about them, not just unsubscribe (only a keyed hash stays, on the suppression list).")
def remove_command(source: Path, email: str, delete: bool) -> None:
    """Unsubscribe an address (it goes on the suppression list), or with --delete, delete it."""
    from ..subscribers.forms import FormError, parse_address
    from ..subscribers.tokens import suppression_hash

    _, store, secret = open_list(source)
    with contextlib.closing(store):
        try:
            address = parse_address(email)
        except FormError as error:
            raise click.BadParameter(str(error), param_hint="EMAIL") from None
        subscriber = store.subscriber_by_address(address.key)
        if subscriber is None:
            raise SitegenError([Problem(address.email, message="is not on the list")])
        hashed = suppression_hash(secret, address.key)
        if delete:
            store.delete(subscriber, now(), suppression_hash=hashed)
        else:
            store.unsubscribe(subscriber, now(), suppression_hash=hashed, how="owner")
    click.echo(f"{'deleted' if delete else 'unsubscribed'} {address.email}")


@subscribers_group.command("import")
@source_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "file_format", type=click.Choice(("auto", *FORMATS)), default="auto", show_default=True,
              help="The file's kind; auto tells Mailchimp, Buttondown and plain (email,name,topics,consent_at) apart by the header.")
@click.option("--send-confirmations", is_flag=True, help="Send a confirmation email to each address the file gives no opt-in for (else they stay pending, unmailed).")
def import_command(source: Path, file: Path, file_format: str, send_confirmations: bool) -> None:
    """Import a CSV of subscribers: confirmed only where the file shows their opt-in; suppressed addresses are never added.

    Every row is checked first: with any problem, nothing is imported.
    """
    from ..subscribers.imports import read_import
    from ..subscribers.tokens import suppression_hash

    config, store, secret = open_list(source)
    with contextlib.closing(store):
        letters = _letters(source, config, store, secret, mailing=send_confirmations)
        rows, problems = read_import(file, letters.pages.topics, config.timezone, file_format)
        if problems:
            raise SitegenError(problems)
        counts: Counter[str] = Counter()
        moment = now()
        with store.atomic():
            for row in rows:
                hashed = suppression_hash(secret, row.email_key)
                if row.left:
                    store.suppress(hashed, "imported", moment)
                    counts["suppressed (the file says they left)"] += 1
                    continue
                if store.suppressed(hashed):
                    counts["skipped: on the suppression list"] += 1
                    continue
                added = store.add(email=row.email, email_key=row.email_key, name=row.name, topics=row.topics, now=moment,
                                  source=f"import:{file.name}", confirmed_at=row.consent_at, evidence=row.evidence or "",
                                  detail={"file": file.name, "line": row.line})
                if added is None:
                    counts["skipped: on the list already"] += 1
                elif added.status == "confirmed":
                    counts["confirmed (opted in, as the file shows)"] += 1
                elif send_confirmations and store.count_confirmation(added, moment):
                    letters.queue_confirmation(added)
                    counts["pending, confirmation email queued"] += 1
                else:
                    counts["pending, no opt-in in the file (not mailed; --send-confirmations asks them)"] += 1
    for what, count in sorted(counts.items()):
        click.echo(f"{count:6d}  {what}")
    click.echo(f"imported {file} ({len(rows)} rows)", err=True)


@subscribers_group.command("export")
@source_option
@click.option("--format", "file_format", type=click.Choice(("csv", "json")), default="csv", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file (readable by you only) instead of the terminal.")
def export_command(source: Path, file_format: str, output: Path | None) -> None:
    """Write every subscriber: email, name, status, topics, consent time and the other dates."""
    _, store, _ = open_list(source)
    with contextlib.closing(store):
        records = store.exported()
    if output is not None:
        resolved = output.resolve()
        for published in ("output", "content"):
            if resolved.is_relative_to((source / published).resolve()):
                raise click.BadParameter(f"{output} is under {published}/, which is published: write the list somewhere private", param_hint="--output")
    stream = open(output, "w", encoding="utf-8", newline="", opener=lambda path, flags: os.open(path, flags, 0o600)) if output else sys.stdout
    try:
        if file_format == "json":
            stream.write(json.dumps(records, indent=2, ensure_ascii=False) + "\n")
        else:
            writer = csv.DictWriter(stream, EXPORT_FIELDS, lineterminator="\n")
            writer.writeheader()
            for record in records:
                writer.writerow({**record, "topics": ";".join(record["topics"])})
    finally:
        if output is not None:
            stream.close()
    if output is not None:
        click.echo(f"wrote {len(records)} subscribers to {output}", err=True)


@subscribers_group.command("stats")
@source_option
@click.option("--weeks", default=12, show_default=True, help="How many weeks of sign-ups to show.")
def stats_command(source: Path, weeks: int) -> None:
    """Counts per status and per topic, sign-ups per week, the suppression list and the outbox."""
    _, store, _ = open_list(source)
    with contextlib.closing(store):
        counts, times, suppressed, outbox = store.counts(), store.sign_up_times(), store.suppression_count(), store.outbox_counts()
    click.echo("status:")
    for status, count in counts["status"].items():
        click.echo(f"  {status:14}{count:6d}")
    click.echo("topics (confirmed subscribers):")
    for topic, count in counts["topic"].items():
        click.echo(f"  {topic:14}{count:6d}")
    click.echo("sign-ups per week:")
    per_week = Counter(f"{moment.isocalendar().year}-W{moment.isocalendar().week:02d}" for moment in times)
    today = now()
    for back in range(weeks - 1, -1, -1):
        day = today - dt.timedelta(weeks=back)
        key = f"{day.isocalendar().year}-W{day.isocalendar().week:02d}"
        click.echo(f"  {key:14}{per_week.get(key, 0):6d}")
    click.echo(f"suppression list: {suppressed}")
    click.echo("outbox: " + ", ".join(f"{state} {count}" for state, count in outbox.items()))


def _letters(source: Path, config, store, secret: bytes, *, mailing: bool):
    """The site read for its topics, and what queues emails; mailing: the settings must let the service send."""
    from ..subscribers.service import check_settings, load_letters

    if mailing:
        check_settings(config)
    return load_letters(source, config, store, secret, now)

