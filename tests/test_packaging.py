"""The package as pip builds it: a quiet build, and a wheel that carries the whole default theme."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from .conftest import REPO


def test_the_wheel_builds_without_setuptools_warnings_and_carries_every_theme_file(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    for folder in ("sitegen", "themes"):
        shutil.copytree(REPO / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(tmp_path / "dist"), str(source)],
        capture_output=True, text=True,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # setuptools' own warnings (a data folder it would ignore, a deprecated setting) look like a
    # failure to an owner running `make build`; pip's notes about this machine's indexes are not ours.
    ours = [line for line in output.splitlines() if "Warning" in line or "would be ignored" in line]
    assert ours == []
    (wheel,) = (tmp_path / "dist").glob("sitegen-*.whl")
    packaged = {name for name in zipfile.ZipFile(wheel).namelist() if name.startswith("sitegen/themes/") and not name.endswith("__init__.py")}
    theme_files = {
        "sitegen/themes/" + path.relative_to(REPO / "themes").as_posix()
        for path in (REPO / "themes").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.name != "__init__.py"
    }
    assert packaged == theme_files
