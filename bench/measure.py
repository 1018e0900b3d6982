"""What the benchmarks share: running one build as a new process and measuring it, and the tools
(sitegen, Pelican) as commands on a site folder.

Each build is measured the same way: wall time from here; CPU time (user + system) and peak
memory from os.wait4, the kernel's account of the process and every process it waited for (the
build's worker processes). ru_maxrss is the resident set of the largest of them.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

NOW = "2026-11-22T12:00:00+00:00"
EDITED_POST = 0.5
"""Which post an edit touches, as a fraction of the posts (by file name)."""


class BenchError(SystemExit):
    """A build failed or ran out of time: stops the run with a message."""


@dataclass(frozen=True)
class Run:
    seconds: float
    """Wall time."""
    cpu_seconds: float
    """User + system time of the build and the worker processes it waited for."""
    peak_mib: float
    """Peak resident set of the largest of those processes."""
    others: float
    """Cores kept busy by other processes during the run, on average (the machine is shared)."""
    stdout: str


def busy_seconds() -> float:
    """CPU time spent by everything on the machine since boot, from /proc/stat (0 if unavailable)."""
    try:
        with open("/proc/stat") as handle:
            fields = [int(v) for v in handle.readline().split()[1:]]
    except OSError:
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def run_measured(label: str, command: list[str], cwd: Path, timeout: float) -> Run:
    """Run one build as a new process; its wall time, CPU time and peak memory, or BenchError."""
    os.sync()  # the corpus and the last build are on disk: their write-back does not slow this run
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        busy_before = busy_seconds()
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=err, text=True, start_new_session=True)
        timer = threading.Timer(timeout, os.killpg, (process.pid, signal.SIGKILL))  # its session: the workers too
        timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
        seconds = time.perf_counter() - started
        busy = busy_seconds() - busy_before
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode == -signal.SIGKILL and seconds >= timeout:
        raise BenchError(f"\n{label}: no result after {timeout:g} s, stopped.\n$ {' '.join(command)}\n{tail(stderr)}")
    if process.returncode != 0:
        raise BenchError(
            f"\n{label}: failed with exit code {process.returncode}.\n$ {' '.join(command)}\n"
            f"--- stderr (last lines) ---\n{tail(stderr)}\n--- stdout (last lines) ---\n{tail(stdout, 10)}"
        )
    cpu = usage.ru_utime + usage.ru_stime
    others = max(0.0, busy - cpu) / seconds if busy else 0.0
    run = Run(seconds, cpu, usage.ru_maxrss / 1024, others, stdout)
    print(f"  {label}: {seconds:.2f} s (CPU {cpu:.2f} s), peak {run.peak_mib:.0f} MiB; other processes busy {others:.2f} cores", file=sys.stderr, flush=True)
    return run


# Folders a run would delete are moved here instead, and deleted after the last measurement.
# ext4 allocates inodes slowly for minutes after many were freed (perf shows its allocator in
# find_inode_bit and recently_deleted), so deleting the last build's 16,700 pages just before a
# cold build made that build seconds slower: it measured the deletion, for either tool.
TRASH: Path | None = None


def set_aside(folder: Path) -> None:
    """Take folder out of the way without deleting it now (see TRASH)."""
    if not folder.exists():
        return
    if TRASH is None:
        shutil.rmtree(folder)
        return
    TRASH.mkdir(parents=True, exist_ok=True)
    folder.rename(TRASH / f"{len(list(TRASH.iterdir()))}-{folder.name}")


def count_files(folder: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(folder))


@dataclass
class Tool:
    """A static-site generator as a command run in a site folder: cold, again, and after an edit."""

    name: str
    site: Path
    command: list[str]
    leftovers: tuple[str, ...]
    """What a cold build starts without (the output and the tool's cache), relative to the site."""
    page_of: Callable[[Path], Path]
    """The output page of a post file, where an edit must show."""
    timeout: float

    @property
    def posts(self) -> list[Path]:
        return sorted((self.site / "content" / "posts").glob("*.md"))

    def cold(self, extra: tuple[str, ...] = ()) -> Run:
        for leftover in self.leftovers:
            set_aside(self.site / leftover)
        label = f"{self.name} cold" + (" " + " ".join(extra) if extra else "")
        return run_measured(label, [*self.command, *extra], self.site, self.timeout)

    def again(self) -> Run:
        return run_measured(f"{self.name} no-change", self.command, self.site, self.timeout)

    def edited(self, marker: str) -> Run:
        post = self.posts[int(len(self.posts) * EDITED_POST)]
        with post.open("a", encoding="utf-8") as handle:
            handle.write(f"\nAn edited paragraph for the benchmark, with the marker {marker}.\n")
        run = run_measured(f"{self.name} one-post edit", self.command, self.site, self.timeout)
        page = self.page_of(post)
        if not page.is_file() or marker not in page.read_text(encoding="utf-8"):
            raise BenchError(f"\n{self.name}: the edit ({marker}) is not in {page} after the rebuild")
        return run


def sitegen(site: Path, timeout: float) -> Tool:
    return Tool(
        "sitegen",
        site,
        [sys.executable, "-m", "sitegen", "build", "--source", str(site), "--now", NOW],
        ("output", ".sitegen-cache"),
        lambda post: site / "output" / "posts" / post.stem[11:] / "index.html",
        timeout,
    )


def sitegen_source() -> str:
    """A digest of sitegen's Python files: other engineers change the package while this runs."""
    import sitegen as package

    digest = hashlib.sha256()
    for path in sorted(Path(package.__file__).parent.rglob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def compile_sitegen() -> None:
    """Byte-compile sitegen's package, as pip does when it installs a package (Pelican's included):
    where PYTHONDONTWRITEBYTECODE is set, Python would compile sitegen's modules in every build."""
    import sitegen as package

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(package.__file__).parent)], check=True, capture_output=True)
