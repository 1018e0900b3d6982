"""Parallel builds give exactly the bytes a one-process build gives."""

from __future__ import annotations

import pytest

from sitegen import build

from .conftest import NOW, snapshot
from .test_incremental import corpus


def tree(folder) -> dict[str, bytes]:
    return {path: data for path, (data, _) in snapshot(folder).items()}


@pytest.mark.slow  # process pools over a large site
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


def staging_folders(output):
    return sorted(p.name for p in output.parent.iterdir() if p.name.startswith(f".{output.name}.staging-"))


@pytest.mark.slow  # process pools over a large site
def test_parallel_rebuild_over_an_existing_output_moves_in_only_changed_files(make_site, tmp_path):
    """Workers write beside the output folder; files whose bytes are already there are left alone."""
    root = make_site(corpus(160))
    out = tmp_path / "out"
    build(root, out, now=NOW, jobs=2)
    before = snapshot(out)
    path = root / "content/posts/2025-06-06-post-5.md"
    path.write_text(path.read_text().replace("Some *text*", "Other *text*"))
    again = build(root, out, now=NOW, jobs=2)  # no cache: everything is rendered again, in two processes
    assert again.processes == 2
    after = snapshot(out)
    changed = {p for p in after if after[p] != before[p]}
    assert "posts/post-5/index.html" in changed
    assert set(again.report.written) == changed  # the rest kept their bytes and modification times
    assert len(changed) < 20
    assert staging_folders(out) == []
    assert tree(out) == tree(build(root, tmp_path / "clean", now=NOW, jobs=1).output_dir)


@pytest.mark.slow  # process pools
def test_failed_parallel_build_leaves_output_and_no_staging(make_site, tmp_path):
    import pytest

    from sitegen import SitegenError

    files = corpus(160)
    root = make_site(files)
    out = tmp_path / "out"
    build(root, out, now=NOW, jobs=2)
    before = snapshot(out)
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates/tag.html").write_text("{{ taxonomy.nothing_here }}")  # tag pages fail; the rest render
    with pytest.raises(SitegenError) as caught:
        build(root, out, now=NOW, jobs=2)
    assert len(caught.value.problems) >= 20  # every tag page, found by the workers while they staged the rest
    assert snapshot(out) == before
    assert staging_folders(out) == []


@pytest.mark.slow  # process pools
def test_staging_left_by_a_killed_build_is_removed_and_a_live_one_kept(make_site, tmp_path):
    """A staging folder is abandoned when nobody holds its lock (flock): its build was killed."""
    import fcntl

    root = make_site(corpus(160))
    out = tmp_path / "out"
    abandoned, live = tmp_path / ".out.staging-999991", tmp_path / ".out.staging-999992"
    for folder in (abandoned, live):
        (folder / "posts").mkdir(parents=True)
        (folder / "posts/half-written.html").write_text("<p>half")
        (folder / ".lock").write_text("")
    with open(live / ".lock", "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as a build running in another process or container would
        result = build(root, out, now=NOW, jobs=1)  # one-process builds clean up too
        assert result.processes == 1
        assert not abandoned.exists()
        assert (live / "posts/half-written.html").exists()
    assert build(root, out, now=NOW, jobs=2).processes == 2
    assert staging_folders(out) == []  # the lock was released: the next build removed it


def test_parallel_parse_reports_problems_with_their_lines(make_site, tmp_path):
    """Files parsed in worker processes report problems exactly as in one process, and nothing is written."""
    import pytest

    from sitegen import SitegenError

    files = corpus(240)
    files["content/posts/2025-03-03-broken.md"] = "---\ntitle: Broken\ndate: 2025-03-03\ntags: [a, b\n---\nBody.\n"
    files["content/posts/2025-03-04-typo.md"] = "---\ntitle: Typo\ndate: 2025-03-04\ntgas: [a]\n---\nBody.\n"
    root = make_site(files)
    found = {}
    for jobs in (1, 2):
        with pytest.raises(SitegenError) as caught:
            build(root, tmp_path / f"out{jobs}", now=NOW, jobs=jobs)
        found[jobs] = [str(problem) for problem in caught.value.problems]
        assert not (tmp_path / f"out{jobs}").exists()
    assert found[2] == found[1]
    assert any(p.startswith("content/posts/2025-03-03-broken.md:") and "invalid YAML" in p for p in found[2])
    assert any(p.startswith("content/posts/2025-03-04-typo.md:4: unknown field 'tgas'") for p in found[2])


def test_no_staging_for_an_output_folder_whose_files_take_its_group(tmp_path):
    """Files made beside a setgid output folder would get the parent's group, not the folder's."""
    import os

    from sitegen.write import Stager

    out = tmp_path / "out"
    out.mkdir()
    stager = Stager.beside(out)
    assert stager is not None and os.path.isdir(stager.folder)
    stager.remove()
    os.chmod(out, 0o2755)
    assert Stager.beside(out) is None
    assert staging_folders(out) == []


def test_workers_end_on_sigterm_whatever_handler_the_parent_installed():
    """The pool ends its workers with SIGTERM; the dev server turns SIGTERM into Ctrl-C, and workers
    that inherited that handler could outlive the pool, which then waited for them forever."""
    import signal

    from sitegen.pool import run_parallel

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        results = run_parallel(lambda number: signal.getsignal(signal.SIGTERM) == signal.SIG_DFL, range(400), 2)
        assert results is not None and all(results)
    finally:
        signal.signal(signal.SIGTERM, previous)
