"""Problems are values that carry a place; a failed step raises them all at once."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, printed like a compiler message."""

    source_path: str
    """The file, relative to the site root ('sitegen.toml', 'content/posts/x.md')."""
    line: int | None = None
    """1-based line in that file, when known."""
    field: str | None = None
    """The setting or front matter field, dotted ('feeds.limit'), when known."""
    message: str = ""
    """What was wrong, and what was expected."""
    hint: str | None = None
    """A suggestion, printed in parentheses ('did you mean ...?')."""

    def __str__(self) -> str:
        place = self.source_path
        if self.line is not None:
            place += f":{self.line}"
        text = f"{place}: "
        if self.field:
            text += f"{self.field}: "
        text += self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


class SitegenError(Exception):
    """Raised at the end of a step with every problem that step found."""

    def __init__(self, problems: Iterable[Problem], *, nothing_written: bool = True):
        self.nothing_written = nothing_written
        """Whether the failure left every file as it was (true of every build step)."""
        self.problems: tuple[Problem, ...] = tuple(sorted(set(problems), key=_problem_order))
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self):
        # Problems found in worker processes cross over pickled; Exception's own pickling would call
        # __init__ with the message instead of the problems (and a build waiting on it would hang).
        return (type(self), (self.problems,), {"nothing_written": self.nothing_written})


def _problem_order(problem: Problem) -> tuple:
    return (problem.source_path, problem.line or 0, problem.field or "", problem.message)


CLOSE = 0.75
"""How alike a word and a suggestion must be (difflib's ratio) to offer it: 'tgas' and 'tags' are
0.75, 'titel' and 'title' 0.8; 'math' and 'author' (0.6) are not alike enough to suggest."""


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """Return "did you mean 'x'?" for the closest choice when it is close (CLOSE), or None."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=CLOSE)
    return f"did you mean '{close[0]}'?" if close else None


def raise_if(problems: list[Problem]) -> None:
    """Raise SitegenError when a step collected any problem."""
    if problems:
        raise SitegenError(problems)
