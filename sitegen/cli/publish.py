"""`sitegen publish`: build, make the destination hold exactly the site (only what changed), then tell
the WebSub hub, and say when the site next changes by itself."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shlex
import sys
import time
from pathlib import Path

import click

from ..build import OUTPUT_DIR, PRIVATE_DIR
from ..cache import CACHE_DIR, DiskCache, prepare_cache_folder
from ..config import CONFIG_FILE, load_config
from ..errors import Problem, SitegenError
from ..files import hold_lock
from ..hosting import PUBLISH_SECRETS, Destination, parse_destination
from ..media import media_of
from ..publish import Access, open_store
from ..publish.manifest import PublishMemos, scan_site
from ..publish.sync import SyncPlan, check_takeover, name_the_rest, plan_sync, read_published, run_sync
from .build import build_options, run_build
from .common import invocation, warn
from .ping import announce_pending

LISTED = 30
"""A publish names each file it uploaded or deleted up to this many; past it, counts only."""


PUBLISH_LOCK = "publish.lock"
"""In the cache folder: held by the publish running for the site."""


@click.command("publish")
@click.option("--to", "to", metavar="DEST", help="Where to publish: sftp://user@host[:port]/path, s3://bucket/prefix or file:///path [default: [publish] to in sitegen.toml].")
@click.option("--dry-run", is_flag=True, help="Build, then list what would be uploaded and deleted; change nothing at the destination.")
@click.option("--take-over", is_flag=True, help="Replace files at the destination that sitegen did not put there (an older copy of the site uploaded by hand).")
@build_options
def publish_command(
    to: str | None, dry_run: bool, take_over: bool, source: Path, output: Path | None, drafts: bool, future: bool,
    base_url: str | None, now: dt.datetime | None, no_cache: bool, jobs: int,
) -> None:
    """Build the site as `sitegen build` does, put what changed online, and tell the WebSub hub.

    Uploads new and changed files (assets, then pages, then feeds and the sitemap), then deletes what
    the site no longer has; never touches files sitegen did not put there. Keys and passwords come from
    the environment: SITEGEN_SSH_KEY, SITEGEN_SSH_PASSWORD, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY.
    """
    config = load_config(source, base_url=base_url)
    destination = _destination(to, config.publish.to)
    output_dir = output if output is not None else source / OUTPUT_DIR
    _check_apart(destination, source, output_dir)
    # One publish of a site at a time (a scheduled one and a manual one): two would write the
    # destination's manifest over each other. Released when the process ends.
    prepare_cache_folder(source / CACHE_DIR)
    lock = hold_lock(source / CACHE_DIR / PUBLISH_LOCK)
    if lock is None and sys.platform != "win32":
        raise SitegenError([Problem(str(source / CACHE_DIR / PUBLISH_LOCK), message="another `sitegen publish` of this site is running: wait for it to finish, then publish again")])
    started = time.perf_counter()
    result = run_build(source, output, drafts, future, base_url, now, no_cache, jobs)
    cache = None if no_cache else DiskCache(source / CACHE_DIR, variant="publish")
    memos = cache.load(PublishMemos)[0] if cache is not None else PublishMemos()
    local, memo = scan_site(output_dir, memos.publish)
    if cache is not None:
        cache.save(PublishMemos(memo))
    # The names of files the last publish sent (the manifest keeps digests): what it left there, and
    # what the output folder held when last scanned.
    names = {*memo.sent.get(str(destination), ()), *memos.publish.digests.get(str(output_dir.resolve()), ())}
    formats = {o.path: o.format for o in result.plan.outputs if o.kind == "feed"}
    last = {*formats, "sitemap.xml", "feeds.opml"}
    store = open_store(destination, _access())
    try:
        published = read_published(store)
        plan = name_the_rest(store, plan_sync(local, published, last, names))
        if dry_run:
            _list(plan, published, destination)
            try:
                check_takeover(store, plan, take_over)
            except SitegenError as error:
                warn(f"{error.problems[0]}; a publish would stop here")
            return
        check_takeover(store, plan, take_over)
        progress = _Progress(len(plan.uploads) + len(plan.deletes))
        try:
            report = run_sync(store, plan, local, published, output_dir, lambda path: media_of(path, formats.get(path)), progress)
        finally:
            progress.close()
    finally:
        store.close()
    if cache is not None:
        cache.save(PublishMemos(dataclasses.replace(memo, sent={**memo.sent, str(destination): tuple(local)})))
    for action, paths in (("uploaded", report.uploaded), ("deleted", report.deleted)):
        if len(paths) <= LISTED:
            for path in paths:
                click.echo(f"{action} {path}")
    click.echo(
        f"published to {destination}: {_count(len(report.uploaded), 'file')} uploaded ({_size(report.bytes)}), "
        f"{len(report.deleted)} deleted, {report.unchanged} unchanged; {report.seconds:.2f} s "
        f"({time.perf_counter() - started:.2f} s with the build)"
    )
    # Only the site at its own address is announced, as `sitegen build` queues feeds only then.
    if base_url is None and output_dir.resolve() == (source / OUTPUT_DIR).resolve():
        _announce(source, config.websub_hub)
    if result.site.next_change:
        _next_change(result.site.next_change, source, to)


def _destination(to: str | None, configured: str) -> Destination:
    address = to or configured
    if not address:
        raise SitegenError([Problem(CONFIG_FILE, field="publish.to", message="not set, and no --to given: sitegen does not know where to publish",
                                    hint="set [publish] to = \"sftp://user@host/path\" (or s3://bucket/prefix, file:///path), or give --to")])
    try:
        return parse_destination(address)
    except ValueError as error:
        raise SitegenError([Problem("--to" if to else CONFIG_FILE, field=None if to else "publish.to", message=str(error))]) from None


def _check_apart(destination: Destination, source: Path, output_dir: Path) -> None:
    """Refuse a folder destination inside the site folder or around it, or the output folder itself
    (publishing would copy the site into itself, or put pages among its sources); and an output folder
    that holds the site's own files (private/, content/), which are never published."""
    root, output = source.resolve(), output_dir.resolve()
    if output == root or output in (root / PRIVATE_DIR).parents:
        raise SitegenError([Problem(str(output_dir), message=f"holds the site folder's own files ({PRIVATE_DIR}/, content/), which are never published",
                                    hint="build into the site's output/ folder (leave out --output), or a folder of its own")])
    if destination.scheme != "file":
        return
    target = Path(destination.path).resolve()
    for place, what in ((root, "the site folder"), (output, "the output folder")):
        where = "is" if target == place else "is inside" if place in target.parents else "holds" if target in place.parents else None
        if where:
            raise SitegenError([Problem(str(destination), message=f"{where} {what} ({place})",
                                        hint="publish to a folder outside the site, such as the one your web server serves")])


def _access() -> Access:
    """What connecting may use, read here: the command line is where the environment is read."""
    names = {*PUBLISH_SECRETS, "SSH_AUTH_SOCK", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ENDPOINT_URL_S3"}
    environment = {name: os.environ[name] for name in sorted(names) if os.environ.get(name)}
    ssh = Path.home() / ".ssh"
    return Access(environment, (ssh / "known_hosts", Path("/etc/ssh/ssh_known_hosts")), tuple(ssh / name for name in ("id_ed25519", "id_ecdsa", "id_rsa")))


def _list(plan: SyncPlan, published: dict, destination: Destination) -> None:
    """--dry-run: each change, then the counts."""
    for path in plan.uploads:
        click.echo(f"would upload {path} ({'new' if path in plan.new else 'changed'})")
    for path in plan.deletes:
        click.echo(f"would delete {path}")
    click.echo(
        f"dry run, nothing changed at {destination}: would upload {_count(len(plan.uploads), 'file')} ({_size(plan.upload_bytes)}), "
        f"delete {len(plan.deletes)}; {plan.unchanged} unchanged"
    )


def _announce(source: Path, hub: str) -> None:
    if not hub:
        click.echo("no WebSub hub (websub_hub in sitegen.toml): feed readers see the changes when they next look")
        return
    announced, problems = announce_pending(source, hub)
    for problem in problems:
        warn(f"{problem}; the feeds stay queued: `sitegen ping` tells the hub later")
    if announced:
        click.echo(f"told {hub} about {_count(len(announced), 'changed feed')}")


def _next_change(moment: dt.datetime, source: Path, to: str | None) -> None:
    """When the site changes by itself, and a command that publishes then (systemd's, which takes UTC)."""
    utc = moment.astimezone(dt.timezone.utc)
    command = f"{invocation(absolute=True)} publish --source {shlex.quote(str(source.resolve()))}" + (f" --to {shlex.quote(to)}" if to else "")
    click.echo(
        f"next change: {moment.isoformat()} (a scheduled post or offer); publish again then, for example with:\n"
        f"  systemd-run --user --on-calendar='{utc:%Y-%m-%d %H:%M:%S} UTC' {command}"
    )


def _count(number: int, word: str) -> str:
    return f"{number:,} {word}{'' if number == 1 else 's'}"


def _size(size: int) -> str:
    for unit in ("bytes", "kB", "MB"):
        if size < 1000 or unit == "MB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"


class _Progress:
    """On a terminal, a line counting files done, shown once a publish has run a second."""

    def __init__(self, total: int) -> None:
        self.total, self.done = total, 0
        self.started = time.monotonic()
        self.shown = 0.0
        self.active = sys.stderr.isatty()

    def __call__(self, action: str, path: str) -> None:
        self.done += 1
        now = time.monotonic()
        if not self.active or now - self.started < 1 or now - self.shown < 0.1:
            return
        self.shown = now
        click.echo(f"\rpublishing {self.done}/{self.total} {path[-50:]:50}", err=True, nl=False)

    def close(self) -> None:
        if self.active and self.shown:
            click.echo("\r\033[K", err=True, nl=False)
