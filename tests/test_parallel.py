"""Parallel builds give exactly the bytes a one-process build gives."""

from __future__ import annotations

from sitegen import build

from .conftest import NOW, snapshot
from .test_incremental import corpus


def tree(folder) -> dict[str, bytes]:
    return {path: data for path, (data, _) in snapshot(folder).items()}


def test_parallel_and_single_process_builds_are_identical(make_site, tmp_path):
    root = make_site(corpus(160))
    single = build(root, tmp_path / "one", now=NOW, jobs=1)
    parallel = build(root, tmp_path / "two", now=NOW, jobs=2)
    assert single.processes == 1
    assert parallel.processes == 2  # the pool really ran
    assert tree(tmp_path / "two") == tree(tmp_path / "one")
    assert parallel.rendered == single.rendered


def test_small_work_stays_in_one_process(make_site, tmp_path):
    root = make_site(corpus(5))
    assert build(root, tmp_path / "out", now=NOW, jobs=4).processes == 1


def test_parallel_build_reports_every_problem(make_site, tmp_path):
    import pytest

    from sitegen import SitegenError

    files = corpus(160)
    files["templates/post.html"] = "{{ post.titel }}"
    root = make_site(files)
    with pytest.raises(SitegenError) as caught:
        build(root, tmp_path / "out", now=NOW, jobs=2)
    assert len(caught.value.problems) == 160  # one per post page, from the workers
    assert str(caught.value.problems[0]).startswith("templates/post.html:1: 'sitegen.model.Post object' has no attribute 'titel'")
