"""Running pure, independent jobs across processes (Markdown parsing, rendering), output unchanged.

Workers are forked, so they inherit everything the parent holds (the site, the plan, the Jinja
environment) without pickling it; only each job's small arguments and results cross over. Fork
is not safe in a process that runs threads, so the dev server never asks for more than one job.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from typing import Any

MINIMUM_PER_WORKER = 100
"""Below this many jobs per worker, starting processes costs more than it saves."""


def default_jobs() -> int:
    """Worker processes for a build: one per core."""
    return os.cpu_count() or 1


def run_parallel(function: Callable[[Any], Any], items: Sequence[Any], jobs: int) -> list[Any] | None:
    """[function(item) for item in items] across `jobs` forked processes, in order.

    Returns None when it is not worth it or not possible (few items, one job, no fork on this
    platform): the caller then runs the loop itself.
    """
    workers = min(jobs, len(items) // MINIMUM_PER_WORKER)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_install, initargs=(function,)) as pool:
        chunk = max(1, len(items) // (workers * 8))
        return pool.map(_call, items, chunksize=chunk)


# Set in each worker process by its initializer (fork hands the function over without pickling).
_worker_function: Callable[[Any], Any] | None = None


def _install(function: Callable[[Any], Any]) -> None:
    global _worker_function
    _worker_function = function


def _call(item: Any) -> Any:
    return _worker_function(item)
