"""`sitegen publish` to a real SFTP server on localhost, after a one-post edit on a generated site.

    .venv/bin/python bench/publish.py --posts 10000 --repeat 3
    .venv/bin/python bench/publish.py --posts 10000 --repeat 5 --keep    # again, without the cold publish

Starts OpenSSH's server (Debian's openssh-server) on a free 127.0.0.1 port with throwaway keys,
writes the corpus (bench/make_corpus.py) once, publishes it whole (cold build and every file sent),
publishes again with no change, then edits one post and publishes, --repeat times. Each publish is a
new `sitegen publish` process, timed from here, build included; it says how many files it sent.
Target: under 5 s, and only the changed files sent.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH), str(BENCH.parent)]

from make_corpus import make_corpus  # noqa: E402
from measure import NOW, BenchError, Run, Tool, compile_sitegen  # noqa: E402

from tests.destinations import known_hosts, start_sshd  # noqa: E402

TARGET = 5.0


def sent(run: Run) -> tuple[int, int]:
    """(files uploaded, files deleted) that a publish reported."""
    match = re.search(r"published to \S+: ([\d,]+) files? uploaded \([^)]*\), ([\d,]+) deleted", run.stdout)
    if not match:
        raise BenchError(f"no publish summary in:\n{run.stdout}")
    return int(match.group(1).replace(",", "")), int(match.group(2).replace(",", ""))


def written(run: Run) -> int:
    """Files the build step of a publish wrote into output/ (its summary line)."""
    match = re.search(r"; (\d+) written, ", run.stdout)
    if not match:
        raise BenchError(f"no build summary in:\n{run.stdout}")
    return int(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3, help="one-post edits to publish (default 3)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/sitegen-bench-publish"), help="where the corpus, server and destination go")
    parser.add_argument("--keep", action="store_true", help="keep the last run's build and destination: no cold publish, only the edits")
    arguments = parser.parse_args()
    work = arguments.work
    site = work / f"corpus-{arguments.posts}"
    if not (site / "sitegen.toml").is_file():
        make_corpus(site, arguments.posts)
    keep = arguments.keep and (work / "www" / ".sitegen-publish.json").is_file() and (site / "output").is_dir()
    for leftover in ("home", "sshd") if keep else ("www", "home", "sshd"):
        shutil.rmtree(work / leftover, ignore_errors=True)
    (work / "sshd").mkdir(parents=True)
    (work / "home").mkdir()
    server = start_sshd(work / "sshd")
    try:
        known_hosts(work / "home", server.host_key_line)
        os.environ.pop("SSH_AUTH_SOCK", None)
        os.environ.update(HOME=str(work / "home"), SITEGEN_SSH_KEY=str(server.user_key))
        address = f"sftp://{server.user}@127.0.0.1:{server.port}{work / 'www'}"
        compile_sitegen()
        tool = Tool(
            "publish", site, [sys.executable, "-m", "sitegen", "publish", "--source", str(site), "--now", NOW, "--to", address],
            ("output", ".sitegen-cache"), lambda post: work / "www" / "posts" / post.stem[11:] / "index.html", timeout=3600,
        )
        cold = None if keep else tool.cold()
        again = tool.again()
        edits = [tool.edited(f"publish-bench-{number}") for number in range(arguments.repeat)]
    finally:
        server.process.terminate()
        server.process.wait(10)
    files = sum(1 for path in (work / "www").rglob("*") if path.is_file())
    print(f"\n{arguments.posts:,} posts, {files:,} files at the destination ({address})")
    if cold is not None:
        print(f"cold build + first publish: {cold.seconds:.2f} s, sent {sent(cold)[0]:,} files")
    print(f"no-change publish: {again.seconds:.2f} s, sent {sent(again)[0]} files")
    for number, run in enumerate(edits, 1):
        uploaded, deleted = sent(run)
        print(
            f"one-post edit {number}: {run.seconds:.2f} s (CPU {run.cpu_seconds:.2f} s), the build wrote {written(run)} files, "
            f"sent {uploaded}, deleted {deleted}; other processes busy {run.others:.2f} cores"
        )
    median = statistics.median(run.seconds for run in edits)
    print(f"one-post edit, median of {len(edits)}: {median:.2f} s (target under {TARGET:g} s: {'met' if median < TARGET else 'NOT met'})")


if __name__ == "__main__":
    main()
