"""Golden sites: small sites in tests/golden/<name>/site, built with the fixed clock, compared byte for
byte with the committed tree in tests/golden/<name>/expected (what the build writes: output/ and private/).

The expected trees are sitegen's own output, reviewed once in a diff, not a second implementation of the
site's rules. When a change to sitegen changes the output on purpose, rewrite them with one command:

    make golden          # or: pytest tests/test_golden.py --update-golden

and review `git diff tests/golden` before committing it.

Two kinds of files are left out of the comparison: the theme's static files (output/static/css/*.css,
favicon.svg), which are checked to be exact copies of the theme's files instead, so a CSS edit does not
rewrite every golden tree; and the .sitegen-manifest.json files, the writer's record of the hashes of the
files it wrote (tests/test_write.py checks what it is for).
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from sitegen import build

from .conftest import NOW, REPO

GOLDEN = Path(__file__).resolve().parent / "golden"
SITES = sorted(p.name for p in GOLDEN.iterdir() if (p / "site").is_dir())
THEME_STATIC = REPO / "themes" / "default" / "static"
MANIFEST = ".sitegen-manifest.json"
WRITTEN = ("output", "private")  # the folders a build writes in the site's folder
SHOWN_DIFFS = 3  # text files whose unified diff a failure prints
SHOWN_LINES = 60  # lines of each such diff


def theme_static_files(root: Path) -> dict[str, Path]:
    """output/static/<path> -> the default theme's file, for each theme file the site does not replace."""
    files = {}
    for path in sorted(THEME_STATIC.rglob("*")):
        relative = path.relative_to(THEME_STATIC).as_posix()
        if path.is_file() and not (root / "content" / "static" / relative).exists():
            files[f"output/static/{relative}"] = path
    return files


def tree(folder: Path, leave_out: set[str] = frozenset()) -> dict[str, bytes]:
    """Every file under folder by its relative path, but the manifests and the paths in leave_out."""
    return {
        relative: path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != MANIFEST and (relative := path.relative_to(folder).as_posix()) not in leave_out
    }


def built_tree(name: str, tmp_path: Path) -> dict[str, bytes]:
    """Build a copy of the golden site with the fixed clock; its written files, theme static files checked and left out."""
    root = tmp_path / name
    shutil.copytree(GOLDEN / name / "site", root)
    build(root, now=NOW)
    theme = theme_static_files(root)
    copies = {relative: (root / relative).read_bytes() == source.read_bytes() for relative, source in theme.items() if (root / relative).is_file()}
    assert copies == {relative: True for relative in theme}, "the theme's static files are not copied as they are"
    built = {}
    for folder in WRITTEN:
        if (root / folder).is_dir():
            built |= {f"{folder}/{relative}": data for relative, data in tree(root / folder, {p.removeprefix(f"{folder}/") for p in theme}).items()}
    return built


def write_expected(folder: Path, files: dict[str, bytes]) -> None:
    """Replace the expected tree at folder with files (stale files go)."""
    shutil.rmtree(folder, ignore_errors=True)
    for relative, data in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def differences(expected: dict[str, bytes], actual: dict[str, bytes]) -> str:
    """A readable report: missing and unexpected files, then the unified diffs of the first few changed ones."""
    lines = []
    missing = sorted(expected.keys() - actual.keys())
    unexpected = sorted(actual.keys() - expected.keys())
    changed = sorted(p for p in expected.keys() & actual.keys() if expected[p] != actual[p])
    if missing:
        lines += ["files the build no longer writes:", *(f"  {p}" for p in missing)]
    if unexpected:
        lines += ["files the build writes that the golden tree lacks:", *(f"  {p}" for p in unexpected)]
    if changed:
        lines += [f"{len(changed)} files differ:", *(f"  {p}" for p in changed)]
    for path in changed[:SHOWN_DIFFS]:
        try:
            before, after = expected[path].decode("utf-8"), actual[path].decode("utf-8")
        except UnicodeDecodeError:
            lines.append(f"--- {path}: binary, {len(expected[path])} bytes expected, {len(actual[path])} built")
            continue
        diff = list(difflib.unified_diff(before.splitlines(), after.splitlines(), f"expected/{path}", f"built/{path}", lineterm=""))
        lines += diff[:SHOWN_LINES] + ([f"... {len(diff) - SHOWN_LINES} more diff lines"] if len(diff) > SHOWN_LINES else [])
    lines.append("If the change is intended: make golden (pytest tests/test_golden.py --update-golden), then review git diff tests/golden.")
    return "\n".join(lines)


def test_there_are_golden_sites():
    assert SITES, f"no golden sites in {GOLDEN}"


@pytest.mark.parametrize("name", SITES)
def test_golden_site_builds_exactly_its_expected_tree(name, tmp_path, request):
    actual = built_tree(name, tmp_path)
    expected_folder = GOLDEN / name / "expected"
    if request.config.getoption("--update-golden"):
        write_expected(expected_folder, actual)
        return
    assert expected_folder.is_dir(), f"{expected_folder} is missing: run make golden to write it, then review it"
    expected = tree(expected_folder)
    if expected != actual:
        pytest.fail(differences(expected, actual), pytrace=False)
