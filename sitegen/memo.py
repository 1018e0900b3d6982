"""How a step declares what it may reuse from the last build: its memo.

A memo is a frozen dataclass declared beside its step, each field a dict made with kept(). The step
takes last build's memo and returns a new one with what this build made; it never changes the dicts
it was given (a memo is the value of one build, and the dev server hands it to the next).

How each field is kept between processes is said here, in its declaration, so that the cache
(cache.py), which stores and loads memos, knows no step's fields:

- per_file: the dict is keyed by a content file's source path ("content/posts/x.md"), or by a
  tuple that starts with it. The cache keeps such entries in files by source path, so a build that
  changed one content file rewrites a small file, not all of them.
- saved=False: the values only make sense in this process (object identities, Jinja environments):
  the dev server keeps them from build to build, a new process starts without them.

A memo class whose values depend neither on the settings nor on the base URL says so with
`SHARED = True` (parsed documents): the dev server and `sitegen build` then share one copy.
"""

from __future__ import annotations

import dataclasses
from typing import Any


def kept(*, per_file: bool = False, saved: bool = True) -> Any:
    """A memo field: a dict, empty for a first build."""
    return dataclasses.field(default_factory=dict, metadata={"per_file": per_file, "saved": saved})


def is_per_file(field: dataclasses.Field) -> bool:
    """Whether the field is keyed by source path (see kept())."""
    return bool(field.metadata.get("per_file"))


def is_saved(field: dataclasses.Field) -> bool:
    """Whether the field is kept between processes (see kept())."""
    return bool(field.metadata.get("saved", True))


def is_shared(memo_type: type) -> bool:
    """Whether the memo's values depend neither on the settings nor on the base URL."""
    return bool(getattr(memo_type, "SHARED", False))


def source_path_of(key: Any) -> str:
    """The content file a per_file entry belongs to."""
    return key if type(key) is str else key[0]
