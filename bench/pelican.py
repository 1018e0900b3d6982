"""sitegen against Pelican on the same corpus: cold build, no-change and one-post-edit rebuilds,
peak memory.

    .venv/bin/python bench/pelican.py --posts 1000 10000 [--repeat 3]

Pelican is installed into a virtual environment under /tmp (kept and reused), and given the same
corpus (bench/make_corpus.py) converted to its `Key: value` metadata, sitegen's Markdown
extensions, the same URLs, and its content cache on. The two tools alternate figure by figure
(which goes first alternates by repeat); each build is a new process measured as in
bench/measure.py. Medians are reported.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import measure  # noqa: E402
from make_corpus import make_corpus  # noqa: E402
from measure import BenchError, Run, Tool, compile_sitegen, sitegen, tail  # noqa: E402
from run import split_front_matter, stock_markdown_configs  # noqa: E402

PELICAN_VENV = Path("/tmp/sitegen-bench-pelican-venv")

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


def pelican(site: Path, command: Path, timeout: float) -> Tool:
    return Tool(
        "Pelican",
        site,
        [str(command), "content", "-o", "output", "-s", "pelicanconf.py"],
        ("output", "cache"),
        lambda post: site / "output" / "posts" / post.stem[11:] / "index.html",
        timeout,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, nargs="+", default=[1000], help="post counts (default 1000)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each figure; the median is reported")
    parser.add_argument("--seed", type=int, default=1, help="the corpus seed (default 1)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds allowed for one build (default 1800)")
    parser.add_argument("--pelican-venv", type=Path, default=PELICAN_VENV, help=f"default {PELICAN_VENV}")
    arguments = parser.parse_args()
    compile_sitegen()
    command, versions = ensure_pelican(arguments.pelican_venv)
    print(versions, file=sys.stderr)
    rows = ["| posts | figure | sitegen | Pelican | sitegen / Pelican |", "|---:|---|---:|---:|---:|"]
    with tempfile.TemporaryDirectory(prefix="sitegen-bench-pelican-") as temporary:
        measure.TRASH = Path(temporary) / ".set-aside"
        for posts in arguments.posts:
            work = Path(temporary) / f"posts-{posts}"
            make_corpus(work / "sitegen", posts, arguments.seed)
            make_pelican_site(work / "sitegen", work / "pelican")
            tools = [sitegen(work / "sitegen", arguments.timeout), pelican(work / "pelican", command, arguments.timeout)]
            runs: dict[tuple[str, str], list[Run]] = {}
            for repeat in range(arguments.repeat):
                order = tools if repeat % 2 == 0 else tools[::-1]
                for figure in ("cold", "no-change", "one-post edit"):
                    for tool in order:
                        if figure == "cold":
                            run = tool.cold()
                        elif figure == "no-change":
                            run = tool.again()
                        else:
                            run = tool.edited(f"bench-edit-{posts}-{repeat}-{time.time_ns()}")
                        runs.setdefault((tool.name, figure), []).append(run)
            for figure in ("cold", "no-change", "one-post edit"):
                ours, theirs = (statistics.median(r.seconds for r in runs[(name, figure)]) for name in ("sitegen", "Pelican"))
                rows.append(f"| {posts:,} | {figure} | {ours:.2f} s | {theirs:.2f} s | {ours / theirs:.2f} |")
            ours, theirs = (statistics.median(r.peak_mib for r in runs[(name, "cold")]) for name in ("sitegen", "Pelican"))
            rows.append(f"| {posts:,} | peak memory, cold build | {ours:.0f} MiB | {theirs:.0f} MiB | {ours / theirs:.2f} |")
        shutil.rmtree(measure.TRASH, ignore_errors=True)
    print(f"\n{versions}; median of {arguments.repeat} run(s) each\n")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
