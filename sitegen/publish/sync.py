"""Make a destination hold exactly the site: the plan of what to upload and delete, and carrying it out
in an order that keeps the old site working until the new one is whole.

Uploads go first: static files and other assets, then pages, then feeds and the sitemap (so a feed
never announces a page that is not there yet, nor a page shows an image that is not). Each file is
replaced whole (a rename, or one S3 PUT). Deletions come last. Before anything is changed, the
manifest at the destination is rewritten to claim every file about to be uploaded (with no hash); so
a publish killed halfway leaves the old site whole, every file it wrote is known to be sitegen's,
and the next publish sends whatever it may not have finished.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..errors import Problem, SitegenError
from ..media import Media
from .manifest import MANIFEST, Entry, parse_manifest, path_digest, render_manifest


@dataclass(frozen=True)
class Upload:
    """One file to put at the destination."""

    path: str
    """Relative to the output folder, and to the destination."""
    source: Path
    """The file in the output folder."""
    media: Media


class Store(Protocol):
    """A destination, connected: what sync needs of it. Each method raises SitegenError with one
    problem saying what went wrong and what to do."""

    address: str
    """The destination as the owner wrote it, for messages."""

    def read(self, path: str) -> bytes | None:
        """A file's bytes, or None when there is none."""

    def existing(self, paths: Sequence[str]) -> set[str]:
        """Which of these paths hold a file."""

    def find(self, digests: set[str]) -> dict[str, str]:
        """The paths of the files there whose path digests (manifest.path_digest) are these, by digest:
        a look through every file, for the rare publish that does not know a name (a new computer)."""

    def upload(self, files: Sequence[Upload], done: Callable[[Upload], None]) -> None:
        """Put each file at its path, each replaced whole, in any order; done() after each."""

    def write(self, path: str, data: bytes) -> None:
        """Put bytes at path, replaced whole (the manifest)."""

    def delete(self, paths: Sequence[str]) -> None:
        """Remove these files, and folders they leave empty; a file already gone is no error."""

    def close(self) -> None:
        """Disconnect."""


@dataclass(frozen=True)
class SyncPlan:
    """What publishing changes at a destination."""

    groups: tuple[tuple[str, ...], ...]
    """New and changed paths in the order they go up: assets, then pages, then feeds and the sitemap."""
    deletes: tuple[str, ...]
    """Paths sitegen put there before that the site no longer has."""
    unchanged: tuple[str, ...]
    new: frozenset[str]
    """The uploads the destination's manifest does not list (the others replace sitegen's own files)."""
    upload_bytes: int
    unnamed: frozenset[str] = frozenset()
    """Digests of paths the manifest lists, the site no longer has, and no name known here matches."""

    @property
    def uploads(self) -> tuple[str, ...]:
        """Every new and changed path, in upload order."""
        return tuple(path for group in self.groups for path in group)


def plan_sync(local: Mapping[str, Entry], published: Mapping[str, Entry], last: Iterable[str] = (), names: Iterable[str] = ()) -> SyncPlan:
    """Compare the site (local: path -> entry) with the destination's manifest (published: path digest
    -> entry). `last` are the paths to upload after everything else (feeds and the sitemap); `names`
    the paths of files sitegen may have put there before (what the last publish sent)."""
    last = frozenset(last)
    digests = {path: path_digest(path) for path in local}
    changed = [path for path, entry in local.items() if published.get(digests[path]) != entry]
    groups: tuple[list[str], list[str], list[str]] = ([], [], [])
    for path in sorted(changed):
        groups[2 if path in last else 1 if path.endswith(".html") else 0].append(path)
    gone = set(published) - set(digests.values())
    named = {digest: path for path in set(names) - set(local) if (digest := path_digest(path)) in gone}
    new = frozenset(path for path in changed if digests[path] not in published)
    sending = set(changed)
    unchanged = tuple(path for path in local if path not in sending)
    return SyncPlan(
        tuple(tuple(group) for group in groups if group), tuple(sorted(named.values())), unchanged, new,
        sum(local[path].size for path in changed), frozenset(gone - set(named)),
    )


def name_the_rest(store: Store, plan: SyncPlan) -> SyncPlan:
    """Look at the destination for the files whose names the plan does not know; those not found are
    gone already, and leave the manifest."""
    if not plan.unnamed:
        return plan
    found = store.find(set(plan.unnamed))
    return dataclasses.replace(plan, deletes=tuple(sorted({*plan.deletes, *found.values()})), unnamed=frozenset())


def read_published(store: Store) -> dict[str, Entry]:
    """The files the destination's manifest lists, by path digest."""
    return parse_manifest(store.read(MANIFEST), store.address)


def check_takeover(store: Store, plan: SyncPlan, take_over: bool) -> None:
    """Refuse to replace files sitegen did not put there (unless take_over): the owner's, or an older
    copy of the site uploaded by hand."""
    if take_over or not plan.new:
        return
    foreign = sorted(store.existing(sorted(plan.new)))
    if not foreign:
        return
    shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
    raise SitegenError(
        [Problem(store.address, message=f"{len(foreign)} file{'s' if len(foreign) != 1 else ''} there that sitegen did not put there would be replaced: {shown}; nothing was changed",
                 hint="if they are an older copy of this site, publish once with --take-over; else move them away")],
        nothing_written=False,
    )


@dataclass(frozen=True)
class SyncReport:
    """What a publish did."""

    uploaded: tuple[str, ...]
    deleted: tuple[str, ...]
    unchanged: int
    bytes: int
    seconds: float


def run_sync(
    store: Store,
    plan: SyncPlan,
    local: Mapping[str, Entry],
    published: Mapping[str, Entry],
    folder: Path,
    media_of: Callable[[str], Media],
    progress: Callable[[str, str], None] | None = None,
) -> SyncReport:
    """Carry out the plan (see the module's docstring for the order); progress(action, path) after each file."""
    started = time.perf_counter()
    manifest = {path: published[path_digest(path)] for path in (*plan.unchanged, *plan.uploads, *plan.deletes) if path_digest(path) in published}
    if plan.uploads:
        for path in plan.uploads:  # claimed before they are written: see the module's docstring
            manifest[path] = Entry(local[path].size, None)
        store.write(MANIFEST, render_manifest(manifest))
        for group in plan.groups:  # one after the other; a store may send the files of one group at once
            store.upload([Upload(path, folder / path, media_of(path)) for path in group], (lambda upload: progress("uploaded", upload.path)) if progress else (lambda upload: None))
        for path in plan.uploads:
            manifest[path] = local[path]
        if not plan.deletes:
            store.write(MANIFEST, render_manifest(manifest))
    if plan.deletes:
        if plan.uploads:  # the new site is whole: say so before removing what it no longer has
            store.write(MANIFEST, render_manifest(manifest))
        store.delete(plan.deletes)
        if progress:
            for path in plan.deletes:
                progress("deleted", path)
        for path in plan.deletes:
            manifest.pop(path, None)
        store.write(MANIFEST, render_manifest(manifest))
    if not plan.uploads and not plan.deletes and len(manifest) != len(published):
        store.write(MANIFEST, render_manifest(manifest))  # files it listed that were gone already
    return SyncReport(plan.uploads, plan.deletes, len(plan.unchanged), plan.upload_bytes, time.perf_counter() - started)
