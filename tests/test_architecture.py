"""Imports run one way, in layers along the pipeline (DESIGN.md); nothing inside imports the package
root; only the commands read the clock or the environment; the library never prints or exits.

The checks read the source with `ast` and return what they find, so each is shown to fire on a
deliberately broken copy of the package as well as to pass on the real one.
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sitegen"

LAYERS: tuple[tuple[str, ...], ...] = (
    # Foundations that know no step: problems, text helpers, the one atomic write, how a step
    # declares its memo, digests, the process pool, the version.
    ("errors", "text", "files", "memo", "fingerprint", "pool", "version"),
    # What a file is to a web server (its Content-Type and caching): the build's `_headers` and publish's uploads.
    ("media",),
    # The on-disk cache: stores and loads memos by what their fields declare, knows no step's fields.
    ("cache",),
    # The pipeline, left to right: settings, reading, the model, the site, feeds and their
    # formats, page heads, the plan, the link check, theme and view, rendering, writing.
    ("schema",),
    ("business", "channels", "hosting"),
    ("config", "hours"),
    ("frontmatter", "highlight", "lists", "markdown", "meta", "foreign", "content"),
    ("model", "campaign", "follow"),
    ("items",),
    ("issues",),
    ("site", "placeholders", "redirects"),
    ("feeds",),
    ("formats", "head"),
    ("plan",),
    ("links", "theme", "view"),
    ("render",),
    # ping keeps the list of feeds to announce, which build() adds to; its HTTP call is the CLI's.
    ("write", "ping"),
    ("build", "scaffold", "importers"),
    # Putting the built site online: destinations, manifests, the sync (beside the pipeline, after it).
    ("publish",),
    # The email channel beside the pipeline: sending mail, then the subscriber service, which reads
    # the site as a build does (its topics, theme and static files) and renders with its theme.
    ("mail",),
    ("subscribers",),
    ("serve_http",),
    ("serve",),
    ("cli", "__main__"),
)
"""A module may import modules of its own layer and the layers above it in this list, never below."""

COMMANDS = {"cli", "__main__", "serve"}
"""The modules that may read the clock (the time a build is for, file-status trust) and start things."""

CLOCKS = {
    "datetime.datetime.now",
    "datetime.datetime.utcnow",
    "datetime.datetime.today",
    "datetime.date.today",
    "time.time",
    "time.time_ns",
}
ENVIRONMENT = {"os.environ", "os.getenv", "os.getcwd", "os.getcwdb", "pathlib.Path.cwd", "pathlib.Path.home"}
PRINTS_OR_EXITS = {"print", "sys.exit", "exit", "quit", "click.echo", "click.secho", "os._exit"}


def unit_of(module: str) -> str:
    """What a module is placed by: itself, or for a module of a subpackage ('cli/build'), the subpackage."""
    return module.split("/")[0]


def rank_of(module: str) -> int | None:
    return next((rank for rank, layer in enumerate(LAYERS) if unit_of(module) in layer), None)


def read_package(package: Path) -> dict[str, ast.Module]:
    """Each module of the package, and of its subpackages ('cli/build'), parsed; folders that are
    links (the themes) left out."""
    paths = sorted(package.glob("*.py")) + sorted(p for p in package.glob("*/*.py") if not p.parent.is_symlink())
    return {path.relative_to(package).with_suffix("").as_posix(): ast.parse(path.read_text(encoding="utf-8"), str(path)) for path in paths}


def imports_of(tree: ast.Module, module: str = "") -> list[tuple[int, str | None, str]]:
    """(line, sitegen module imported or None for the package root, what the line says), for `module`
    ('cli/build' is a level deeper: its `from ..build` is build, its `from .common` its own subpackage)."""
    depth = module.count("/") + 1
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "sitegen":
                    found.append((node.lineno, None, f"import {alias.name}"))
                elif alias.name.startswith("sitegen."):
                    found.append((node.lineno, alias.name.split(".")[1], f"import {alias.name}"))
        elif isinstance(node, ast.ImportFrom):
            said = "from " + "." * node.level + (node.module or "") + " import " + ", ".join(a.name for a in node.names)
            if 0 < node.level < depth:  # within its own subpackage
                found.append((node.lineno, unit_of(module), said))
                continue
            inside = node.level == depth or (node.level == 0 and node.module is not None and node.module.split(".")[0] == "sitegen")
            if not inside:
                continue
            target = node.module if node.level == depth else (node.module or "").partition(".")[2]
            # `from . import x` reads the root's namespace, where build is the function, not the module.
            found.append((node.lineno, target.split(".")[0] if target else None, said))
    return found


def dotted_names(tree: ast.Module) -> list[tuple[int, str]]:
    """Every name and attribute chain read in the module, spelled out through its imports ('dt.datetime.now'
    after `import datetime as dt` is 'datetime.datetime.now'), with its line."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                aliases[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Load):
            parts = []
            current: ast.AST = node
            while isinstance(current, ast.Attribute):
                parts.append(current.attr)
                current = current.value
            if isinstance(current, ast.Name):
                parts.append(aliases.get(current.id, current.id))
                found.append((node.lineno, ".".join(reversed(parts))))
    return found


def placement_problems(modules: dict[str, ast.Module]) -> list[str]:
    placed = [module for layer in LAYERS for module in layer]
    unplaced = sorted({unit_of(module) for module in modules} - set(placed) - {"__init__"})
    twice = sorted({module for module in placed if placed.count(module) > 1})
    return [f"{module}: not in LAYERS" for module in unplaced] + [f"{module}: in LAYERS twice" for module in twice]


def layer_problems(modules: dict[str, ast.Module]) -> list[str]:
    problems = []
    for module, tree in modules.items():
        rank = rank_of(module)
        if rank is None:
            continue
        for line, imported, said in imports_of(tree, module):
            imported_rank = rank_of(imported) if imported else None
            if imported_rank is not None and imported_rank > rank:
                problems.append(f"{module}.py:{line}: {said}: {imported} is in a later layer")
    return problems


CACHING = {"cache", "memo", "fingerprint"}
"""What makes builds fast: memos, their storage, digests."""
PLAIN = {"model", "meta", "hours"}
"""The model of the site: plain values, which know nothing of how builds are made fast."""


def caching_problems(modules: dict[str, ast.Module]) -> list[str]:
    return [
        f"{module}.py:{line}: {said}: the model knows nothing of caching"
        for module, tree in modules.items()
        if module in PLAIN
        for line, imported, said in imports_of(tree, module)
        if imported in CACHING
    ]


def root_import_problems(modules: dict[str, ast.Module]) -> list[str]:
    return [
        f"{module}.py:{line}: {said}: imports the package root"
        for module, tree in modules.items()
        if module != "__init__"
        for line, imported, said in imports_of(tree, module)
        if imported is None
    ]


def reads_problems(modules: dict[str, ast.Module], names: set[str], allowed: set[str], what: str) -> list[str]:
    problems = []
    for module, tree in modules.items():
        if unit_of(module) in allowed or module == "__init__":
            continue
        for line, name in dotted_names(tree):
            if name in names:
                problems.append(f"{module}.py:{line}: {name}: {what}")
    return sorted(set(problems))


def clock_problems(modules: dict[str, ast.Module]) -> list[str]:
    return reads_problems(modules, CLOCKS, COMMANDS, "reads the clock inside the pipeline (take the time as an argument)")


def environment_problems(modules: dict[str, ast.Module]) -> list[str]:
    return reads_problems(modules, ENVIRONMENT, {"cli", "__main__"}, "reads the environment or working directory")


def print_or_exit_problems(modules: dict[str, ast.Module]) -> list[str]:
    problems = []
    for module, tree in modules.items():
        if unit_of(module) in ("cli", "__main__"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and ast.unparse(node.func) in PRINTS_OR_EXITS:
                problems.append(f"{module}.py:{node.lineno}: {ast.unparse(node.func)}")
    return problems


# --- the package as it is ----------------------------------------------------------------------

MODULES = read_package(PACKAGE)


CHECKS = (placement_problems, layer_problems, caching_problems, root_import_problems, clock_problems, environment_problems, print_or_exit_problems)


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_the_package_passes(check):
    assert check(MODULES) == []


# --- each check fires on a broken copy ---------------------------------------------------------


def broken_copy(tmp_path: Path, edits: dict[str, str]) -> dict[str, ast.Module]:
    """A copy of the package's modules with lines appended to some (or new modules), read as the checks read it."""
    copy = tmp_path / "sitegen"
    copy.mkdir()
    for path in PACKAGE.glob("*.py"):
        shutil.copyfile(path, copy / path.name)
    for name, added in edits.items():
        path = copy / f"{name}.py"
        path.write_text((path.read_text(encoding="utf-8") if path.exists() else "") + "\n" + added + "\n", encoding="utf-8")
    return read_package(copy)


def test_an_unplaced_module_is_reported(tmp_path):
    modules = broken_copy(tmp_path, {"helpers": "X = 1"})
    assert placement_problems(modules) == ["helpers: not in LAYERS"]


def without_lines(problems: list[str]) -> list[str]:
    """Problems as 'module.py: what', sorted: the broken copies append their lines at the end of a module."""
    return sorted(re.sub(r"^([\w.]+):\d+: ", r"\1: ", problem) for problem in problems)


def test_an_upward_import_is_reported(tmp_path):
    modules = broken_copy(tmp_path, {
        "content": "from .render import render_all",
        "model": "def f():\n    from sitegen.plan import Plan  # inside a function counts too",
        "errors": "import sitegen.write",
        "site": "from .model import Site  # a layer before: fine",
        "hours": "from .config import Settings  # the same layer: fine",
    })
    assert without_lines(layer_problems(modules)) == [
        "content.py: from .render import render_all: render is in a later layer",
        "errors.py: import sitegen.write: write is in a later layer",
        "model.py: from sitegen.plan import Plan: plan is in a later layer",
    ]


def test_caching_in_the_model_is_reported(tmp_path):
    modules = broken_copy(tmp_path, {"model": "from .fingerprint import Fingerprinter", "meta": "from .cache import DiskCache", "site": "from .memo import kept  # a step: fine"})
    assert without_lines(caching_problems(modules)) == [
        "meta.py: from .cache import DiskCache: the model knows nothing of caching",
        "model.py: from .fingerprint import Fingerprinter: the model knows nothing of caching",
    ]


def test_an_import_of_the_package_root_is_reported(tmp_path):
    modules = broken_copy(tmp_path, {
        "render": "from . import __version__",
        "cache": "def versions():\n    import sitegen\n    return sitegen.__version__",
        "cli": "from sitegen import build  # the function, not the module",
    })
    assert without_lines(root_import_problems(modules)) == [
        "cache.py: import sitegen: imports the package root",
        "cli.py: from sitegen import build: imports the package root",
        "render.py: from . import __version__: imports the package root",
    ]


def test_a_clock_read_inside_the_pipeline_is_reported(tmp_path):
    modules = broken_copy(tmp_path, {
        "content": "import time as clock\nSTARTED = clock.time_ns()",
        "site": "def today():\n    return dt.date.today()",  # site.py imports datetime as dt
        "feeds": "from datetime import datetime\nNOW = datetime.now  # a reference is a read put off",
        "model": "from time import time\nT = time()",
        "write": "import datetime\nT = datetime.datetime.utcnow()",
        "serve": "import time\nT = time.time()",  # the commands may
        "plan": "import time\nT = time.perf_counter()",  # a duration, not the clock
    })
    reason = "reads the clock inside the pipeline (take the time as an argument)"
    assert without_lines(clock_problems(modules)) == [
        f"content.py: time.time_ns: {reason}",
        f"feeds.py: datetime.datetime.now: {reason}",
        f"model.py: time.time: {reason}",
        f"site.py: datetime.date.today: {reason}",
        f"write.py: datetime.datetime.utcnow: {reason}",
    ]


def test_an_environment_read_and_a_print_are_reported(tmp_path):
    modules = broken_copy(tmp_path, {"render": "import os\nHOME = os.environ['HOME']\nprint(HOME)"})
    assert without_lines(environment_problems(modules)) == ["render.py: os.environ: reads the environment or working directory"]
    assert without_lines(print_or_exit_problems(modules)) == ["render.py: print"]


def test_modules_of_a_subpackage_are_placed_and_checked_by_their_subpackage():
    """The CLI is a package: `from ..build` in cli/build.py is the build module, `from .common` its own
    subpackage, `from .. import x` the package root; and nothing of the pipeline may import the CLI."""
    tree = ast.parse("from ..build import build\nfrom .common import report\nfrom .. import build as b\n")
    assert [imported for _, imported, _ in imports_of(tree, "cli/build")] == ["build", "cli", None]
    assert "cli/build" in MODULES and "cli/__init__" in MODULES
    modules = {"content": ast.parse("from .cli.common import report"), "cli/build": tree}
    assert layer_problems(modules) == ["content.py:1: from .cli.common import report: cli is in a later layer"]
    assert root_import_problems(modules) == ["cli/build.py:3: from .. import build: imports the package root"]
    assert print_or_exit_problems({"cli/build": ast.parse("print('fine: the CLI prints')")}) == []


MOST_LINES = 400
"""A module longer than this does more than one job: split it along its seams."""


def test_no_module_is_over_the_length_that_says_it_does_two_jobs():
    lengths = {module: len((PACKAGE / f"{module}.py").read_text(encoding="utf-8").splitlines()) for module in MODULES}
    assert {module: lines for module, lines in lengths.items() if lines > MOST_LINES} == {}
