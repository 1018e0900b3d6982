"""The publish plan and its order, the manifest, and a sync that fails halfway, in this process against a folder."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from sitegen.errors import SitegenError
from sitegen.media import media_of
from sitegen.publish import manifest as manifest_module
from sitegen.publish.folder import Folder
from sitegen.publish.manifest import MANIFEST, Entry, PublishMemo, parse_manifest, path_digest, render_manifest, scan_site
from sitegen.publish.sync import check_takeover, name_the_rest, plan_sync, read_published, run_sync

from .conftest import write_files


def entry(data: bytes) -> Entry:
    return Entry(len(data), hashlib.sha256(data).hexdigest())


def by_digest(files: dict[str, Entry]) -> dict[str, Entry]:
    """Entries as a manifest keeps them: by the digest of their path."""
    return {path_digest(path): entry for path, entry in files.items()}


def test_the_plan_sends_assets_then_pages_then_feeds_and_deletes_what_is_gone():
    local = {p: entry(p.encode()) for p in ("atom.xml", "index.html", "posts/a/index.html", "static/a.png", "sitemap.xml", "robots.txt")}
    published = by_digest({"index.html": local["index.html"], "static/a.png": entry(b"old"), "posts/gone/index.html": entry(b"x"), "posts/unknown/index.html": entry(b"y")})
    plan = plan_sync(local, published, last={"atom.xml", "sitemap.xml"}, names={"posts/gone/index.html", "index.html", "about/index.html"})
    assert plan.groups == (("robots.txt", "static/a.png"), ("posts/a/index.html",), ("atom.xml", "sitemap.xml"))
    assert plan.deletes == ("posts/gone/index.html",)
    assert plan.unnamed == {path_digest("posts/unknown/index.html")}, "a name known nowhere here is looked for at the destination"
    assert plan.new == {"robots.txt", "posts/a/index.html", "atom.xml", "sitemap.xml"}
    assert plan.unchanged == ("index.html",)
    assert plan.upload_bytes == sum(local[p].size for p in plan.uploads)


def test_a_file_whose_upload_was_under_way_is_sent_again():
    local = {"index.html": entry(b"new")}
    assert plan_sync(local, by_digest({"index.html": Entry(3, None)})).uploads == ("index.html",)


def test_the_manifest_reads_back_and_names_no_path():
    files = {"a b/ü.html": entry(b"1"), "offers/unlisted-deal/index.html": Entry(4, None)}
    data = render_manifest(files)
    assert b"unlisted" not in data and "ü".encode() not in data
    assert parse_manifest(data, "file:///www") == by_digest(files)
    hostile = json.dumps({"format": 1, "files": {"../etc/passwd": [1, "a"], "0" * 32: [1, "a"]}}).encode()
    assert parse_manifest(hostile, "file:///www") == {"0" * 32: Entry(1, "a")}
    assert parse_manifest(None, "file:///www") == {}
    with pytest.raises(SitegenError) as raised:
        parse_manifest(b"{not json", "file:///www")
    assert str(raised.value.problems[0]).startswith("file:///www: .sitegen-publish.json is unreadable (")


def test_scanning_leaves_dotfiles_out_and_hashes_only_files_that_changed(tmp_path, monkeypatch):
    output = write_files(tmp_path / "output", {"index.html": "home", "posts/a/index.html": "a", ".sitegen-manifest.json": "{}", ".nojekyll": "", ".well/x": "x"})
    found, memo = scan_site(output, PublishMemo())
    assert found == {"index.html": entry(b"home"), "posts/a/index.html": entry(b"a")}
    hashed = []
    original = manifest_module.hash_file
    monkeypatch.setattr(manifest_module, "hash_file", lambda path: hashed.append(path) or original(path))
    (output / "index.html").write_text("home, again")
    again, _ = scan_site(output, memo)
    assert again["index.html"] == entry(b"home, again")
    assert hashed == [str(output / "index.html")]


class Failing:
    """A folder store whose connection drops after `uploads` files."""

    def __init__(self, store: Folder, uploads: int) -> None:
        self.store, self.left, self.address = store, uploads, store.address

    def __getattr__(self, name):
        return getattr(self.store, name)

    def upload(self, files, done):
        for file in files:
            if self.left == 0:
                raise SitegenError([])
            self.left -= 1
            self.store.upload([file], done)


def publish_once(output: Path, www: Path, store=None):
    local, _ = scan_site(output, PublishMemo())
    store = store or Folder(www, f"file://{www}")
    published = read_published(store)
    plan = name_the_rest(store, plan_sync(local, published))  # no names known here: the store is searched
    check_takeover(store, plan, take_over=False)
    return run_sync(store, plan, local, published, output, media_of)


def test_a_sync_that_fails_halfway_leaves_the_old_site_and_the_next_one_finishes(tmp_path):
    output, www = tmp_path / "output", tmp_path / "www"
    old = {f"posts/{n}/index.html": f"old {n}" for n in range(6)} | {"gone/index.html": "gone"}
    write_files(output, old)
    publish_once(output, www)
    (output / "gone" / "index.html").unlink()
    write_files(output, {f"posts/{n}/index.html": f"new {n}" for n in range(6)} | {"new/index.html": "new"})
    with pytest.raises(SitegenError):
        publish_once(output, www, Failing(Folder(www, f"file://{www}"), 3))
    there = {p.relative_to(www).as_posix(): p.read_text() for p in www.rglob("*") if p.is_file() and p.name != MANIFEST}
    assert set(old) <= set(there), "every old page is still there"
    assert sorted(there.values()).count("gone") == 1
    claimed = parse_manifest((www / MANIFEST).read_bytes(), "")
    assert {key for key, e in claimed.items() if e.digest is None} == {path_digest(p) for p in (*(f"posts/{n}/index.html" for n in range(6)), "new/index.html")}
    report = publish_once(output, www)
    assert report.deleted == ("gone/index.html",)
    assert {p.relative_to(www).as_posix(): p.read_text() for p in www.rglob("*") if p.is_file() and p.name != MANIFEST} == {
        f"posts/{n}/index.html": f"new {n}" for n in range(6)
    } | {"new/index.html": "new"}
    assert not (www / "gone").exists()
    assert None not in {e.digest for e in parse_manifest((www / MANIFEST).read_bytes(), "").values()}
