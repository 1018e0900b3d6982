"""Imports run one way, left to right along the pipeline (DESIGN.md); the library never prints or exits."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "sitegen"
ORDER = ["errors", "files", "pool", "cache", "fingerprint", "text", "config", "hours", "markdown", "content", "model", "site", "campaign", "feeds", "plan", "render", "write", "ping", "build", "serve", "scaffold", "cli"]


def sitegen_imports(module: str) -> set[str]:
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sitegen."):
            found.add(node.module.split(".")[1])
    return found


def test_every_module_is_placed():
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "__main__"}
    assert modules == set(ORDER)


def test_imports_run_one_way():
    backwards = []
    for rank, module in enumerate(ORDER):
        for imported in sitegen_imports(module):
            if imported in ORDER and ORDER.index(imported) >= rank:
                backwards.append(f"{module} imports {imported}")
    assert backwards == []


def test_only_the_cli_prints_or_exits():
    offenders = []
    for module in ORDER:
        if module == "cli":
            continue
        tree = ast.parse((PACKAGE / f"{module}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = ast.unparse(node.func)
                if name in ("print", "sys.exit", "exit", "click.echo", "os._exit"):
                    offenders.append(f"{module}: {name}")
    assert offenders == []


def test_no_wall_clock_inside_the_pipeline():
    offenders = []
    for module in ORDER:
        if module in ("cli",):
            continue
        source = (PACKAGE / f"{module}.py").read_text()
        for needle in ("datetime.now(", "dt.datetime.now(", "date.today(", "time.time(", "os.getcwd(", "Path.cwd(", "os.environ"):
            if needle in source:
                offenders.append(f"{module}: {needle}")
    assert offenders == []
