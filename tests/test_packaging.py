"""The package as pip builds it: a quiet build, and a wheel that carries the whole default theme."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from .conftest import REPO

pytestmark = pytest.mark.slow  # pip builds a wheel and an editable install


def quiet(output: str) -> list[str]:
    """setuptools' own warnings in pip's output (a data folder it would ignore, an editable-install
    notice): they look like a failure to an owner running `make build`. pip's notes about this
    machine's package indexes are not ours."""
    return [line for line in output.splitlines() if "Warning" in line or "would be ignored" in line]


def copy_source(destination: Path) -> Path:
    """The files pip builds sitegen from, as in a fresh clone (sitegen/themes stays a link to themes/)."""
    destination.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, destination / name)
    for folder in ("sitegen", "themes"):
        shutil.copytree(REPO / folder, destination / folder, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
    # As after sitegen has run once (make build, then make test installs again): Python has cached
    # the bytecode of themes/__init__.py, and setuptools must neither warn about nor ship it.
    (destination / "themes/__pycache__").mkdir()
    (destination / "themes/__pycache__/__init__.cpython-311.pyc").write_bytes(b"bytecode")
    return destination


def test_the_wheel_builds_without_setuptools_warnings_and_carries_every_theme_file(tmp_path):
    source = copy_source(tmp_path / "source")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(tmp_path / "dist"), str(source)],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert quiet(result.stdout + result.stderr) == []
    (wheel,) = (tmp_path / "dist").glob("sitegen-*.whl")
    packaged = {name for name in zipfile.ZipFile(wheel).namelist() if name.startswith("sitegen/themes/") and not name.endswith("__init__.py")}
    assert not any("__pycache__" in name for name in packaged)
    theme_files = {
        "sitegen/themes/" + path.relative_to(REPO / "themes").as_posix()
        for path in (REPO / "themes").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.name != "__init__.py"
    }
    assert packaged == theme_files
    assert "sitegen/subscribers/schema.sql" in zipfile.ZipFile(wheel).namelist()  # the subscriber list's schema


def test_an_editable_install_is_quiet_and_finds_the_bundled_theme(tmp_path):
    """What `make build` does (pip install -e .), with this environment's current pip, into a new
    virtual environment (never into this one: that would replace the sitegen under test)."""
    source = copy_source(tmp_path / "source")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "-e", str(source)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert quiet(result.stdout + result.stderr) == []
    themes = subprocess.run(
        [python, "-c", "from sitegen.theme import bundled_themes; print(bundled_themes().resolve())"],
        capture_output=True, text=True, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": sysconfig.get_paths()["purelib"]},  # sitegen's libraries, from this environment
    )
    assert themes.returncode == 0, themes.stderr
    assert themes.stdout.strip() == str((source / "themes").resolve())
