"""What Jekyll and Hugo sites share: files with YAML (---) or TOML (+++) front matter, dates, lists
written as text, and the pictures and downloads copied into content/static/."""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
import zoneinfo
from pathlib import Path
from typing import Any

import yaml

from ..errors import Problem, SitegenError
from ..frontmatter import parse_yaml, split_front_matter
from ..meta import parse_datetime
from .common import STATIC_SUFFIXES, files_under


def read_config(path: Path, shown_as: str) -> dict:
    """A site's settings file (YAML or TOML) as a dict; a mistake names the file and line."""
    text = path.read_text(encoding="utf-8-sig")
    try:
        if path.suffix == ".toml":
            data = tomllib.loads(text)
        else:
            data = yaml.safe_load(text) or {}
    except tomllib.TOMLDecodeError as error:
        line = getattr(error, "lineno", None) or _line_in(str(error))
        raise SitegenError([Problem(shown_as, line, message=f"invalid TOML: {str(error).split(' (at')[0]}")]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise SitegenError([Problem(shown_as, mark.line + 1 if mark else None, message=f"invalid YAML: {getattr(error, 'problem', None) or error}")]) from None
    if not isinstance(data, dict):
        raise SitegenError([Problem(shown_as, 1, message="expected settings as keys and values")])
    return data


def _line_in(message: str) -> int | None:
    found = re.search(r"line (\d+)", message)
    return int(found.group(1)) if found else None


def read_front(path: Path, shown_as: str) -> tuple[dict, str, int] | None:
    """(front matter, body, the line the body starts on) of a content file, or None when it has none.
    YAML between --- lines (Jekyll, Hugo), TOML between +++ lines (Hugo), or a JSON object (Hugo)."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SitegenError([Problem(shown_as, message=f"not valid UTF-8 (byte {error.start}); save the file as UTF-8")]) from None
    text = text.replace("\r\n", "\n")
    if text.startswith("+++"):
        end = re.search(r"^\+\+\+[ \t]*$", text[3:], re.M)
        if end is None:
            raise SitegenError([Problem(shown_as, 1, message="front matter starts with '+++' but has no closing '+++' line")])
        front_text = text[3 : 3 + end.start()]  # from the end of the first line: its lines are the file's
        try:
            front = tomllib.loads(front_text)
        except tomllib.TOMLDecodeError as error:
            line = _line_in(str(error))
            raise SitegenError([Problem(shown_as, line or 1, message=f"invalid TOML front matter: {str(error).split(' (at')[0]}")]) from None
        body_start = 3 + end.end() + 1
        return front, text[body_start:], text.count("\n", 0, body_start) + 1
    if text.startswith("{"):  # Hugo's JSON front matter: an object, then the body
        try:
            front, end = json.JSONDecoder().raw_decode(text)
        except json.JSONDecodeError as error:
            raise SitegenError([Problem(shown_as, error.lineno, message=f"invalid JSON front matter: {error.msg}")]) from None
        if not isinstance(front, dict):
            return None
        body = text[end:].lstrip(" \t").removeprefix("\n")
        return front, body, text.count("\n", 0, len(text) - len(body)) + 1
    if not text.startswith("---"):
        return None
    front_text, body, body_line = split_front_matter(text, shown_as)
    front, _ = parse_yaml(front_text, shown_as) if front_text.strip() else ({}, {})
    return front, body, body_line


def when(value: Any, zone: str, shown_as: str, field: str) -> dt.datetime:
    """A front matter date as a zone-aware datetime (the site's zone unless it has one)."""
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=zoneinfo.ZoneInfo(zone))
    try:
        return parse_datetime(value if not isinstance(value, str) else _jekyll_date(value), zoneinfo.ZoneInfo(zone))
    except ValueError as error:
        raise SitegenError([Problem(shown_as, None, field, str(error))]) from None


def _jekyll_date(text: str) -> str:
    """'2019-03-05 10:00:00 +0100' (Jekyll's usual form) as ISO 8601."""
    found = re.fullmatch(r"(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?)\s*([+-]\d{2}):?(\d{2})", text.strip())
    if found:
        return f"{found.group(1)}T{found.group(2).zfill(5) if len(found.group(2)) < 5 else found.group(2)}{found.group(3)}:{found.group(4)}"
    return text


def shown(moment: dt.datetime) -> str:
    """A datetime as front matter writes it: '2019-03-05 10:00:00+01:00'."""
    return moment.isoformat(sep=" ")


def listed(value: Any) -> list[str]:
    """Tags or categories written as a list, or as one string of words (Jekyll), as a list of names."""
    if value is None:
        return []
    if isinstance(value, str):
        return [word for word in value.split() if word]
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if v is not None and str(v).strip()]
    return [str(value)]


def static_files(folder: Path, url_prefix: str, skip: tuple[str, ...] = ()) -> list[tuple[str, str, Path]]:
    """(old URL path, new site path, file) of each picture, medium or download under folder: the old URL
    is url_prefix + its path there, the new place content/static/ + the same path."""
    found = []
    for path in files_under(folder, skip):
        relative = path.relative_to(folder).as_posix()
        if relative.split("/", 1)[0].startswith("_") or path.suffix.lower() not in STATIC_SUFFIXES:
            continue
        found.append((f"{url_prefix.rstrip('/')}/{relative}", f"content/static/{relative}", path))
    return found


def urlize(text: str) -> str:
    """A title as Hugo and Jekyll put it in a URL: lower case, spaces as '-', punctuation dropped."""
    text = re.sub(r"[^\w\s-]", "", text.strip().lower())
    return re.sub(r"[\s_]+", "-", text).strip("-")
