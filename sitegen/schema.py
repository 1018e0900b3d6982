"""The base of every schema (settings tables, front matter) and its errors in plain words: pydantic's
validation errors as Problems, and TOML slips with the fixed line."""

from __future__ import annotations

import re
import tomllib
import types
import typing
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import Problem, did_you_mean

CONFIG_FILE = "sitegen.toml"


class Strict(BaseModel):
    """Base for every schema (settings tables, front matter): frozen, unknown keys rejected.

    Validators are built at the first validation, not at import (defer_build): a rebuild whose
    settings and front matter are unchanged validates nothing, and so never pays the 30-40 ms
    pydantic spends building them. Defaults that are models use default_factory for the same reason.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


_TOML_KEY_VALUE = re.compile(r"^(?P<key>\s*[A-Za-z0-9_.-]+\s*)=\s*(?P<value>.*?)\s*$")


def toml_fix(text: str, line: int | None) -> str | None:
    """For a line whose text value is not quoted, or not quoted right: say so and show the line fixed.
    Offered only when the fixed line reads back as the text written."""
    lines = text.splitlines()
    if line is None or not 0 < line <= len(lines):
        return None
    found = _TOML_KEY_VALUE.match(lines[line - 1])
    if not found or not found.group("value"):
        return None
    key, value = found.group("key").strip(), found.group("value")
    if value[0] in "'\"" and value.endswith(value[0]) and len(value) > 1 and value[0] in value[1:-1]:
        value, why = value[1:-1], "is in quotes and has the same quote inside too, which ends the text early"
    elif value[0] in "'\"" and value[0] not in value[1:]:
        value, why = value[1:], "has no closing quote"
    elif value[0] in "'\"":
        why = "starts with a quote but does not end with one"
    elif value not in ("true", "false", "inf", "nan") and value[0] not in "0123456789+-.[{":  # a number or list typo is TOML's to name
        why = "is text, which TOML needs in quotes"
    else:
        return None
    fixed = f'{key} = "' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    try:
        if tomllib.loads(fixed).get(key) != value:
            return None
    except tomllib.TOMLDecodeError:
        return None
    return f"the value of '{key}' {why}; write it as:\n    {fixed}"


# --- turning pydantic's errors into problems --------------------------------------

_EXPECTED = {
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "decimal_parsing": "a number",
    "decimal_type": "a number",
    "string_type": "text",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "list_type": "a list",
    "tuple_type": "a list",
    "dict_type": "a table of keys and values",
    "model_type": "a table of keys and values",
    "model_attributes_type": "a table of keys and values",
}


def problems_from_validation(
    error: ValidationError,
    model: type[BaseModel],
    source_path: str,
    line_of: typing.Callable[[tuple], int | None] = lambda loc: None,
    explain_unknown: typing.Callable[[str], str | None] = lambda key: None,
) -> list[Problem]:
    """Turn a pydantic ValidationError into problems naming the field, what was found and what was expected.

    explain_unknown(key) may say why an unknown key, or a key inside an unknown table, does not belong
    (a secret in sitegen.toml); that message then stands for the key.
    """
    problems = []
    for detail in error.errors(include_url=False):
        loc = tuple(detail["loc"])
        field = _field_name(loc)
        kind = detail["type"]
        found = detail.get("input")
        hint = None
        if kind == "extra_forbidden":
            explained = [(inner, why) for inner in _keys_within(loc, found) if (why := explain_unknown(str(inner[-1])))]
            problems += [Problem(source_path, line=line_of(inner), field=_field_name(inner), message=why) for inner, why in explained]
            if explained and explained[0][0] == loc:
                continue
            parent = _model_at(model, loc[:-1])
            known = [info.alias or name for name, info in parent.model_fields.items()] if parent else ()
            message = f"unknown key '{loc[-1]}'"
            hint = did_you_mean(str(loc[-1]), known)
            if hint is None and known:
                hint = "expected one of: " + ", ".join(sorted(known))
        elif kind == "missing":
            message = "required, but missing"
        elif kind in _EXPECTED:
            message = f"expected {_EXPECTED[kind]}, got {show_value(found)}"
        elif kind == "value_error":
            message = str(detail["ctx"]["error"]) if "ctx" in detail else detail["msg"]
        elif kind.startswith(("greater_than", "less_than")):
            message = f"{detail['msg'].replace('Input should be', 'expected a value')}, got {show_value(found)}"
        else:
            message = f"{detail['msg'][0].lower()}{detail['msg'][1:]}, got {show_value(found)}"
        problems.append(Problem(source_path, line=line_of(loc), field=field, message=message, hint=hint))
    return problems


def _keys_within(loc: tuple, value: Any):
    """loc, then the location of every key in the tables inside value (an unknown table's keys)."""
    yield loc
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _keys_within((*loc, key), item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                for key, inner in item.items():
                    yield from _keys_within((*loc, index, key), inner)


def _field_name(loc: tuple) -> str | None:
    """('business', 'hours', 0, 'days') -> 'business.hours[0].days', as the TOML and YAML are written."""
    name = ""
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else ("." if name else "") + str(part)
    return name or None


def show_value(value: Any) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, (list, tuple)):
        return "a list"
    return repr(value)


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The model class a location inside `model` points into (None if not a model)."""
    current: Any = model
    parts = list(loc)
    while parts:
        part = parts.pop(0)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return None
            current = field.annotation
        else:
            return None
        # Step through containers: dict[str, X] (skip the key), tuple[X, ...] / list[X] (skip the index).
        while True:
            origin = typing.get_origin(current)
            args = typing.get_args(current)
            if origin in (typing.Union, types.UnionType):
                current = next((a for a in args if a is not type(None)), None)
            elif origin is dict and parts:
                parts.pop(0)
                current = args[1]
            elif origin in (tuple, list) and parts and isinstance(parts[0], int):
                parts.pop(0)
                current = args[0]
            else:
                break
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None
