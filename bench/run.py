"""Cold build, rebuilds and peak memory of sitegen, with the Markdown floor.

    .venv/bin/python bench/run.py --posts 1000 10000 [--repeat 3] [--keep DIR]

For each post count N it writes the corpus of bench/make_corpus.py, then measures, each build a
new process (bench/measure.py: wall time, and CPU and peak memory from os.wait4): a cold full
build (no output/, no .sitegen-cache/), a no-change rebuild, a rebuild after appending a
paragraph to one post, and a cold build with `--jobs 1`. Beside each repeat, the Markdown floor:
Python-Markdown alone, with sitegen's extensions, converting every post body in one process
(and that time halved, the floor for the machine's 2 cores). With --repeat > 1 the medians are
reported. The comparison with Pelican is bench/pelican.py.

The machine is shared, so the script also reports how many cores other processes kept busy
during the runs, and whether sitegen's source changed while it ran.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import measure  # noqa: E402
from make_corpus import make_corpus  # noqa: E402
from measure import BenchError, Run, compile_sitegen, count_files, sitegen, sitegen_source, tail  # noqa: E402


def split_front_matter(text: str) -> tuple[dict, str]:
    import yaml

    if not text.startswith("---\n"):
        return {}, text
    front, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(front) or {}, body.lstrip("\n")


def stock_markdown_configs() -> dict[str, dict]:
    """sitegen's Markdown extension settings (for the floor and Pelican); its Pygments formatter is
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

    bodies = [split_front_matter(p.read_text(encoding="utf-8"))[1] for p in sorted(posts_folder.glob("*.md"))]
    md = markdown.Markdown(extensions=list(EXTENSIONS), extension_configs=stock_markdown_configs(), output_format="html")
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


@dataclass
class Results:
    posts: int
    runs: dict[str, list[Run]] = field(default_factory=dict)
    files: int = 0
    floors: list[dict] = field(default_factory=list)
    """The Markdown floor, measured once per repeat, just before that repeat's builds."""
    cache_files: list[str] = field(default_factory=list)
    sources: tuple[str, str] = ("", "")
    """sitegen's source digest before and after."""
    load: tuple[float, float] = (0.0, 0.0)
    """The 1-minute load average before and after."""

    def median(self, key: str, attribute: str) -> float | None:
        runs = self.runs.get(key)
        return statistics.median(getattr(r, attribute) for r in runs) if runs else None


def measure_posts(posts: int, work: Path, arguments) -> Results:
    print(f"\n== {posts} posts (in {work})", file=sys.stderr, flush=True)
    results = Results(posts)
    source_before, load_before = sitegen_source(), os.getloadavg()[0]
    site = work / "sitegen"
    measure.set_aside(work)
    make_corpus(site, posts, arguments.seed)
    tool = sitegen(site, arguments.timeout)
    for repeat in range(arguments.repeat):
        print(f" repeat {repeat + 1}/{arguments.repeat}", file=sys.stderr, flush=True)
        # Once per repeat, beside the builds it is compared with: the floor moves with the machine too.
        results.floors.append(markdown_floor(site, arguments.timeout))
        results.runs.setdefault("cold", []).append(tool.cold())
        results.files = count_files(site / "output")
        results.runs.setdefault("no-change", []).append(tool.again())
        results.runs.setdefault("one-post edit", []).append(tool.edited(f"bench-edit-{posts}-{repeat}-{time.time_ns()}"))
        folder = site / ".sitegen-cache"
        results.cache_files = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
        results.runs.setdefault("cold, --jobs 1", []).append(tool.cold(("--jobs", "1")))
    results.sources = (source_before, sitegen_source())
    results.load = (load_before, os.getloadavg()[0])
    return results


def seconds_text(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.2f} s" if value < 100 else f"{value:.0f} s"


def table(all_results: list[Results]) -> str:
    rows = ["| posts | figure | time (CPU) | peak memory | other processes (cores) |", "|---:|---|---:|---:|---:|"]
    for r in all_results:
        n = f"{r.posts:,}"
        for key in ("cold", "no-change", "one-post edit", "cold, --jobs 1"):
            runs = ", ".join(seconds_text(run.seconds) for run in r.runs.get(key, []))
            rows.append(
                f"| {n} | {key} ({runs}) | {seconds_text(r.median(key, 'seconds'))} (CPU {seconds_text(r.median(key, 'cpu_seconds'))}) "
                f"| {r.median(key, 'peak_mib'):.0f} MiB | {r.median(key, 'others'):.2f} |"
            )
        rows.append(f"| {n} | files in output/ | {r.files:,} | | |")
        if r.floors:
            one = statistics.median(f["seconds"] for f in r.floors)
            cold = r.median("cold", "seconds")
            each = ", ".join(f"{run.seconds / (f['seconds'] / 2):.2f}" for run, f in zip(r.runs.get("cold", []), r.floors))
            floors = ", ".join(seconds_text(f["seconds"]) for f in r.floors)
            rows.append(f"| {n} | Markdown floor, 1 core ({floors}) | {seconds_text(one)} | | |")
            rows.append(f"| {n} | cold build / 2-core floor (each repeat: {each}) | {cold / (one / 2):.2f} × | | |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, nargs="+", default=[1000], help="post counts (default 1000)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each figure; the median is reported")
    parser.add_argument("--keep", type=Path, help="write the sites here and keep them (default: a temporary folder)")
    parser.add_argument("--seed", type=int, default=1, help="the corpus seed (default 1)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds allowed for one build (default 1800)")
    parser.add_argument("--floor-child", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.floor_child:
        floor_child(arguments.floor_child)
        return
    if arguments.repeat < 1:
        parser.error("--repeat must be at least 1")

    started = time.perf_counter()
    compile_sitegen()
    import markdown

    import sitegen as package

    all_results = []
    keep = arguments.keep.resolve() if arguments.keep else None
    with tempfile.TemporaryDirectory(prefix="sitegen-bench-") as temporary:
        root = keep or Path(temporary)
        measure.TRASH = root / ".set-aside"
        try:
            for posts in arguments.posts:
                all_results.append(measure_posts(posts, root / f"posts-{posts}", arguments))
        finally:
            shutil.rmtree(measure.TRASH, ignore_errors=True)

    print()
    print(f"sitegen {package.__version__}, Markdown {markdown.__version__}, Python {platform.python_version()}; "
          f"{os.cpu_count()} CPUs; median of {arguments.repeat} run(s) each")
    print(f"files in .sitegen-cache/ after the rebuilds: {', '.join(all_results[-1].cache_files) or 'none'}")
    for r in all_results:
        changed = " **CHANGED during the run: figures mix versions**" if r.sources[0] != r.sources[1] else ""
        print(f"{r.posts:,} posts: sitegen source {r.sources[0]}{' -> ' + r.sources[1] if changed else ''}{changed}; "
              f"load average {r.load[0]:.2f} before, {r.load[1]:.2f} after")
    print()
    print(table(all_results))
    print(f"\n(total {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
