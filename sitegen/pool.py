"""Running pure, independent jobs across processes (Markdown parsing, rendering), output unchanged.

Workers are forked, so they inherit everything the parent holds (the site, the plan, the Jinja
environment) without pickling it; only each job's small arguments and results cross over. Fork
is not safe in a process that runs threads, so the dev server asks for more than one job only
for its first build, before it starts its threads.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

MINIMUM_PER_WORKER = 100
"""Below this many jobs per worker, starting processes costs more than it saves."""


def default_jobs() -> int:
    """Worker processes for a build: one per core."""
    return os.cpu_count() or 1


def run_parallel(function: Callable[[Any], Any], items: Sequence[Any], jobs: int) -> Iterator[Any] | None:
    """function(item) for each item, across `jobs` forked processes, in order.

    An iterator: each result comes as soon as it and those before it are done, so what the caller
    does with them overlaps the workers' work. The caller reads it to the end (the workers are
    forked at the first result and stopped after the last). Returns None when it is not worth it
    or not possible (few items, one job, no fork on this platform): the caller then runs the
    loop itself.
    """
    workers = min(jobs, len(items) // MINIMUM_PER_WORKER)
    if workers < 2:
        return None
    import multiprocessing  # here: a small rebuild never starts workers and need not import it

    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    return _results(function, items, workers)


def _results(function: Callable[[Any], Any], items: Sequence[Any], workers: int) -> Iterator[Any]:
    import multiprocessing

    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_install, initargs=(function,)) as pool:
        # Small chunks (32 a worker): the last ones end close together, so no core waits long at the end.
        yield from pool.imap(_call, items, chunksize=max(1, len(items) // (workers * 32)))


def counted(results: Iterable[Any], progress: Callable[[str, int, int], None] | None, stage: str, total: int) -> Iterator[Any]:
    """The results, reporting progress(stage, done, total) every 50 as they come."""
    for done, result in enumerate(results):
        if progress is not None and done % 50 == 0:
            progress(stage, done, total)
        yield result


# Set in each worker process by its initializer (fork hands the function over without pickling).
_worker_function: Callable[[Any], Any] | None = None


def _install(function: Callable[[Any], Any]) -> None:
    global _worker_function
    _worker_function = function
    # Pool.terminate() stops workers with SIGTERM: a handler the parent installed (the dev server
    # turns SIGTERM into Ctrl-C) must not survive the fork, or a worker outlives its pool and the
    # parent waits for it forever.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _call(item: Any) -> Any:
    return _worker_function(item)
