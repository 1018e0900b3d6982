"""The on-disk build cache: faster rebuilds in a new process, never a different result."""

from __future__ import annotations

import os
import pickle
import shutil
import time

import pytest

from sitegen.cache import BUILD_FILE, CACHE_DIR, cache_versions, files_of
from sitegen.content import _SETTLED_NS

from .conftest import NOW, post, run_cli, snapshot, write_files
from .test_incremental import corpus

pytestmark = pytest.mark.slow  # real `sitegen build` runs, several per test

ARGS = ("--now", NOW.isoformat())


def build_cli(root, *extra):
    return run_cli("build", "--source", str(root), *ARGS, *extra, check=True)


def tree(folder) -> dict[str, bytes]:
    return {path: data for path, (data, _) in snapshot(folder).items()}


def settle(folder) -> None:
    """Wait until every file under folder is old enough for builds to trust its status (size, times).

    Builds judge a file's age by its ctime, which no system call sets back (os.utime moves it to now),
    so this is a wait for the clock itself, not for an event: it sleeps exactly until the newest file
    is settled, and no longer.
    """
    newest = max(p.stat().st_ctime_ns for p in folder.rglob("*"))
    remaining = newest + _SETTLED_NS + 50_000_000 - time.time_ns()  # 50 ms: ctime is coarser than time_ns
    if remaining > 0:
        time.sleep(remaining / 1e9)


def cold_tree(root, tmp_path) -> dict[str, bytes]:
    out = tmp_path / "cold"
    run_cli("build", "--source", str(root), "--output", str(out), "--no-cache", *ARGS, check=True)
    return tree(out)


def test_cached_rebuild_equals_a_cold_build(make_site, tmp_path):
    root = make_site(corpus(40))
    build_cli(root)
    assert (root / CACHE_DIR / BUILD_FILE).is_file()
    path = root / "content/posts/2025-06-06-post-5.md"
    path.write_text(path.read_text().replace("Some *text*", "Other *text*"))
    (root / "content/posts/2025-07-07-post-6.md").unlink()
    write_files(root, {"content/posts/2026-01-01-new.md": post("New", "2026-01-01 09:00", "Fresh.", tags="[bread]")})
    result = build_cli(root)
    assert "rendered " in result.stdout
    assert tree(root / "output") == cold_tree(root, tmp_path)


def test_no_change_rebuild_writes_no_files(make_site):
    root = make_site(corpus(20))
    build_cli(root)
    before = snapshot(root / "output")
    result = build_cli(root)
    assert "0 written" in result.stdout
    assert snapshot(root / "output") == before  # same bytes and modification times


# The file of render records, and the files of what is kept for post 5: its document, and what was made of it.
CACHE_FILES = [BUILD_FILE, *files_of("content/posts/2025-06-06-post-5.md")]


@pytest.mark.parametrize("name", CACHE_FILES)
def test_corrupt_cache_is_ignored_with_a_warning(make_site, tmp_path, name):
    root = make_site(corpus(10))
    build_cli(root)
    cache_file = root / CACHE_DIR / name
    data = cache_file.read_bytes()
    cache_file.write_bytes(data[: len(data) // 2] + b"\x00garbage")
    result = build_cli(root)
    assert f"warning: {cache_file}: unreadable (" in result.stderr
    assert "ignoring it and rebuilding" in result.stderr
    assert tree(root / "output") == cold_tree(root, tmp_path)
    assert build_cli(root).stderr == ""  # the rebuilt cache is good again


@pytest.mark.parametrize("name", CACHE_FILES)
def test_foreign_version_cache_is_ignored(make_site, tmp_path, name):
    root = make_site(corpus(10))
    build_cli(root)
    cache_file = root / CACHE_DIR / name
    with cache_file.open("rb") as file:
        pickle.load(file)
        state = pickle.load(file)
    header = cache_versions() | {"markdown": "0.0.1"}
    with cache_file.open("wb") as file:
        pickle.dump(header, file)
        pickle.dump(state, file)
    result = build_cli(root)
    assert f"warning: {cache_file}: made by other versions (markdown 0.0.1 here " in result.stderr
    assert tree(root / "output") == cold_tree(root, tmp_path)


def test_a_cache_from_another_version_is_one_warning_not_one_per_file(make_site, tmp_path):
    """After an upgrade every cache file is outdated at once: the owner reads one line about it."""
    root = make_site(corpus(10))
    build_cli(root)
    files = sorted(p for p in (root / CACHE_DIR).iterdir() if p.suffix == ".pickle")
    assert len(files) > 2
    for cache_file in files:
        with cache_file.open("rb") as file:
            pickle.load(file)
            state = pickle.load(file)
        with cache_file.open("wb") as file:
            pickle.dump(cache_versions() | {"sitegen": "0.0.1"}, file)
            pickle.dump(state, file)
    result = build_cli(root)
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, result.stderr
    assert warnings[0].startswith(f"warning: {root / CACHE_DIR}{os.sep} ({len(files)} files): made by other versions (sitegen 0.0.1 here ")
    assert warnings[0].endswith("; rebuilding them")
    assert tree(root / "output") == cold_tree(root, tmp_path)


def test_a_tampered_output_file_is_rebuilt(make_site):
    root = make_site(corpus(10))
    build_cli(root)
    page = root / "output/posts/post-3/index.html"
    good = page.read_bytes()
    page.write_bytes(b"vandalised")
    build_cli(root)
    assert page.read_bytes() == good
    page.unlink()
    build_cli(root)
    assert page.read_bytes() == good


def test_deleting_the_cache_is_safe(make_site, tmp_path):
    root = make_site(corpus(10))
    build_cli(root)
    assert (root / CACHE_DIR / "templates").is_dir()  # compiled templates are kept there too
    shutil.rmtree(root / CACHE_DIR)
    result = build_cli(root)
    assert result.stderr == "" and "0 written" in result.stdout
    assert tree(root / "output") == cold_tree(root, tmp_path)


def test_no_change_rebuild_leaves_the_cache_file_alone(make_site):
    root = make_site(corpus(10))
    settle(root / "content")  # else the first build after the files settle records their status
    build_cli(root)
    build_cli(root)  # the first rebuild may still record file status (see test below)
    def times() -> dict[str, int]:
        return {p.name: p.stat().st_mtime_ns for p in (root / CACHE_DIR).glob("*.pickle")}

    before = times()
    assert BUILD_FILE in before and len(before) > 2  # the render records and several files of documents
    build_cli(root)
    assert times() == before
    path = root / "content/posts/2025-06-06-post-5.md"
    path.write_text(path.read_text().replace("Some *text*", "Other *text*"))
    # Settled first: a file changed under two seconds ago is read again by every build (file times are
    # coarse), and the build that first finds it settled records its status, a change of its files.
    settle(root / "content")
    build_cli(root)
    after = times()
    changed = {name for name in after if after[name] != before.get(name)}
    post = "content/posts/2025-06-06-post-5.md"
    assert changed == {BUILD_FILE, *files_of(post)}  # the edited post's files only

    # A settings edit changes what the build made of every file (heads, feed HTML), not the files' documents.
    config = root / "sitegen.toml"
    config.write_text(config.read_text().replace('title = "Test Bakery"', 'title = "Test Bakery & Co"'))
    before = times()
    build_cli(root)
    after = times()
    changed = {name for name in after if after[name] != before.get(name)}
    assert changed and not any(name.startswith("files-") for name in changed), sorted(changed)


def test_an_edit_that_keeps_size_and_modification_time_is_still_seen(make_site, tmp_path):
    """File status stands for a file's bytes only while size, times and inode all match (as git's index)."""
    root = make_site(corpus(10))
    path = root / "content/posts/2025-06-06-post-5.md"
    settle(root / "content")  # status is trusted only once a file is 2 s old (file times are coarse)
    build_cli(root)
    with (root / CACHE_DIR / files_of("content/posts/2025-06-06-post-5.md")[0]).open("rb") as file:
        pickle.load(file)
        assert "content/posts/2025-06-06-post-5.md" in pickle.load(file)["content.stats"]  # the next build trusts it
    status = os.stat(path)
    text = path.read_text()
    edited = text.replace("Some *text*", "Sume *text*")
    assert len(edited) == len(text)
    path.write_text(edited)
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))  # same size and mtime; only ctime moves
    build_cli(root)
    assert b"Sume <em>text</em>" in (root / "output/posts/post-5/index.html").read_bytes()
    assert tree(root / "output") == cold_tree(root, tmp_path)


# Builds with a warm cache in a fresh interpreter, then reports whether pydantic built any validator.
VALIDATED = """
import datetime as dt, sys
from pathlib import Path
from sitegen.build import Memos, build
from sitegen.cache import DiskCache
from sitegen.config import Settings
from sitegen.meta import SCHEMAS

root = Path(sys.argv[1])
cache = DiskCache(root / ".sitegen-cache")
memos, _ = cache.load(Memos)
result = build(root, now=dt.datetime.fromisoformat(sys.argv[2]), memos=memos, cache_folder=cache.folder)
cache.save(result.memos)
built = [model.__name__ for model in (Settings, *SCHEMAS.values()) if model.__pydantic_complete__]
print(",".join(built) or "none", "importlib.metadata" in sys.modules, "yaml" in sys.modules)
"""


def validated_in_a_fresh_process(root) -> str:
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", VALIDATED, str(root), NOW.isoformat()], capture_output=True, text=True, check=True)
    return result.stdout.strip()


def test_a_body_edit_validates_nothing_again(make_site):
    """Unchanged settings and front matter are last build's, so a body edit builds none of pydantic's
    validators (30-40 ms with the import of importlib.metadata) and needs no YAML parser (10 ms);
    a front matter edit is parsed and validated."""
    root = make_site(corpus(10))
    build_cli(root)
    path = root / "content/posts/2025-06-06-post-5.md"
    path.write_text(path.read_text().replace("Some *text*", "Other *text*"))
    assert validated_in_a_fresh_process(root) == "none False False"
    assert b"Other <em>text</em>" in (root / "output/posts/post-5/index.html").read_bytes()

    path.write_text(path.read_text().replace("title: 'Post 5'", "title: 'Post five'"))
    assert validated_in_a_fresh_process(root) == "PostMeta True True"
    assert b"Post five" in (root / "output/posts/post-5/index.html").read_bytes()

    path.write_text(path.read_text().replace("title: 'Post five'", "titel: 'Post five'"))
    result = run_cli("build", "--source", str(root), *ARGS)
    assert result.returncode != 0
    assert "content/posts/2025-06-06-post-5.md:2: unknown field 'titel'" in result.stderr


def test_front_matter_is_read_again_in_a_new_time_zone(make_site, tmp_path):
    """Front matter dates without a zone are in the site's: a body edit in the same rebuild as a new
    time zone must not reuse the meta read in the old one."""
    root = make_site({"content/posts/2026-03-01-a.md": post("A", "2026-03-01 09:00", "First.")})
    build_cli(root)
    assert b'datetime="2026-03-01T09:00:00+01:00"' in (root / "output/posts/a/index.html").read_bytes()
    config = root / "sitegen.toml"
    config.write_text(config.read_text().replace('timezone = "Europe/Paris"', 'timezone = "Asia/Tokyo"'))
    write_files(root, {"content/posts/2026-03-01-a.md": post("A", "2026-03-01 09:00", "Second.")})
    build_cli(root)
    assert b'datetime="2026-03-01T09:00:00+09:00"' in (root / "output/posts/a/index.html").read_bytes()
    assert tree(root / "output") == cold_tree(root, tmp_path)


def test_versions_come_from_the_modules_without_deprecated_lookups():
    """A module whose __getattr__ serves a deprecated __version__ (Jinja 3.2) is not asked for it:
    the installed distribution's version is used instead, with no warning."""
    import types
    import warnings

    from sitegen.cache import _distribution_version, _module_version

    module = types.ModuleType("deprecating")

    def __getattr__(name):
        warnings.warn(f"{name} is deprecated", DeprecationWarning, stacklevel=2)
        return "1.0"

    module.__getattr__ = __getattr__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _module_version(module) is None
        module.__version__ = "2.5"
        assert _module_version(module) == "2.5"
    assert _distribution_version("jinja2") == cache_versions()["jinja2"]
    assert _distribution_version("no-such-distribution-here") == "?"
