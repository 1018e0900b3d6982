"""The documentation keeps up with the code: every settings and model field has a docstring, the README
names every setting, and the theme's README has every template, variable and field templates see."""

from __future__ import annotations

import ast
import dataclasses
import functools
import inspect
import re
import typing
from pathlib import Path

import jinja2
import pytest
from pydantic import BaseModel

from sitegen import build, feeds, hours, model, plan
from sitegen.config import Settings
from sitegen.render import make_environment
from sitegen.theme import load_theme

from .conftest import DEMO_NOW, REPO

DOCUMENTED = ("sitegen/model.py", "sitegen/config.py", "sitegen/business.py", "sitegen/channels.py", "sitegen/hosting.py")
"""Modules whose every class field carries a docstring (STYLE.md: a docstring on every settings and model field)."""


def field_docstrings(path: Path) -> dict[str, dict[str, str | None]]:
    """{class name: {field name: its docstring, or None}} for every annotated field of every top-level class."""
    classes: dict[str, dict[str, str | None]] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if not isinstance(node, ast.ClassDef):
            continue
        fields: dict[str, str | None] = {}
        for statement, following in zip(node.body, [*node.body[1:], None]):
            if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
                documented = isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant) and isinstance(following.value.value, str)
                fields[statement.target.id] = following.value.value if documented else None
        if fields:
            classes[node.name] = fields
    return classes


@pytest.mark.parametrize("module", DOCUMENTED)
def test_every_field_has_a_docstring(module):
    classes = field_docstrings(REPO / module)
    assert classes, f"no classes with fields found in {module}"
    undocumented = [f"{name}.{field}" for name, fields in classes.items() for field, doc in fields.items() if not (doc and doc.strip())]
    assert undocumented == []


def settings_keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every key sitegen.toml may hold, dotted ('subscribe.provider.action'), tables inside tables too."""
    keys = []
    for name, info in model.model_fields.items():
        key = prefix + (info.alias or name)
        keys.append(key)
        for inner in _models_in(info.annotation):
            keys += settings_keys(inner, key + ".")
    return keys


def _models_in(annotation) -> list[type[BaseModel]]:
    """The settings models an annotation holds: X, X | None, tuple[X, ...], dict[str, X]."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for argument in typing.get_args(annotation) for model in _models_in(argument)]


def test_every_setting_is_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    # A key is named as `key`, or as a table: [key], [[business.hours]], [authors.KEY], [subscribe.provider].
    missing = [key for key in settings_keys(Settings) if not re.search(rf"`{re.escape(key.rsplit('.', 1)[-1])}`|\[{re.escape(key)}[\].]", readme)]
    assert missing == []


# --- the theme's README: the template contract ------------------------------------------

THEME = REPO / "themes/default"

VALUES = (model.Site, model.Item, model.Post, model.Page, model.Offer, model.Issue, model.Author, model.Term, model.Audio, model.Taxonomy, model.Year,
          model.TermCount, model.Topic, model.NavLink, plan.Output, plan.Head, plan.FeedLink, plan.Paginator, plan.Listing, feeds.Feed, feeds.FeedEntry,
          hours.Hours, hours.HoursLine, hours.SpecialLine)
"""Every kind of value templates reach, through their variables and those values' fields."""


@functools.cache
def theme_readme() -> str:
    return (THEME / "README.md").read_text(encoding="utf-8")


def section(heading: str) -> str:
    """The text of the theme README's section '### heading', up to the next heading."""
    match = re.search(rf"^### {re.escape(heading)}\n(.*?)(?=^#)", theme_readme() + "\n#", re.S | re.M)
    assert match, f"the theme's README has no section '### {heading}'"
    return match.group(1)


def rows(text: str) -> dict[str, list[str]]:
    """{first cell without its backticks: the other cells} of the table rows in text."""
    cells = [[cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]] for line in text.splitlines() if line.startswith("| `")]
    return {row[0].strip("`"): row[1:] for row in cells}


def test_every_model_type_is_in_the_model_modules():
    """VALUES is complete: every dataclass of model.py, and every value plan.py, feeds.py and hours.py give templates."""
    defined = {cls for cls in vars(model).values() if dataclasses.is_dataclass(cls) and cls.__module__ == model.__name__}
    assert defined <= set(VALUES)


@pytest.mark.parametrize("cls", VALUES, ids=lambda cls: cls.__name__)
def test_every_field_of_every_value_is_in_the_theme_readme(cls):
    table = rows(section(cls.__name__))
    own = cls.__dict__.get("__annotations__", {})  # a subclass's section lists its own fields; Item's has the shared ones
    for name, annotation in own.items():
        assert name in table, f"{cls.__name__}.{name} is not in the theme's README"
        assert table[name][0].replace("\\|", "|") == f"`{annotation.replace('dt.', '')}`", f"{cls.__name__}.{name}: the type in the README is not {annotation}"
    public = [name for name, member in vars(cls).items() if not name.startswith("_") and (isinstance(member, property) or inspect.isfunction(member))]
    assert [name for name in public if name not in table] == []
    assert [name for name in table if name not in own and name not in public] == [], f"{cls.__name__}: the README lists what the code does not have"


def test_every_template_file_is_in_the_theme_readme():
    files = sorted(path.relative_to(THEME / "templates").as_posix() for path in (THEME / "templates").rglob("*") if path.is_file())
    listed = rows(section_of("## The templates"))
    assert [name for name in files if name not in listed] == []
    assert [name for name in listed if name not in files] == []


def test_every_variable_a_template_gets_is_in_the_theme_readme(tmp_path, monkeypatch):
    """Build the demo (posts, pages, offers, every kind of list, the podcast) and record the variables each
    template is rendered with: the shared ones must be in "Every template gets", the rest in the template's row."""
    received: dict[str, set[str]] = {}
    render = jinja2.Template.render

    def recording(self, *args, **kwargs):
        received.setdefault(self.name, set()).update(dict(*args, **kwargs))
        return render(self, *args, **kwargs)

    monkeypatch.setattr(jinja2.Template, "render", recording)
    build(REPO, tmp_path / "output", now=DEMO_NOW, drafts=True, future=True, jobs=1)
    shared = rows(section_of("## Every template gets"))
    pages = [variables for name, variables in received.items() if not name.startswith("partials/")]
    assert set.intersection(*pages) == set(shared)
    templates = rows(section_of("## The templates"))
    for name, variables in received.items():
        extra = variables - set(shared) if not name.startswith("partials/") else variables
        written = templates[name][-1]
        assert [v for v in sorted(extra) if f"`{v}`" not in written] == [], f"{name}: variables missing from its row"
    environment = make_environment(REPO, load_theme(REPO, "default"))
    ours = {name for name in environment.filters if name not in jinja2.Environment().filters} | {"partial"}
    assert ours == set(rows(section("Filters and functions")))


def section_of(heading: str) -> str:
    """The text under a '## ' heading of the theme README, up to the next heading."""
    return theme_readme().split(f"{heading}\n", 1)[1].split("\n#", 1)[0]


def readme_blocks(heading: str, language: str) -> list[str]:
    """The fenced code blocks of one language under a README heading (up to the next heading of its level or higher)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start = readme.index(heading)
    level = heading.split(" ")[0]
    end = min((i for i in (readme.find("\n" + "#" * n + " ", start + 1) for n in range(2, len(level) + 1)) if i != -1), default=len(readme))
    return re.findall(rf"```{language}\n(.*?)```", readme[start:end], re.S)


def test_the_git_host_recipes_build_into_output_and_keep_the_cache():
    """The README's recipes for hosts that build from git: they run `sitegen build`, publish output/
    (where the build writes _headers and .nojekyll, tests/test_media.py), and CI keeps .sitegen-cache."""
    import tomllib

    import yaml

    heading = "### Hosts that publish from git"
    (netlify,) = readme_blocks(heading, "toml")
    build = tomllib.loads(netlify)["build"]
    assert build["publish"] == "output" and build["command"].endswith("&& sitegen build")
    (workflow,) = readme_blocks(heading, "yaml")
    steps = yaml.safe_load(workflow)["jobs"]["publish"]["steps"]
    cache = next(step for step in steps if step.get("uses", "").startswith("actions/cache@"))
    assert cache["with"]["path"] == ".sitegen-cache" and cache["with"]["restore-keys"]
    runs = [step["run"] for step in steps if "run" in step]
    build_step = next(number for number, step in enumerate(steps) if step.get("run") == "sitegen build")
    assert steps.index(cache) < build_step, "the cache is restored before the build"
    artifact = next(step for step in steps if step.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert artifact["with"]["path"] == "output"
    assert all("pip install sitegen" not in run for run in runs), "sitegen is not on PyPI under that name (README: Installing)"
