"""The dev server: watchdog -> debounce -> build() into a private folder, served by serve_http.py."""

from __future__ import annotations

import datetime as dt
import gc
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from .build import OUTPUT_DIR, PRIVATE_DIR, BuildResult, Memos, build
from .cache import CACHE_DIR, DiskCache, prepare_cache_folder
from .config import CONFIG_FILE, load_config
from .content import CONTENT_DIR
from .errors import Problem, SitegenError
from .files import hold_lock
from .serve_http import PreviewServer
from .theme import TEMPLATES_DIR, load_theme

SERVE_DIR = "serve"
"""The dev server's own part of the on-disk cache (.sitegen-cache/serve/): what depends on its base URL,
drafts and future options (render records, page heads, feed HTML) and the site it built (site/), so
its next start rebuilds only what changed. Parsed documents stay shared with `sitegen build`."""
DEBOUNCE_SECONDS = 0.05
"""Quiet time after the last event before building: an editor's save-rename-delete or a git checkout
arrives within a few milliseconds, so one burst is one build."""
IDLE_SECONDS = 2.0
"""After this long without changes, the server collects the garbage of earlier builds."""
COLLECT_EVERY = 50
"""...and after this many builds in a row without such a pause."""

def is_ignored(path: str, root: Path, output_dir: Path) -> bool:
    """Changes that must not trigger a build: the output, the cache, the owner's private files, dotfiles,
    editor temporary files."""
    target = Path(path)
    for folder in (output_dir, root / OUTPUT_DIR, root / CACHE_DIR, root / PRIVATE_DIR):
        if target == folder or folder in target.parents:
            return True
    name = target.name
    if name.startswith((".", "#")) or name.endswith(("~", ".swp", ".swx", ".tmp", ".part", ".crdownload")) or name == "4913":
        return True  # 4913: the file vim writes to test a folder
    return target.is_relative_to(root) and any(part.startswith(".") for part in target.relative_to(root).parts[:-1])


@dataclass(frozen=True)
class BuildOutcome:
    """One dev-server build, as the terminal and the browser learn of it."""

    generation: int
    """Counts builds, good or failed; browsers reload when it moves."""
    result: BuildResult | None
    problems: tuple[Problem, ...]
    seconds: float


class DevServer:
    """Builds the site, serves it, and rebuilds on every change; thread-safe."""

    def __init__(
        self,
        root: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        drafts: bool = False,
        future: bool = False,
        poll: bool = False,
        clock: Callable[[], dt.datetime],
        log: Callable[[BuildOutcome], None] = lambda outcome: None,
        cache_folder: Path | None = None,
        jobs: int = 1,
    ):
        """cache_folder: the site's on-disk cache (.sitegen-cache) to start from and keep up to date;
        None keeps the cache in memory only. jobs: processes for the first build (later ones run here)."""
        self.root = Path(root).resolve()
        self.drafts, self.future, self.poll = drafts, future, poll
        self.clock, self.log = clock, log
        self.jobs = jobs
        # Listen first: a port in use must fail before anything is made on disk.
        self.httpd = PreviewServer((host, port), self)
        self.memos, self.cache_warnings = Memos(), ()
        self.cache: DiskCache | None = None
        self._claim = _claim(cache_folder / SERVE_DIR) if cache_folder is not None else None
        if cache_folder is not None:
            # A second server on the same site shares the parsed documents, but neither saves nor
            # builds into the first one's part of the cache.
            self.cache = DiskCache(cache_folder, SERVE_DIR if self._claim else None)
            self.memos, self.cache_warnings = self.cache.load(Memos)
            gc.freeze()  # the loaded memos live as long as the server: keep them out of the collector's passes
        if self._claim is not None:
            self.output_dir = cache_folder / SERVE_DIR / "site"  # drafts never reach output/
        else:
            self.output_dir = Path(tempfile.mkdtemp(prefix="sitegen-serve-"))
        self._unsaved = False
        self.host, self.port = self.httpd.server_address[:2]
        self._changed = threading.Condition()
        self._state = threading.Condition()
        self._building = False
        self._stopping = threading.Event()
        self._pending_since: float | None = None
        self._heap_settled = True
        self._builds_since_collection = 0
        self.generation = 0
        self.problems: tuple[Problem, ...] = ()
        self._threads: list[threading.Thread] = []
        self._observer = None

    @property
    def url(self) -> str:
        """Where the site is served."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    # --- building ------------------------------------------------------------------

    def rebuild(self, jobs: int = 1) -> BuildOutcome:
        """Build once now (requests wait for it); a failed build keeps the last good site served.

        More than one job forks worker processes: only while no other thread runs (the first build).
        """
        with self._state:
            self._building = True
        started = time.perf_counter()
        result, problems = None, ()
        try:
            # Its own base_url: so the build writes no owner files (those carry the site's real addresses).
            result = build(
                self.root,
                self.output_dir,
                now=self.clock(),
                drafts=self.drafts,
                future=self.future,
                base_url=self.url,
                memos=self.memos,
                cache_folder=self.cache.folder if self.cache is not None else None,
                jobs=jobs,
                wall_clock_ns=time.time_ns(),
            )
            self.memos = result.memos
        except SitegenError as error:
            problems = error.problems
        except OSError as error:
            problems = (Problem(str(error.filename or self.root), message=f"could not build: {error.strerror or error}"),)
        with self._state:
            self._building = False
            self.generation += 1
            self.problems = problems
            outcome = BuildOutcome(self.generation, result, problems, time.perf_counter() - started)
            self._state.notify_all()
        self._unsaved = True
        self.log(outcome)
        # What survives a build is mostly the cache: tens of thousands of long-lived objects. Keep
        # them out of the collector's passes, which otherwise stall the next rebuild at random;
        # the garbage of frozen builds is collected when the server is idle (_builder).
        self._builds_since_collection += 1
        if self._builds_since_collection >= COLLECT_EVERY:  # an editor that autosaves never leaves us idle
            self._collect()
        else:
            gc.freeze()
            self._heap_settled = False
        return outcome

    def _collect(self) -> None:
        """A full collection, the garbage of frozen builds included; then freeze what survives."""
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self._heap_settled = True
        self._builds_since_collection = 0

    def wait_until_idle(self) -> None:
        """Block while a build is running, so no request sees a half-written site."""
        with self._state:
            self._state.wait_for(lambda: not self._building)

    def wait_for_generation(self, after: int, timeout: float) -> int:
        """Block until a build newer than `after` finished (or timeout); return the current generation."""
        with self._state:
            self._state.wait_for(lambda: self.generation > after or self._stopping.is_set(), timeout)
            return self.generation

    def notice_change(self, path: str) -> None:
        """A watched file changed: schedule one build after the burst settles."""
        if is_ignored(path, self.root, self.output_dir):
            return
        with self._changed:
            self._pending_since = time.monotonic()
            self._changed.notify()

    def _builder(self) -> None:
        """Debounce: build once no event has come for DEBOUNCE_SECONDS."""
        while not self._stopping.is_set():
            with self._changed:
                idle = not self._changed.wait_for(lambda: self._pending_since is not None or self._stopping.is_set(), IDLE_SECONDS)
            if idle:  # nothing to build: a good moment to save the cache and for a full collection
                self.save_cache()
                if not self._heap_settled:
                    self._collect()
                continue
            with self._changed:
                while self._pending_since is not None and not self._stopping.is_set():
                    quiet = time.monotonic() - self._pending_since
                    if quiet >= DEBOUNCE_SECONDS:
                        break
                    self._changed.wait(DEBOUNCE_SECONDS - quiet)
                if self._stopping.is_set():
                    return
                self._pending_since = None
            self.rebuild()

    def save_cache(self) -> None:
        """Write what changed in the cache since it was last saved (when this server owns its part)."""
        if self._claim is None or self.cache is None or not self._unsaved:
            return
        self._unsaved = False
        try:
            self.cache.save(self.memos)
        except OSError:
            pass  # a cache only saves work: a full disk must not stop the server; the next start rebuilds more

    def watched(self) -> list[tuple[Path, bool]]:
        """(folder, recursive) pairs to watch: content, templates, the theme, and the settings file's folder."""
        folders = [(self.root, False)]  # sitegen.toml; other files here are ignored by the handler
        for folder in (self.root / CONTENT_DIR, self.root / TEMPLATES_DIR):
            if folder.is_dir():
                folders.append((folder, True))
        try:
            theme = load_theme(self.root, load_config(self.root).theme).root
            folders.append((theme, True))
        except SitegenError:
            pass  # reported by the build; the settings file is watched, so fixing it rebuilds
        return folders

    # --- running -------------------------------------------------------------------

    def start(self) -> None:
        """Build, then serve and watch in background threads."""
        self.rebuild(jobs=self.jobs)  # before any thread starts: its workers are forked
        self._observer = (PollingObserver(timeout=0.5) if self.poll else Observer())
        handler = _ChangeHandler(self)
        for folder, recursive in self.watched():
            self._observer.schedule(handler, str(folder), recursive=recursive)
        self._observer.start()
        for target, name in ((self.httpd.serve_forever, "sitegen-http"), (self._builder, "sitegen-builder")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    @property
    def stopping(self) -> bool:
        """Whether stop() was called: open event streams end."""
        return self._stopping.is_set()

    def stop(self) -> None:
        """Stop watching and serving, end every open event stream; save the cache, or remove the temporary folder."""
        self._stopping.set()
        with self._changed:
            self._changed.notify_all()
        with self._state:
            self._state.notify_all()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
        self.httpd.shutdown()
        self.httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        if self._claim is None:
            shutil.rmtree(self.output_dir, ignore_errors=True)
        elif not any(thread.is_alive() for thread in self._threads):  # else a build may be changing the cache
            self.save_cache()
            os.close(self._claim)  # releases the lock

def _claim(folder: Path) -> int | None:
    """Lock folder for this server (a descriptor, closed to release it), or None if another server holds
    it or the platform cannot lock files (then every server builds into a temporary folder)."""
    prepare_cache_folder(folder.parent)
    folder.mkdir(exist_ok=True)
    return hold_lock(folder / "lock")


class _ChangeHandler(FileSystemEventHandler):
    def __init__(self, server: DevServer):
        self.server = server

    def on_any_event(self, event: FileSystemEvent) -> None:  # noqa: D102 - watchdog's hook
        if event.event_type in ("opened", "closed_no_write"):
            return
        for path in (event.src_path, getattr(event, "dest_path", "")):
            if path and self._relevant(str(path)):
                self.server.notice_change(str(path))

    def _relevant(self, path: str) -> bool:
        target = Path(path)
        if target.parent == self.server.root:  # the site folder itself: only the settings file counts
            return target.name == CONFIG_FILE
        return True


def served_by(outcome: BuildOutcome) -> str:
    """A one-line summary of a build for the terminal."""
    if outcome.problems:
        count = len(outcome.problems)
        return f"build failed: {count} error{'s' if count != 1 else ''} (the last good site is still served)"
    result = outcome.result
    feeds = sum(1 for path in result.rendered if path.endswith(("atom.xml", "rss.xml", "feed.json", "podcast.xml")))
    pages = sum(1 for path in result.rendered if path.endswith(".html"))
    other = len(result.rendered) - feeds - pages
    milliseconds = round(outcome.seconds * 1000)
    extra = f", {other} other files" if other else ""
    reused = len(result.plan.outputs) - len(result.rendered)
    return f"rebuilt {pages} page{'s' if pages != 1 else ''}, {feeds} feed{'s' if feeds != 1 else ''}{extra}, {reused} from cache in {milliseconds} ms"

