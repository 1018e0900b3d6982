"""Front matter as text: split from the Markdown, read as YAML, and its common slips explained in
plain words with a fixed line that is checked to read back as meant."""

from __future__ import annotations

import functools
import re
from typing import Any

from .errors import Problem, SitegenError

_FENCE = re.compile(r"^---[ \t]*\r?$", re.M)


def split_front_matter(text: str, source_path: str) -> tuple[str, str, int]:
    """Split '---' front matter from the body; returns (front, body, line the body starts on)."""
    if not text.startswith("---"):
        raise SitegenError(
            [Problem(source_path, line=1, message="expected front matter between '---' lines at the top of the file (at least a title)")]
        )
    first = text.find("\n") + 1
    match = _FENCE.search(text, first)
    if not first or match is None:
        raise SitegenError([Problem(source_path, line=1, message="front matter starts with '---' but has no closing '---' line")])
    front = text[first : match.start()]
    body_start = match.end() + 1
    return front, text[body_start:], text.count("\n", 0, body_start) + 1


@functools.cache
def _loaders() -> tuple[type, type]:
    """(fast, exact) YAML loaders: safe YAML that leaves timestamps as text, so every date is parsed
    one way, with the site's zone. PyYAML is imported here, at the first front matter that must be
    parsed: a rebuild whose front matter is unchanged does without it (10 ms).

    The fast one runs on libyaml when PyYAML has it (10x faster); its error messages differ, so
    errors are read again by the exact one, in PyYAML's own words.
    """
    import yaml

    resolvers = {
        first: [(tag, regexp) for tag, regexp in found if tag != "tag:yaml.org,2002:timestamp"]
        for first, found in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    exact = type("_Loader", (yaml.SafeLoader,), {"yaml_implicit_resolvers": resolvers})
    fast = type("_FastLoader", (getattr(yaml, "CSafeLoader", exact),), {"yaml_implicit_resolvers": resolvers})
    return fast, exact


def parse_yaml(front: str, source_path: str) -> tuple[dict, dict[str, int]]:
    """Parse front matter YAML into a dict and the 1-based file line of each top-level key."""
    import yaml

    fast, exact = _loaders()
    try:
        data, node = _load_yaml(fast, front)
    except yaml.YAMLError:
        try:
            data, node = _load_yaml(exact, front)  # the same error, in PyYAML's own words
        except yaml.YAMLError as error:
            raise SitegenError(yaml_problems(front, error, source_path)) from None
    if not isinstance(data, dict):
        raise SitegenError([Problem(source_path, line=2, message=f"expected front matter of 'key: value' lines, got {type(data).__name__}")])
    key_lines = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            key_lines[str(key_node.value)] = key_node.start_mark.line + 2
    return data, key_lines


_MAX_YAML_PROBLEMS = 20
"""Fixable mistakes reported per file: each is fixed in memory to look for the next one."""


def yaml_problems(front: str, error: Exception, source_path: str) -> list[Problem]:
    """Plain problems for a YAML error in front matter, with the fixed line where the mistake is a common one.

    A line the explanation can fix is fixed in memory and the front matter read again, so one build
    names every such line, and the first mistake it cannot fix.
    """
    import yaml

    exact = _loaders()[1]
    problems = []
    while len(problems) < _MAX_YAML_PROBLEMS:
        problem, fixed = _explain_yaml_error(front, error, source_path)
        problems.append(problem)
        if fixed is None:
            break
        try:
            _load_yaml(exact, fixed)
            break
        except yaml.YAMLError as next_error:
            mark, next_mark = getattr(error, "problem_mark", None), getattr(next_error, "problem_mark", None)
            if mark is None or next_mark is None or next_mark.line <= mark.line:
                break  # the fix did not get past the line: what follows would only confuse
            front, error = fixed, next_error
    return problems


# A `key: value` line of a block mapping (or of a list item), with the value as written.
_KEY_VALUE = re.compile(r"^(?P<indent> *(?:- +)?)(?P<key>[^\s:#'\"\[\]{},&*!|>%@`-][^:#]*?):[ ]+(?P<value>\S.*?)\s*$")


def _explain_yaml_error(front: str, error: Exception, source_path: str) -> tuple[Problem, str | None]:
    """A problem for one YAML error, and the front matter with the line fixed when there is a checked fix."""
    mark = getattr(error, "problem_mark", None)
    parser_says = getattr(error, "problem", None) or str(error)
    if mark is None:
        return Problem(source_path, message=f"invalid YAML in front matter: {parser_says}"), None
    lines = front.split("\n")
    text = lines[mark.line] if mark.line < len(lines) else ""
    line = mark.line + 2  # +1 for 1-based, +1 for the opening '---'
    if "\t" in text:
        indent = text[: len(text) - len(text.lstrip())]
        where = "for indenting" if "\t" in indent else f"after '{text.split(chr(9), 1)[0].strip()}'"
        return Problem(source_path, line, message=f"a tab is used {where}; YAML needs spaces. Replace the tab with spaces."), None
    found = _KEY_VALUE.match(text)
    following = next((later for later in lines[mark.line + 1 :] if later.strip()), "")
    if found and not _indent_of(following) > _indent_of(text):  # a value going on to the next lines is left alone
        indent, key, value = found.group("indent", "key", "value")
        value, comment = _split_comment(value)
        intended, why = _intended_value(value)
        if why is not None:
            fixed_value = _quoted(intended)
            if _parses_to(f"{key}: {fixed_value}", key, intended):
                fixed_line = f"{indent}{key}: {fixed_value}" + (f" {comment}" if comment else "")
                message = f"the value of '{key}' {why}:\n    {fixed_line.strip()}"
                fixed = "\n".join([*lines[: mark.line], fixed_line, *lines[mark.line + 1 :]])
                return Problem(source_path, line, message=message), fixed
    return Problem(source_path, line, message=f"invalid YAML in front matter: {parser_says}"), None


def _indent_of(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _split_comment(value: str) -> tuple[str, str]:
    """(value, '# comment') of an unquoted value; a quoted one is kept whole (its ' #' may be text)."""
    if value[0] in "'\"" or " #" not in value:
        return value, ""
    value, comment = value.split(" #", 1)
    return value.rstrip(), "#" + comment


def _intended_value(value: str) -> tuple[str, str | None]:
    """The text the author meant, and why YAML does not read it so and what to do (None: no common mistake seen)."""
    if value[0] in "'\"":
        quote = value[0]
        if len(value) > 1 and value.endswith(quote):
            quotes, inside = ("single quotes", "an apostrophe") if quote == "'" else ("double quotes", "a double quote")
            return value[1:-1], f"is in {quotes} and has {inside} inside too, which ends the value early. Write it as"
        return value, "starts with a quote but does not end with one. Quote the whole value"
    if ": " in value or value.endswith(":"):
        return value, "contains ': ', which YAML reads as a new key. Put the value in quotes"
    if value[0] in "@`":
        return value, f"starts with '{value[0]}', which YAML does not allow there. Put the value in quotes"
    return value, None


def _quoted(text: str) -> str:
    """text as a YAML scalar: double quotes unless it needs escapes there, else single quotes."""
    if '"' not in text and "\\" not in text:
        return f'"{text}"'
    return "'" + text.replace("'", "''") + "'"


def _parses_to(line: str, key: str, intended: str) -> bool:
    """Whether a fixed `key: value` line reads as {key: intended}: only a checked fix is offered."""
    import yaml

    try:
        data, _ = _load_yaml(_loaders()[1], line)
    except yaml.YAMLError:
        return False
    return data == {key: intended}


def _load_yaml(loader_class: type, front: str) -> tuple[Any, Any]:
    """(data, root node) of one YAML document."""
    loader = loader_class(front)
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else {}), node
    finally:
        loader.dispose()
