"""`sitegen newsletter`: the newsletter's issues, drafted from what is new on the site."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import click

from ..build import load_site
from ..config import load_config
from ..errors import Problem, SitegenError
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


PREVIEW_FOLDER = "private/newsletter-preview"
"""Where `preview` writes, relative to the site: outside output/, so it is never published."""


def _find_issue(source: Path, name: str, moment: dt.datetime, *, drafts: bool):
    """The issue named by slug or file, from the site as a build sees it (drafts too for a preview), with
    its pages; a draft or a later issue, when not allowed, is an error that says so."""
    from ..model import Issue

    def matches(issue: Issue) -> bool:
        return name in (issue.slug, issue.source_path, issue.source_path.removeprefix("content/"), Path(issue.source_path).name)

    site, plan = load_site(source, BuildOptions(now=moment, drafts=drafts, future=drafts))
    found = next((issue for issue in site.newsletters if matches(issue)), None)
    if found is not None:
        return site, plan, found
    if not drafts:
        everything, _ = load_site(source, BuildOptions(now=moment, drafts=True, future=True))
        hidden = next((issue for issue in everything.newsletters if matches(issue)), None)
        if hidden is not None and hidden.draft:
            raise SitegenError([Problem(hidden.source_path, field="draft", message="this issue is a draft: remove `draft: true` when it is ready to send (`sitegen newsletter preview` shows it as it is)")])
        if hidden is not None:
            raise SitegenError([Problem(hidden.source_path, field="date", message=f"this issue is dated {hidden.date:%Y-%m-%d %H:%M}, later than now: its web version is not on the site yet")])
    known = ", ".join(issue.slug for issue in site.newsletters) or "none yet (`sitegen newsletter draft` writes one)"
    raise click.BadParameter(f"no issue {name!r}; the issues are: {known}", param_hint="ISSUE")


def _issue_mail(source: Path, name: str, moment: dt.datetime, *, drafts: bool, secret: bytes):
    """The settings, and the issue rendered as email with the site's theme and the list's signed links."""
    from ..mail import load_dkim_key
    from ..subscribers.newsletter import IssueMail
    from ..subscribers.pages import Pages
    from ..subscribers.service import check_settings
    from ..subscribers.tokens import Tokens
    from .common import warn

    config = load_config(source)
    check_settings(config)
    site, plan, issue = _find_issue(source, name, moment, drafts=drafts)
    dkim = None
    if config.sending.dkim_selector:
        pem = os.environ.get("SITEGEN_DKIM_KEY")
        if pem:
            domain = config.sending.sender.rpartition("@")[2].rstrip(">").strip()
            dkim = load_dkim_key(config.sending.dkim_selector, domain, pem)
        else:
            warn("sending.dkim_selector is set but SITEGEN_DKIM_KEY is not: messages are not DKIM-signed")
    pages = Pages(source, site, plan, config.subscribers.url)
    return config, IssueMail(pages, issue, config.sending, config.subscribers.url, Tokens(secret, wall_clock), dkim)


def wall_clock() -> dt.datetime:
    """Now, in UTC: the commands are where the clock is read."""
    return dt.datetime.now(dt.timezone.utc)


def _smtp(config):
    from ..mail import parse_smtp_url, server_from_settings

    url = os.environ.get("SITEGEN_SMTP_URL")
    server = parse_smtp_url(url) if url else server_from_settings(config.sending, os.environ.get("SITEGEN_SMTP_PASSWORD"))
    if server is None:
        raise SitegenError([Problem("SITEGEN_SMTP_URL", message="no mail server to send through: set SITEGEN_SMTP_URL "
                                    "(smtp+starttls://user:password@smtp.example.com:587), or [sending] smtp_host in sitegen.toml")])
    return server


def _sample(address: str, topics: tuple[str, ...]):
    """A recipient who is nobody on the list: their links lead to the service's "this link no longer works" page."""
    from ..subscribers.records import Recipient

    return Recipient(0, address, "", "sample", topics)


@newsletter_group.command("preview")
@source_option
@click.argument("issue")
def preview_command(source: Path, issue: str) -> None:
    """Write the finished email of ISSUE (slug or file; drafts too) for a sample subscriber: the whole
    message (.eml), its HTML and its text part, in private/newsletter-preview/<slug>/. Prints the paths."""
    import email
    import email.policy

    from .subscribers import secret_for

    config, mail = _issue_mail(source, issue, wall_clock(), drafts=True, secret=secret_for(source))
    message = mail.message(_sample("subscriber@example.com", mail.issue.topics), wall_clock())
    parsed = email.message_from_bytes(message, policy=email.policy.default)
    folder = source / PREVIEW_FOLDER / mail.issue.slug
    folder.mkdir(parents=True, exist_ok=True)
    parts = {"message.eml": message, "message.html": parsed.get_body(("html",)).get_content().encode("utf-8"),  # type: ignore[union-attr]
             "message.txt": parsed.get_body(("plain",)).get_content().encode("utf-8")}  # type: ignore[union-attr]
    for name, data in parts.items():
        (folder / name).write_bytes(data)
        click.echo(folder / name)


@newsletter_group.command("send")
@source_option
@click.argument("issue")
@click.option("--to", "address", metavar="ADDRESS", help="Send one test copy to this address only (the list and the ledger are not touched).")
@click.option("--dry-run", is_flag=True, help="Render every message and say how many would go, sending nothing.")
@click.option("--rate", type=click.FloatRange(min=0), help="At most N messages a second (default: [sending] rate; 0: no limit).")
@click.option("--resend-in-doubt", is_flag=True, help="Send again the messages a stopped run may or may not have delivered.")
def send_command(source: Path, issue: str, address: str | None, dry_run: bool, rate: float | None, resend_in_doubt: bool) -> None:
    """Send ISSUE (slug or file) to every confirmed subscriber whose topics match, each exactly once: a rerun
    continues where a stopped run left off, and an issue fully sent sends nothing more."""
    import contextlib
    import logging
    import sys
    import time

    from ..mail import Connection
    from ..subscribers.ledger import Ledger
    from ..subscribers.sender import Sender, SendOptions
    from .subscribers import open_list

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    config, store, secret = open_list(source)
    with contextlib.closing(store):
        config, mail = _issue_mail(source, issue, wall_clock(), drafts=bool(address), secret=secret)
        slug = mail.issue.slug
        if address:
            from ..subscribers.forms import FormError, parse_address

            try:
                parsed = parse_address(address)
            except FormError as error:
                raise click.BadParameter(str(error), param_hint="--to") from None
            connection = Connection(_smtp(config))
            try:
                connection.send(config.sending.sender, parsed.email, mail.message(_sample(parsed.email, mail.issue.topics), wall_clock()))
            finally:
                connection.close()
            click.echo(f"sent a test copy of {slug} to {parsed.email}")
            return
        ledger = Ledger(store)
        if dry_run:
            counts = ledger.counts(slug)[slug]
            recipients = ledger.pending(slug, 0, limit=1_000_000) if sum(counts.values()) else ledger.matching(mail.issue.topics)
            started = time.perf_counter()
            for recipient in recipients:
                mail.message(recipient, wall_clock())
            each = (time.perf_counter() - started) / max(1, len(recipients)) * 1000
            click.echo(f"{slug}: would send {len(recipients)} message{'s' if len(recipients) != 1 else ''} "
                       f"({counts['sent']} sent before; {each:.2f} ms to render each); nothing was sent")
            return
        sender = Sender(mail, ledger, Connection(_smtp(config)), sender=config.sending.sender, secret=secret, clock=wall_clock,
                        options=SendOptions(rate=config.sending.rate if rate is None else rate, resend_in_doubt=resend_in_doubt))
        pending = sender.prepare()
        try:
            with click.progressbar(length=pending, label=f"sending {slug}", file=sys.stderr) as bar:
                summary = sender.run(lambda: bar.update(1))
        except KeyboardInterrupt:
            _print_summary(sender.summary)
            raise
    _print_summary(summary)
    if summary.stopped:
        raise click.ClickException(f"stopped: {summary.stopped}")


def _print_summary(summary) -> None:
    click.echo(f"sent {summary.sent}, skipped {summary.skipped}, failed {len(summary.failed)}, in doubt {len(summary.in_doubt)}"
               + (f", left for the next run {summary.deferred}" if summary.deferred else "")
               + f" (of {summary.recipients} recipients; {summary.sent_before} sent before)")
    for subscriber_id, error in summary.failed:
        click.echo(f"  failed: subscriber {subscriber_id}: {error}")
    for subscriber_id in summary.in_doubt:
        click.echo(f"  in doubt: subscriber {subscriber_id}: a stopped run was sending it; it may have arrived "
                   "(`send --resend-in-doubt` sends it again)")


@newsletter_group.command("texts")
@source_option
@click.argument("issue")
@now_option
def texts_command(source: Path, issue: str, now: dt.datetime | None) -> None:
    """Print one text message (at most 160 characters) for each item of ISSUE (slug or file), each with its
    short link (/go/<code>/, tagged utm_source=sms), to paste into your texting tool. The same short
    links fit printed flyers."""
    from ..redirects import text_message

    site, _, found = _find_issue(source, issue, build_time(load_config(source), now), drafts=True)
    if not found.items:
        click.echo(f"{found.source_path} carries no items: nothing to text")
    for item in found.items:
        click.echo(text_message(site, item))


@newsletter_group.command("status")
@source_option
@click.argument("issue", required=False)
def status_command(source: Path, issue: str | None) -> None:
    """The send ledger's counts for ISSUE (slug), or for every issue sent: pending, sending, sent, failed, skipped, in doubt."""
    import contextlib

    from ..subscribers.ledger import Ledger
    from .subscribers import open_list

    _, store, _ = open_list(source)
    with contextlib.closing(store):
        counts = Ledger(store).counts(issue)
    if not counts:
        click.echo("no issue has been sent yet")
    for slug, states in counts.items():
        click.echo(f"{slug}: " + ", ".join(f"{'in doubt' if state == 'doubt' else state} {count}" for state, count in states.items()))
