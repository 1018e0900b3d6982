"""The documentation keeps up with the code: every settings and model field has a docstring, and the README
names every setting."""

from __future__ import annotations

import ast
import re
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from sitegen.config import Settings

from .conftest import REPO

DOCUMENTED = ("sitegen/model.py", "sitegen/config.py")
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
