"""Writing: only changed bytes, atomically; remove only what an earlier build wrote."""

from __future__ import annotations

from .conftest import post, snapshot, write_files


def test_no_change_rebuild_writes_nothing(make_site, build_at):
    root = make_site({"content/posts/2026-03-01-a.md": post("A"), "content/static/x.txt": "x"})
    build_at(root)
    before = snapshot(root / "output")
    report = build_at(root).report
    assert report.written == ()
    assert snapshot(root / "output") == before  # same bytes, same modification times


def test_an_edit_rewrites_only_what_shows_it(make_site, build_at):
    root = make_site(
        {
            "content/posts/2026-03-01-a.md": post("A"),
            "content/pages/about.md": "---\ntitle: About\n---\nUs.\n",
        }
    )
    build_at(root)
    before = snapshot(root / "output")
    write_files(root, {"content/pages/about.md": "---\ntitle: About\n---\nUs, since 1999.\n"})
    report = build_at(root).report
    assert report.written == ("about/index.html",)
    after = snapshot(root / "output")
    changed = {path for path in after if after[path] != before.get(path)}
    assert changed == {"about/index.html"}


def test_deleted_content_is_removed_but_foreign_files_are_kept(make_site, build_at):
    root = make_site(
        {
            "content/posts/2026-03-01-a.md": post("A", tags="[solo]"),
            "content/posts/2026-03-02-b.md": post("B", "2026-03-02"),
        }
    )
    build_at(root)
    write_files(root, {"output/CNAME": "bakery.test\n"})  # the owner's own file, not ours
    (root / "content/posts/2026-03-01-a.md").unlink()
    report = build_at(root).report
    assert "posts/a/index.html" in report.removed
    assert "tags/solo/index.html" in report.removed
    assert not (root / "output/posts/a").exists()  # emptied folders go too
    assert not (root / "output/tags/solo").exists()
    assert (root / "output/CNAME").read_text() == "bakery.test\n"
    assert (root / "output/posts/b/index.html").is_file()


def test_the_manifest_names_no_path_and_old_manifests_still_prune(make_site, build_at):
    root = make_site({"content/posts/2026-03-01-a.md": post("A"), "content/posts/2026-03-02-b.md": post("B", "2026-03-02")})
    build_at(root)
    manifest = (root / "output/.sitegen-manifest.json").read_text()
    assert "posts/" not in manifest and "index.html" not in manifest  # it is published with the site
    # A manifest from before digests, a list of paths, still says what an earlier build wrote.
    write_files(root, {"output/old/index.html": "stale", "output/.sitegen-manifest.json": '["old/index.html", "posts/a/index.html"]'})
    (root / "content/posts/2026-03-01-a.md").unlink()
    report = build_at(root).report
    assert report.removed == ("old/index.html", "posts/a/index.html")
    assert not (root / "output/old").exists() and not (root / "output/posts/a").exists()


def test_no_temporary_files_are_left(make_site, build_at):
    root = make_site({"content/posts/2026-03-01-a.md": post("A")})
    build_at(root)
    build_at(root, base_url="https://other.test")
    leftovers = [p for p in (root / "output").rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


def test_static_files_are_copied_only_when_changed(make_site, build_at):
    root = make_site({"content/static/a.bin": b"\x00" * 1000})
    build_at(root)
    first = (root / "output/static/a.bin").stat().st_mtime_ns
    report = build_at(root).report
    assert "static/a.bin" not in report.written
    assert (root / "output/static/a.bin").stat().st_mtime_ns == first
    write_files(root, {"content/static/a.bin": b"\x01" * 1000})
    assert "static/a.bin" in build_at(root).report.written
    assert (root / "output/static/a.bin").read_bytes() == b"\x01" * 1000


def test_site_static_wins_over_theme_static(make_site, build_at):
    root = make_site({"content/static/css/style.css": "body { color: red }"})
    build_at(root)
    assert (root / "output/static/css/style.css").read_text() == "body { color: red }"
