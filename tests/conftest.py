"""Shared test helpers: small sites written from a dict, a fixed clock, the real CLI, real tools."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import jinja2
import pytest

from sitegen import build

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO
NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.timezone.utc)
"""The fixed clock of test builds."""

BASE_CONFIG = """\
title = "Test Bakery"
tagline = "Bread worth getting up for."
description = "A small test bakery."
base_url = "https://bakery.test"
timezone = "Europe/Paris"

[authors.ann]
name = "Ann Baker"
bio = "Bakes."
"""

IN_CI = bool(os.environ.get("CI"))


def pytest_addoption(parser):
    """`pytest --update-golden` rewrites the expected trees of tests/golden/ (see tests/test_golden.py)."""
    parser.addoption(
        "--update-golden", action="store_true", default=False,
        help="rewrite tests/golden/*/expected from the current build instead of comparing (then review git diff)",
    )


def write_files(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write {relative path: text or bytes} under root; text is dedented."""
    for relative, data in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(textwrap.dedent(data).lstrip("\n"), encoding="utf-8")
    return root


def post(title: str, date: str = "2026-03-01 09:00", body: str = "Body text.", **fields) -> str:
    """A post file's text with the given front matter fields."""
    lines = [f"title: {title!r}", f"date: {date}"] + [f"{key}: {value}" for key, value in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n" + body + "\n"


@pytest.fixture
def make_site(tmp_path):
    """make_site({path: text}) -> site root, with a default sitegen.toml unless one is given."""

    def make(files: dict[str, str | bytes] | None = None, config: str | None = None, extra_config: str = "") -> Path:
        root = tmp_path / "site"
        root.mkdir(exist_ok=True)
        write_files(root, {"sitegen.toml": (config if config is not None else BASE_CONFIG) + extra_config})
        return write_files(root, files or {})

    return make


class Rebuilds:
    """build() calls that hand each other their memos, as the dev server's builds do."""

    def __init__(self, build_with=None) -> None:
        self.memos = None
        self._build = build_with or build

    def __call__(self, *args, **options):
        result = self._build(*args, memos=self.memos, **options)
        self.memos = result.memos
        return result


@pytest.fixture
def build_at():
    """build_at(root, **options) builds root into root/output with the fixed clock."""

    def run(root: Path, **options):
        options.setdefault("now", NOW)
        return build(root, **options)

    return run


@pytest.fixture(scope="session")
def compiled_templates() -> dict:
    """Jinja's compiled code by template source and settings, shared by every in-process build of the session."""
    return {}


@pytest.fixture(autouse=True)
def shared_template_compilation(monkeypatch, compiled_templates):
    """Jinja compiles a template source to the same code in every environment: compile each source once.

    Most of a small site's build is compiling the theme's templates, and every test (and every
    hypothesis example) makes new environments; sharing the compiled code makes a small build about
    twice as fast, which keeps `make test-fast` under a minute and lets the property tests run more
    examples. It changes no output: the code is keyed by the template's source, name and file and
    the environment's settings that shape it, so an edited template is compiled anew, and sitegen's
    own caching (which environment, which template, reloads) runs as ever. Only this process's
    builds use it, not the CLI's.
    """
    original = jinja2.Environment.compile

    def compile(self, source, *args, **kwargs):
        if not isinstance(source, str):
            return original(self, source, *args, **kwargs)
        key = (source, args, tuple(sorted(kwargs.items())), type(self), self.trim_blocks, self.lstrip_blocks, self.keep_trailing_newline, self.optimized)
        if key not in compiled_templates:
            compiled_templates[key] = original(self, source, *args, **kwargs)
        return compiled_templates[key]

    monkeypatch.setattr(jinja2.Environment, "compile", compile)


def run_cli(*args: str, cwd: Path | None = None, check: bool = False) -> subprocess.CompletedProcess:
    """Run the real `sitegen` command (python -m sitegen) and capture its output."""
    result = subprocess.run(
        [sys.executable, "-m", "sitegen", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )
    if check and result.returncode != 0:
        raise AssertionError(f"sitegen {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under folder with its bytes and modification time (ns)."""
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def require_tool(path: str | None, what: str, install: str):
    """Skip outside CI when a system tool is missing; in CI a missing tool fails the suite."""
    if path:
        return path
    message = f"{what} is not installed ({install})"
    if IN_CI:
        pytest.fail(message + "; .ci/run should have installed it")
    pytest.skip(message)


@pytest.fixture(scope="session")
def demo_output(tmp_path_factory) -> Path:
    """The demo site (this repository's content/) built once with the fixed DEMO_NOW clock."""
    out = tmp_path_factory.mktemp("demo-output")
    build(DEMO, out, now=DEMO_NOW)
    return out


DEMO_NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.timezone.utc)
"""The demo site is written for late November 2026: one offer current, one expired, one future."""


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium, for the browser tests."""
    return require_tool(shutil.which("chromium") or shutil.which("chromium-browser"), "chromium", "apt-get install chromium")


@pytest.fixture(scope="session")
def browser(chromium_path):
    """A headless Chromium driven by Playwright (its own browser download is never used)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=chromium_path,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
        )
        yield instance
        instance.close()


def is_redirect_page(soup) -> bool:
    """Whether a built page only sends the browser on (an old address, a short link): not a page of the
    site to check for its head, landmarks and feeds (tests/test_redirects.py checks those pages)."""
    return soup.find("meta", attrs={"http-equiv": "refresh"}) is not None


def watch_problems(page) -> list[str]:
    """A list that fills with every console error, page error, failed request and HTTP error of page."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console error: {m.text} ({m.location})") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} ({r.failure})"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    return problems


@pytest.fixture(scope="session")
def vnu_jar() -> str:
    """The Nu HTML Checker from npm's vnu-jar (installed by .ci/run into tests/.tools)."""
    jar = REPO / "tests/.tools/node_modules/vnu-jar/build/dist/vnu.jar"
    found = str(jar) if jar.is_file() and shutil.which("java") else None
    return require_tool(found, "vnu.jar and java", "bash .ci/run installs both")


FEEDVALIDATE = REPO.parent / "shared" / "tools" / "feedvalidate"


@pytest.fixture(scope="session")
def w3c_feed_validator():
    """validate(folder, base_url) -> {file: {"errors": [...], "warnings": [...]}} from the W3C Feed
    Validation Service's own code (shared/tools/feedvalidate) for every Atom and RSS file in folder."""
    require_tool(str(FEEDVALIDATE) if FEEDVALIDATE.is_file() else None, "the W3C feed validator", "../shared/tools/feedvalidate beside the repository")

    def validate(folder: Path, base_url: str) -> dict[str, dict[str, list[str]]]:
        files = sorted(p for p in folder.rglob("*.xml") if p.name != "sitemap.xml")
        assert files, f"no Atom or RSS file in {folder}"
        args = []
        for path in files:
            relative = path.relative_to(folder).as_posix()
            args += [str(path), "--url", f"{base_url.rstrip('/')}/{relative}"]
        result = subprocess.run([sys.executable, str(FEEDVALIDATE), "--json", *args], capture_output=True, text=True)
        assert result.returncode in (0, 1), result.stderr
        import json

        return {Path(name).relative_to(folder).as_posix(): found for name, found in json.loads(result.stdout).items()}

    return validate


@pytest.fixture(scope="session")
def http_server():
    """serve(folder) -> base URL of a local HTTP server for that folder (stopped after the session)."""
    import functools
    import http.server
    import threading

    servers = []

    def serve(folder: Path) -> str:
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
        handler.log_message = lambda *a, **k: None
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()
