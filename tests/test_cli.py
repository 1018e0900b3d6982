"""The real command line: init, new, build, help, version, exit codes."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from sitegen import __version__

from .conftest import post, run_cli, write_files

pytestmark = pytest.mark.slow  # every test runs the real `sitegen` in a new process, most of them several times


def test_version_and_help():
    assert run_cli("--version", check=True).stdout.strip() == f"sitegen, version {__version__}"
    for command in ([], ["build"], ["init"], ["new"]):
        result = run_cli(*command, "--help", check=True)
        assert result.stdout.startswith("Usage: sitegen"), command


def test_usage_error_exits_2():
    result = run_cli("build", "--no-such-option")
    assert result.returncode == 2
    assert "No such option" in result.stderr
    assert run_cli("new", "poem", "Title").returncode == 2


def test_init_scaffolds_a_site_that_builds(tmp_path):
    site = tmp_path / "shop"
    result = run_cli("init", str(site), "--title", "Corner Shop", check=True)
    assert "sitegen.toml" in result.stdout
    assert "private/" in (site / ".gitignore").read_text().splitlines()  # offers' links and QR codes stay out of git
    built = run_cli("build", "--source", str(site), check=True)
    assert re.search(r"built 1 post, 1 page, 1 offer", built.stdout), built.stdout
    # At any hour of the day: the welcome post is not scheduled for later today (it was, at 09:00).
    midnight = dt.datetime.combine(dt.datetime.now(dt.timezone.utc).date(), dt.time(), dt.timezone.utc)
    early = run_cli("build", "--source", str(site), "--no-cache", "--output", str(tmp_path / "early"), "--now", midnight.isoformat(), check=True)
    assert re.search(r"built 1 post, 1 page, 1 offer", early.stdout), early.stdout
    home = BeautifulSoup((site / "output/index.html").read_text(), "lxml")
    assert home.select_one(".brand").get_text() == "Corner Shop"
    assert len(home.select(".offer-card")) == 1
    assert len(home.select(".post-card")) == 1
    # init refuses a folder with files in it
    assert run_cli("init", str(site)).returncode == 2


def test_init_prints_next_commands_that_work_as_written(tmp_path):
    """Installed only in a virtual environment, `sitegen` is not on PATH: the printed command must still work."""
    script = Path(sys.executable).parent / "sitegen"
    assert script.is_file(), "the sitegen console script is installed beside this Python"
    env = {**os.environ, "PATH": "/usr/bin:/bin"}
    assert shutil.which("sitegen", path=env["PATH"]) is None
    result = subprocess.run([str(script), "init", "my site"], cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    commands = [line.strip() for line in result.stdout.splitlines() if line.startswith("  cd ")]
    assert [c.rsplit(" ", 1)[-1] for c in commands] == ["serve", "build"], result.stdout
    built = subprocess.run(["sh", "-c", commands[-1]], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "my site/output/index.html").is_file()
    # On PATH, it is just `sitegen`.
    env["PATH"] = f"{script.parent}:/usr/bin:/bin"
    again = subprocess.run(["sitegen", "init", "second"], cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert "  cd second && sitegen build" in again.stdout.splitlines()


def test_init_placeholders_are_warned_about_on_every_build_until_replaced(tmp_path):
    site = tmp_path / "shop"
    run_cli("init", str(site), check=True)
    expected = {
        "sitegen.toml: base_url:",
        "sitegen.toml: business.email:",
        "sitegen.toml: tagline:",
        "sitegen.toml: description:",
        "content/offers/first-offer.md: cta.url:",
    }
    for _ in range(2):  # the second build is served from the cache and warns the same
        built = run_cli("build", "--source", str(site), check=True)
        warnings = [line.removeprefix("warning: ") for line in built.stderr.splitlines() if line.startswith("warning: ")]
        assert {w.split(" ", 2)[0] + " " + w.split(" ", 2)[1] for w in warnings} == expected, built.stderr
    assert any("'https://example.com/order' is an example address" in w for w in warnings)
    # The owner replaces them: the warnings stop.
    settings = site / "sitegen.toml"
    text = settings.read_text(encoding="utf-8")
    for old, new in (("https://example.com", "https://corner.shop"), ("hello@example.com", "hello@corner.shop"),
                     ("What you do, in one sentence your customers care about.", "Bread."), ("Who you are, where you are, and why people come back.", "A corner shop.")):
        text = text.replace(old, new)
    settings.write_text(text, encoding="utf-8")
    offer = site / "content/offers/first-offer.md"
    offer.write_text(offer.read_text(encoding="utf-8").replace("https://example.com/order", "https://order.corner.shop/"), encoding="utf-8")
    built = run_cli("build", "--source", str(site), check=True)
    assert "warning" not in built.stderr, built.stderr


def test_new_writes_filled_in_front_matter(make_site):
    root = make_site()
    result = run_cli("new", "post", "Spring: the menu!", "--source", str(root), check=True)
    path = result.stdout.strip()
    assert re.fullmatch(r".*/content/posts/\d{4}-\d{2}-\d{2}-spring-the-menu\.md", path)
    text = open(path, encoding="utf-8").read()
    assert text.startswith('---\ntitle: "Spring: the menu!"\ndate: ')
    for kind, folder in (("page", "pages"), ("offer", "offers")):
        made = run_cli("new", kind, "Summer Deal", "--source", str(root), check=True).stdout.strip()
        assert made.endswith(f"content/{folder}/summer-deal.md")
    # every new file is valid content: a build with drafts includes them all
    built = run_cli("build", "--drafts", "--source", str(root), check=True)
    assert "built 1 post, 1 page, 1 offer" in built.stdout
    again = run_cli("new", "page", "Summer Deal", "--source", str(root))
    assert again.returncode == 1 and "already exists" in again.stderr


def test_build_options(make_site):
    root = make_site(
        {
            "content/posts/2026-01-01-a.md": post("A", "2026-01-01"),
            "content/posts/2099-01-01-later.md": post("Later", "2099-01-01"),
            "content/posts/2026-01-02-draft.md": post("Draft", "2026-01-02", draft="true"),
        }
    )
    out = root.parent / "elsewhere"
    built = run_cli("build", "--source", str(root), "--output", str(out), "--base-url", "https://preview.test", check=True)
    # The owner learns what was left out, and how to see it.
    assert "left out 1 draft (--drafts includes it) and 1 scheduled post or offer not yet due (--future includes it)" in built.stdout
    canonical = BeautifulSoup((out / "posts/a/index.html").read_text(), "lxml").find("link", rel="canonical")["href"]
    assert canonical == "https://preview.test/posts/a/"
    assert not (out / "posts/later").exists() and not (out / "posts/draft").exists()
    everything = run_cli("build", "--source", str(root), "--output", str(out), "--future", "--drafts", check=True)
    assert "left out" not in everything.stdout
    assert (out / "posts/later/index.html").is_file() and (out / "posts/draft/index.html").is_file()


def test_build_in_current_folder(make_site):
    root = make_site({"content/pages/about.md": "---\ntitle: About\n---\nx\n"})
    run_cli("build", cwd=root, check=True)
    assert (root / "output/about/index.html").is_file()


def test_missing_settings_file_exits_1(tmp_path):
    result = run_cli("build", "--source", str(tmp_path))
    assert result.returncode == 1
    assert result.stderr.startswith("error: sitegen.toml: not found in")
    write_files(tmp_path, {"x": "y"})
