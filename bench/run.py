"""Cold build, rebuilds and peak memory of sitegen against Pelican, with the Markdown floor.

    .venv/bin/python bench/run.py --posts 1000 10000 [--repeat 3] [--skip-pelican] [--keep DIR]

For each post count N it writes the corpus of bench/make_corpus.py, then measures, each build a
new process:

- sitegen: a cold full build (no output/, no .sitegen-cache/), a no-change rebuild, a rebuild
  after appending a paragraph to one post, the peak RSS of the cold build, and a cold build with
  `--jobs 1` when `sitegen build` has that option;
- the Markdown floor: Python-Markdown alone, with sitegen's extensions, converting every post
  body in one process (and that time halved, the floor for the machine's 2 cores);
- Pelican, installed into a virtual environment under /tmp (kept and reused), on the same
  corpus converted to Pelican's `Key: value` metadata: the same three builds and peak RSS, with
  its content cache on.

With --repeat > 1 the sitegen and Pelican runs alternate figure by figure and the medians are
reported. Each time has its wall and CPU (user + system, worker processes included) figures.
Memory is the peak RSS of the largest process, from /usr/bin/time -f %M (Debian's `time`
package) or else a small Python wrapper that reports its only child's ru_maxrss, and the peak
summed PSS of all the build's processes (forked workers included), sampled from /proc.

The machine is shared, so the script also reports how many cores other processes kept busy
during the runs, and whether sitegen's source changed while it ran.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from make_corpus import make_corpus  # noqa: E402

NOW = "2026-11-22T12:00:00+00:00"
PELICAN_VENV = Path("/tmp/sitegen-bench-pelican-venv")
TIME_BINARY = "/usr/bin/time"
EDITED_POST = 0.5  # which post the edit rebuild touches, as a fraction of the posts (by file name)

# Runs `argv[2:]` as its only child and writes that child's peak RSS in KiB to argv[1]; used
# when /usr/bin/time is missing. RUSAGE_CHILDREN is the max over all waited-for children, and
# this process has exactly one, so it is that build's own peak.
RSS_WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[2:])\n"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "open(sys.argv[1], 'w').write(f'{u.ru_maxrss} {u.ru_utime} {u.ru_stime}')\n"
    "sys.exit(code)\n"
)


class BenchError(SystemExit):
    """A build failed or ran out of time: stops the run with a message."""


# --- running one measured build -------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    """Wall time, from the runner."""
    rss_kib: int
    """Peak RSS of the largest single process of the build (getrusage's ru_maxrss, exact)."""
    cpu_seconds: float
    """User + system time of the build and the worker processes it waited for."""
    pss_kib: int
    """Peak of the summed PSS of all the build's processes (sampled from /proc; 0 if unavailable)."""
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
    busy = sum(fields[:8]) - idle  # user nice system idle iowait irq softirq steal
    return busy / os.sysconf("SC_CLK_TCK")


def tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


class TreeMemory(threading.Thread):
    """Samples the summed PSS of every process in one session (a build and its forked workers).

    ru_maxrss only sees the largest single process; forked workers share pages copy-on-write,
    so RSS would count shared pages once per process: PSS splits them fairly.
    """

    INTERVAL = 0.1

    def __init__(self, session: int):
        super().__init__(daemon=True)
        self.session = session
        self.peak_kib = 0
        self.done = threading.Event()

    def members(self) -> list[str]:
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == self.session:  # not /usr/bin/time or the wrapper
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as handle:
                    fields = handle.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == self.session:  # fields after "pid (comm)": state ppid pgrp session
                found.append(entry)
        return found

    def sample(self) -> int:
        total = 0
        for pid in self.members():
            try:
                with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
                    for line in handle:
                        if line.startswith(b"Pss:"):
                            total += int(line.split()[1])
                            break
            except OSError:
                continue
        return total

    def run(self) -> None:
        if not os.path.exists("/proc/self/smaps_rollup"):
            return
        while not self.done.wait(self.INTERVAL):
            self.peak_kib = max(self.peak_kib, self.sample())


def run_measured(label: str, command: list[str], cwd: Path, timeout: float) -> Run:
    """Run one build as a new process; its wall time, CPU time and memory, or BenchError."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss", delete=False) as handle:
        usage_file = Path(handle.name)
    if os.access(TIME_BINARY, os.X_OK):
        wrapped = [TIME_BINARY, "-f", "%M %U %S", "-o", str(usage_file), *command]
    else:
        wrapped = [sys.executable, "-c", RSS_WRAPPER, str(usage_file), *command]
    os.sync()  # the corpus and the last build are on disk: their write-back does not slow this run
    busy_before = busy_seconds()
    started = time.perf_counter()
    process = subprocess.Popen(
        wrapped, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,  # its own session: sampled as a group, ended as a group on timeout
    )
    sampler = TreeMemory(process.pid)
    sampler.start()
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        usage_file.unlink(missing_ok=True)
        raise BenchError(f"\n{label}: no result after {timeout:g} s, stopped.\n$ {' '.join(command)}\n{tail(stderr)}")
    finally:
        sampler.done.set()
        sampler.join()
    seconds = time.perf_counter() - started
    busy = busy_seconds() - busy_before
    try:
        usage = usage_file.read_text().strip().splitlines()
    finally:
        usage_file.unlink(missing_ok=True)
    if process.returncode != 0:
        raise BenchError(
            f"\n{label}: failed with exit code {process.returncode}.\n$ {' '.join(command)}\n"
            f"--- stderr (last lines) ---\n{tail(stderr)}\n--- stdout (last lines) ---\n{tail(stdout, 10)}"
        )
    try:
        rss, user, system = usage[-1].split()
        rss_kib, cpu = int(rss), float(user) + float(system)
    except (IndexError, ValueError):
        rss_kib, cpu = 0, 0.0
    others = max(0.0, busy - cpu) / seconds if busy else 0.0
    print(
        f"  {label}: {seconds:.2f} s (CPU {cpu:.2f} s), largest process {rss_kib / 1024:.0f} MiB, "
        f"all processes {sampler.peak_kib / 1024:.0f} MiB PSS; other processes busy {others:.2f} cores",
        file=sys.stderr, flush=True,
    )
    return Run(seconds, rss_kib, cpu, sampler.peak_kib, others, stdout)


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


def append_edit(path: Path, marker: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"\nAn edited paragraph for the benchmark, with the marker {marker}.\n")


def check_edit(page: Path, marker: str, label: str) -> None:
    if not page.is_file() or marker not in page.read_text(encoding="utf-8"):
        raise BenchError(f"\n{label}: the edit ({marker}) is not in {page} after the rebuild")


# --- sitegen ---------------------------------------------------------------------------------


def sitegen_source() -> str:
    """A digest of sitegen's Python files: other engineers change the package while this runs."""
    import sitegen

    digest = hashlib.sha256()
    for path in sorted(Path(sitegen.__file__).parent.rglob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def compile_sitegen() -> None:
    """Byte-compile sitegen's package, as pip does when it installs a package (Pelican's included).

    sitegen runs from the development checkout, and where PYTHONDONTWRITEBYTECODE is set (it is on
    our machine) Python would otherwise compile sitegen's modules again in every build: ~40 ms that
    no installed copy pays.
    """
    import sitegen

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(sitegen.__file__).parent)], check=True, capture_output=True)


def sitegen_help() -> str:
    result = subprocess.run(
        [sys.executable, "-m", "sitegen", "build", "--help"], capture_output=True, text=True, timeout=120
    )
    if result.returncode != 0:
        raise BenchError(f"`sitegen build --help` failed:\n{tail(result.stderr)}")
    return result.stdout


class Sitegen:
    name = "sitegen"

    def __init__(self, site: Path, timeout: float, has_jobs: bool):
        self.site = site
        self.timeout = timeout
        self.has_jobs = has_jobs
        self.posts = sorted((site / "content" / "posts").glob("*.md"))

    def command(self, *extra: str) -> list[str]:
        return [sys.executable, "-m", "sitegen", "build", "--source", str(self.site), "--now", NOW, *extra]

    def clean(self) -> None:
        set_aside(self.site / "output")
        set_aside(self.site / ".sitegen-cache")

    def cold(self, extra: tuple[str, ...] = ()) -> Run:
        self.clean()
        label = "sitegen cold" + (" " + " ".join(extra) if extra else "")
        return run_measured(label, self.command(*extra), self.site, self.timeout)

    def again(self) -> Run:
        return self.report(run_measured("sitegen no-change", self.command(), self.site, self.timeout))

    def edited(self, marker: str) -> Run:
        post = self.posts[int(len(self.posts) * EDITED_POST)]
        append_edit(post, marker)
        run = self.report(run_measured("sitegen one-post edit", self.command(), self.site, self.timeout))
        check_edit(self.site / "output" / "posts" / post.stem[11:] / "index.html", marker, "sitegen")
        return run

    @staticmethod
    def report(run: Run) -> Run:
        lines = run.stdout.strip().splitlines()
        if lines:
            print(f"    {lines[0][:160]}", file=sys.stderr, flush=True)
        return run

    def cache_files(self) -> list[str]:
        folder = self.site / ".sitegen-cache"
        return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


# --- Pelican -----------------------------------------------------------------------------------

PELICANCONF = '''\
# Written by bench/run.py: the Pelican side of the sitegen benchmark.
AUTHOR = "ava"
SITENAME = "Benchmark Bakery"
SITEURL = "https://bench.example"
RELATIVE_URLS = False
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
PATH = "content"
PAGE_PATHS = ["pages"]
ARTICLE_PATHS = ["posts"]
# The same URLs as sitegen's, so the edited post's page is easy to find.
ARTICLE_URL = "posts/{{slug}}/"
ARTICLE_SAVE_AS = "posts/{{slug}}/index.html"

# Feeds: the site feed and one per tag, full content, 20 entries; no category, author or
# translation feeds (sitegen.toml of the corpus turns those off too).
FEED_DOMAIN = SITEURL
FEED_ALL_ATOM = "feeds/all.atom.xml"
TAG_FEED_ATOM = "feeds/{{slug}}.atom.xml"
FEED_MAX_ITEMS = 20
RSS_FEED_SUMMARY_ONLY = False
CATEGORY_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None

DEFAULT_PAGINATION = 10

# Its content cache, so that rebuilds can reuse parsed content as sitegen's do.
CACHE_PATH = {cache_path!r}
LOAD_CONTENT_CACHE = True
CACHE_CONTENT = True

# sitegen's Markdown extensions and their settings (sitegen/markdown.py).
MARKDOWN = {{
    "extension_configs": {extension_configs!r},
    "output_format": "html5",
}}
'''


def pelican_metadata(front: dict) -> str:
    date = front["date"]
    date = date.strftime("%Y-%m-%d %H:%M") if hasattr(date, "strftime") else str(date)
    lines = [f"Title: {front['title']}", f"Date: {date}"]
    if front.get("tags"):
        lines.append("Tags: " + ", ".join(str(tag) for tag in front["tags"]))
    for key in ("category", "author"):
        if front.get(key):
            lines.append(f"{key.capitalize()}: {front[key]}")
    return "\n".join(lines)


def split_front_matter(text: str) -> tuple[dict, str]:
    import yaml

    if not text.startswith("---\n"):
        return {}, text
    front, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(front) or {}, body.lstrip("\n")


def make_pelican_site(source: Path, out: Path) -> None:
    """The corpus of `source` (a sitegen site) as a Pelican site in `out`."""
    from sitegen.markdown import EXTENSIONS

    for kind in ("posts", "pages"):
        folder = out / "content" / kind
        folder.mkdir(parents=True, exist_ok=True)
        for path in sorted((source / "content" / kind).glob("*.md")):
            front, body = split_front_matter(path.read_text(encoding="utf-8"))
            slug = path.stem[11:] if kind == "posts" else path.stem
            header = pelican_metadata(front) if kind == "posts" else f"Title: {front.get('title', slug)}"
            (folder / path.name).write_text(f"{header}\nSlug: {slug}\n\n{body}", encoding="utf-8")
    stock = stock_markdown_configs()
    configs = {f"markdown.extensions.{name}": stock.get(name, {}) for name in EXTENSIONS}
    (out / "pelicanconf.py").write_text(
        PELICANCONF.format(cache_path=str(out / "cache"), extension_configs=configs), encoding="utf-8"
    )


def ensure_pelican(venv: Path) -> tuple[Path, str]:
    """The pelican command of a venv under /tmp (made once, then reused) and its versions."""
    pelican = venv / "bin" / "pelican"
    if not pelican.exists():
        print(f"installing pelican[markdown] into {venv} ...", file=sys.stderr, flush=True)
        shutil.rmtree(venv, ignore_errors=True)
        base = shutil.which("python3") or sys.executable
        for command in ([base, "-m", "venv", str(venv)], [str(venv / "bin" / "pip"), "install", "-q", "pelican[markdown]"]):
            result = subprocess.run(command, capture_output=True, text=True, timeout=900)
            if result.returncode != 0:
                shutil.rmtree(venv, ignore_errors=True)
                raise BenchError(f"installing Pelican failed: $ {' '.join(command)}\n{tail(result.stderr)}")
    versions = subprocess.run(
        [str(venv / "bin" / "python"), "-c",
         "import sys, pelican, markdown, pygments; "
         "print(f'Pelican {pelican.__version__}, Markdown {markdown.__version__}, Pygments {pygments.__version__}, "
         "Python {sys.version.split()[0]}')"],
        capture_output=True, text=True, timeout=120,
    )
    if versions.returncode != 0:
        raise BenchError(f"the Pelican venv {venv} is broken (delete it to reinstall):\n{tail(versions.stderr)}")
    return pelican, versions.stdout.strip()


class Pelican:
    name = "Pelican"

    def __init__(self, site: Path, pelican: Path, timeout: float):
        self.site = site
        self.pelican = pelican
        self.timeout = timeout
        self.posts = sorted((site / "content" / "posts").glob("*.md"))

    def command(self) -> list[str]:
        return [str(self.pelican), "content", "-o", "output", "-s", "pelicanconf.py"]

    def cold(self) -> Run:
        set_aside(self.site / "output")
        set_aside(self.site / "cache")
        return run_measured("Pelican cold", self.command(), self.site, self.timeout)

    def again(self) -> Run:
        return run_measured("Pelican no-change", self.command(), self.site, self.timeout)

    def edited(self, marker: str) -> Run:
        post = self.posts[int(len(self.posts) * EDITED_POST)]
        append_edit(post, marker)
        run = run_measured("Pelican one-post edit", self.command(), self.site, self.timeout)
        check_edit(self.site / "output" / "posts" / post.stem[11:] / "index.html", marker, "Pelican")
        return run


# --- the Markdown floor --------------------------------------------------------------------------


def stock_markdown_configs() -> dict[str, dict]:
    """sitegen's Markdown extension settings (for Pelican and the floor); its Pygments formatter is
    added by each sitegen converter, so these keep codehilite's stock one."""
    from sitegen.markdown import EXTENSION_CONFIGS

    return {name: dict(config) for name, config in EXTENSION_CONFIGS.items()}


def floor_child(posts_folder: Path) -> None:
    """In a fresh process: convert every post body with sitegen's extensions and settings; print JSON.

    Python-Markdown alone, as it comes: codehilite keeps its stock Pygments formatter, and the
    stock inline processor and block parser. sitegen's speed-ups (its formatter subclass, its
    screened processors) belong to its own Markdown instances, not the floor's.
    """
    import markdown

    from sitegen.markdown import EXTENSIONS

    configs = stock_markdown_configs()
    bodies = [split_front_matter(p.read_text(encoding="utf-8"))[1] for p in sorted(posts_folder.glob("*.md"))]
    md = markdown.Markdown(extensions=list(EXTENSIONS), extension_configs=configs, output_format="html")
    md.convert("warm up")
    started, cpu_started = time.perf_counter(), time.process_time()
    for body in bodies:
        md.reset()
        md.convert(body)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(json.dumps({"posts": len(bodies), "seconds": seconds, "cpu": cpu, "markdown": markdown.__version__}))


def markdown_floor(site: Path, timeout: float) -> dict:
    try:
        result = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--floor-child", str(site / "content" / "posts")],
            capture_output=True, text=True, timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise BenchError(f"\nthe Markdown floor run: no result after {timeout:g} s, stopped.") from None
    if result.returncode != 0:
        raise BenchError(f"the Markdown floor run failed:\n{tail(result.stderr)}")
    floor = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"  Markdown floor: {floor['seconds']:.2f} s (CPU {floor['cpu']:.2f} s) for {floor['posts']} posts", file=sys.stderr, flush=True)
    return floor


# --- one post count ------------------------------------------------------------------------------


@dataclass
class Results:
    posts: int
    runs: dict[str, list[Run]] = field(default_factory=dict)
    files: dict[str, int] = field(default_factory=dict)
    floors: list[dict] = field(default_factory=list)
    """The Markdown floor, measured once per repeat, just before that repeat's builds."""
    cache_files: list[str] = field(default_factory=list)
    sources: tuple[str, str] = ("", "")
    """sitegen's source digest before and after."""
    load: tuple[float, float] = (0.0, 0.0)
    """The 1-minute load average before and after (the machine is shared)."""

    def add(self, key: str, run: Run) -> None:
        self.runs.setdefault(key, []).append(run)

    def seconds(self, key: str) -> float | None:
        runs = self.runs.get(key)
        return statistics.median(r.seconds for r in runs) if runs else None

    def cpu(self, key: str) -> float | None:
        runs = [r for r in self.runs.get(key, []) if r.cpu_seconds]
        return statistics.median(r.cpu_seconds for r in runs) if runs else None

    def rss_mib(self, key: str) -> float | None:
        runs = [r for r in self.runs.get(key, []) if r.rss_kib]
        return statistics.median(r.rss_kib for r in runs) / 1024 if runs else None

    def others(self, tool: str) -> float | None:
        runs = [run for key, runs in self.runs.items() if key.startswith(tool + " ") for run in runs]
        return statistics.mean(run.others for run in runs) if runs else None

    def pss_mib(self, key: str) -> float | None:
        runs = [r for r in self.runs.get(key, []) if r.pss_kib]
        return statistics.median(r.pss_kib for r in runs) / 1024 if runs else None


def measure(posts: int, work: Path, arguments, pelican: Path | None, has_jobs: bool) -> Results:
    print(f"\n== {posts} posts (in {work})", file=sys.stderr, flush=True)
    results = Results(posts)
    source_before, load_before = sitegen_source(), os.getloadavg()[0]
    sg_site = work / "sitegen"
    set_aside(work)
    make_corpus(sg_site, posts, arguments.seed)
    sitegen = Sitegen(sg_site, arguments.timeout, has_jobs)
    tools: list = [sitegen]
    if pelican is not None:
        pel_site = work / "pelican"
        make_pelican_site(sg_site, pel_site)
        tools.append(Pelican(pel_site, pelican, arguments.timeout))

    for repeat in range(arguments.repeat):
        print(f" repeat {repeat + 1}/{arguments.repeat}", file=sys.stderr, flush=True)
        # Once per repeat, beside the builds it is compared with: the floor moves with the machine too.
        results.floors.append(markdown_floor(sg_site, arguments.timeout))
        order = tools if repeat % 2 == 0 else tools[::-1]  # alternate which goes first
        for figure in ("cold", "again", "edited"):
            for tool in order:
                if figure == "cold":
                    run = tool.cold()
                    results.files[tool.name] = count_files(tool.site / "output")
                elif figure == "again":
                    run = tool.again()
                else:
                    run = tool.edited(f"bench-edit-{posts}-{repeat}-{time.time_ns()}")
                results.add(f"{tool.name} {figure}", run)
        results.cache_files = sitegen.cache_files()
        if has_jobs:
            results.add("sitegen cold --jobs 1", sitegen.cold(("--jobs", "1")))
    results.sources = (source_before, sitegen_source())
    results.load = (load_before, os.getloadavg()[0])
    return results


# --- the table -----------------------------------------------------------------------------------


def seconds_text(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.2f} s" if value < 100 else f"{value:.0f} s"


def ratio_text(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}" if a is not None and b else "–"


def time_cell(r: Results, key: str) -> str:
    wall, cpu = r.seconds(key), r.cpu(key)
    return seconds_text(wall) + (f" (CPU {seconds_text(cpu)})" if cpu is not None else "")


def table(all_results: list[Results], has_jobs: bool) -> str:
    rows = ["| posts | figure | sitegen | Pelican | sitegen / Pelican |", "|---:|---|---:|---:|---:|"]
    mib = lambda v: f"{v:.0f} MiB" if v is not None else "–"  # noqa: E731
    for r in all_results:
        n = f"{r.posts:,}"
        figures = [("cold build", "cold"), ("no-change rebuild", "again"), ("one-post edit rebuild", "edited")]
        for title, key in figures:
            sg, pel = r.seconds(f"sitegen {key}"), r.seconds(f"Pelican {key}")
            rows.append(f"| {n} | {title} | {time_cell(r, f'sitegen {key}')} | {time_cell(r, f'Pelican {key}')} | {ratio_text(sg, pel)} |")
        if has_jobs:
            rows.append(f"| {n} | cold build, `--jobs 1` | {time_cell(r, 'sitegen cold --jobs 1')} | | |")
        sg_rss, pel_rss = r.rss_mib("sitegen cold"), r.rss_mib("Pelican cold")
        rows.append(f"| {n} | peak RSS of the largest process, cold build | {mib(sg_rss)} | {mib(pel_rss)} | {ratio_text(sg_rss, pel_rss)} |")
        sg_pss, pel_pss = r.pss_mib("sitegen cold"), r.pss_mib("Pelican cold")
        rows.append(f"| {n} | peak PSS of all processes, cold build (sampled) | {mib(sg_pss)} | {mib(pel_pss)} | {ratio_text(sg_pss, pel_pss)} |")
        if has_jobs:
            rows.append(f"| {n} | peak RSS / PSS, cold build `--jobs 1` | {mib(r.rss_mib('sitegen cold --jobs 1'))} / {mib(r.pss_mib('sitegen cold --jobs 1'))} | | |")
        cores = lambda v: f"{v:.2f}" if v is not None else "–"  # noqa: E731
        rows.append(f"| {n} | cores busy with other processes during the runs (mean) | {cores(r.others('sitegen'))} | {cores(r.others('Pelican'))} | |")
        files = lambda name: f"{r.files[name]:,}" if name in r.files else "–"  # noqa: E731
        rows.append(f"| {n} | files in output/ | {files('sitegen')} | {files('Pelican')} | |")
        if r.floors:
            one = statistics.median(f["seconds"] for f in r.floors)
            rate = r.floors[0]["posts"] / one if one else 0
            cold = r.seconds("sitegen cold")
            each = ", ".join(ratio_text(run.seconds, f["seconds"] / 2) for run, f in zip(r.runs.get("sitegen cold", []), r.floors))
            runs = f" (runs: {', '.join(seconds_text(f['seconds']) for f in r.floors)})" if len(r.floors) > 1 else ""
            rows.append(f"| {n} | Markdown floor, 1 core ({rate:,.0f} posts/s){runs} | {seconds_text(one)} (CPU {seconds_text(statistics.median(f['cpu'] for f in r.floors))}) | | |")
            rows.append(f"| {n} | Markdown floor, 2 cores (1 core / 2) | {seconds_text(one / 2)} | | |")
            rows.append(f"| {n} | sitegen cold build / 2-core floor (each repeat: {each}) | {ratio_text(cold, one / 2)} | | |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, nargs="+", default=[1000], help="post counts (default 1000)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each figure; the median is reported")
    parser.add_argument("--skip-pelican", action="store_true", help="measure sitegen and the floor only")
    parser.add_argument("--keep", type=Path, help="write the sites here and keep them (default: a temporary folder)")
    parser.add_argument("--seed", type=int, default=1, help="the corpus seed (default 1)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds allowed for one build (default 1800)")
    parser.add_argument("--pelican-venv", type=Path, default=PELICAN_VENV, help=f"default {PELICAN_VENV}")
    parser.add_argument("--floor-child", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.floor_child:
        floor_child(arguments.floor_child)
        return
    if arguments.repeat < 1:
        parser.error("--repeat must be at least 1")

    started = time.perf_counter()
    compile_sitegen()
    has_jobs = "--jobs" in sitegen_help()
    pelican, pelican_versions = (None, "skipped") if arguments.skip_pelican else ensure_pelican(arguments.pelican_venv)
    import markdown

    import sitegen

    rss_source = TIME_BINARY if os.access(TIME_BINARY, os.X_OK) else "a Python wrapper's RUSAGE_CHILDREN"
    print(f"sitegen {sitegen.__version__} (Markdown {markdown.__version__}, Python {platform.python_version()}); "
          f"{pelican_versions}; peak RSS from {rss_source}; {os.cpu_count()} CPUs", file=sys.stderr)

    all_results = []
    keep = arguments.keep.resolve() if arguments.keep else None
    global TRASH
    with tempfile.TemporaryDirectory(prefix="sitegen-bench-") as temporary:
        root = keep or Path(temporary)
        TRASH = root / ".set-aside"
        try:
            for posts in arguments.posts:
                all_results.append(measure(posts, root / f"posts-{posts}", arguments, pelican, has_jobs))
        finally:
            shutil.rmtree(TRASH, ignore_errors=True)

    print()
    print(f"sitegen {sitegen.__version__}, Markdown {markdown.__version__}, Python {platform.python_version()}; "
          f"{pelican_versions}; {os.cpu_count()} CPUs; median of {arguments.repeat} run(s) each")
    print(f"`sitegen build --jobs`: {'yes' if has_jobs else 'not available'}; "
          f"files in .sitegen-cache/ after the rebuilds: {', '.join(all_results[-1].cache_files) or 'none'}")
    for r in all_results:
        changed = " **CHANGED during the run: figures mix versions**" if r.sources[0] != r.sources[1] else ""
        print(f"{r.posts:,} posts: sitegen source {r.sources[0]}{' -> ' + r.sources[1] if changed else ''}{changed}; "
              f"load average {r.load[0]:.2f} before, {r.load[1]:.2f} after")
    print()
    print(table(all_results, has_jobs))
    print(f"\n(total {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
