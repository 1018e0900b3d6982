"""The cache stores any step's memo by what its fields declare: a new step, or a new kind of
content kept by an existing one, needs no code in cache.py."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from sitegen.cache import BUILD_FILE, DiskCache, files_of
from sitegen.memo import kept


@dataclass(frozen=True)
class IssuesMemo:
    """What a step that cache.py has never heard of keeps."""

    pages: Mapping[tuple, str] = kept(per_file=True)
    sent: Mapping[str, int] = kept()
    scratch: Mapping[int, object] = kept(saved=False)


@dataclass(frozen=True)
class ParsedMemo:
    SHARED = True
    documents: Mapping[str, str] = kept(per_file=True)


@dataclass(frozen=True)
class Memos:
    issues: IssuesMemo = field(default_factory=IssuesMemo)
    parsed: ParsedMemo = field(default_factory=ParsedMemo)


FIRST, SECOND = "content/newsletter/2026-12-01-first.md", "content/newsletter/2026-12-08-second.md"


def memos(first: str = "First issue") -> Memos:
    return Memos(
        IssuesMemo({(FIRST, "web"): first, (SECOND, "web"): "Second issue"}, {"sent": 2}, {1: object()}),
        ParsedMemo({FIRST: "parsed first", SECOND: "parsed second"}),
    )


def files(folder) -> dict[str, int]:
    return {str(path.relative_to(folder)): path.stat().st_mtime_ns for path in folder.rglob("*.pickle")}


def test_a_new_steps_memo_round_trips(tmp_path):
    DiskCache(tmp_path).save(memos())
    loaded, warnings = DiskCache(tmp_path).load(Memos)
    assert warnings == ()
    assert loaded.issues.pages == memos().issues.pages
    assert loaded.issues.sent == {"sent": 2}
    assert loaded.issues.scratch == {}  # not saved: it only makes sense in the process that made it
    assert loaded.parsed.documents == {FIRST: "parsed first", SECOND: "parsed second"}
    # Kept by content file: each entry in the files of its source path, the rest in one file.
    assert set(files(tmp_path)) == {BUILD_FILE, *files_of(FIRST), *files_of(SECOND)}


def test_an_unchanged_memo_rewrites_nothing_and_one_change_rewrites_its_file(tmp_path):
    cache = DiskCache(tmp_path)
    cache.save(memos())
    before = files(tmp_path)
    cache.save(memos())
    assert files(tmp_path) == before
    cache.save(memos(first="First issue, corrected"))
    after = files(tmp_path)
    assert {name for name in after if after[name] != before[name]} == {files_of(FIRST)[1]}


def test_a_variant_keeps_its_own_files_and_shares_the_shared_ones(tmp_path):
    DiskCache(tmp_path, "serve").save(memos())
    assert set(files(tmp_path)) == {*files_of(FIRST)[:1], *files_of(SECOND)[:1]} | {
        os.path.join("serve", name) for name in (BUILD_FILE, files_of(FIRST)[1], files_of(SECOND)[1])
    }
    loaded, _ = DiskCache(tmp_path).load(Memos)  # another variant sees only what is shared
    assert loaded.parsed.documents == memos().parsed.documents and loaded.issues.pages == {}
