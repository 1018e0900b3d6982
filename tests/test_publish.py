"""`sitegen publish` through the real command line, to real destinations: a folder, a real OpenSSH
server and moto's S3 protocol emulator (tests/destinations.py). After each publish the destination
holds exactly the built site; only what changed is sent; the owner's own files survive; a publish
killed halfway leaves the old site whole and the next one finishes."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sitegen.publish.manifest import path_digest

from .conftest import DEMO_NOW, REPO
from .destinations import MANIFEST, Place, make_place, s3_server, sshd  # noqa: F401 - fixtures
from .test_ping import Hub

pytestmark = pytest.mark.slow  # the real command line, several times per test, against real servers

KINDS = ("folder", "sftp", "s3")
SLOW_PUBLISH = """
import sys, time
import sitegen.cli.publish as command
opened = command.open_store

def slow_store(*args, **kwargs):
    # One file at a time, slowly: the test kills this process halfway through the uploads.
    store = opened(*args, **kwargs)
    upload = store.upload
    def one_by_one(files, done):
        for file in files:
            upload([file], done)
            time.sleep(0.05)
    store.upload = one_by_one
    return store

command.open_store = slow_store
from sitegen.cli import main
sys.argv = ["sitegen", *sys.argv[1:]]
main()
"""


@pytest.fixture
def hub():
    server = Hub()
    yield server
    server.close()


@pytest.fixture
def demo(tmp_path, hub) -> Path:
    """A copy of the demo site whose WebSub hub is a local one."""
    root = tmp_path / "site"
    shutil.copytree(REPO / "content", root / "content")
    settings = (REPO / "sitegen.toml").read_text(encoding="utf-8")
    (root / "sitegen.toml").write_text(re.sub(r'(?m)^websub_hub = .*$', f'websub_hub = "{hub.url}"', settings), encoding="utf-8")
    return root


@pytest.fixture
def home(tmp_path) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


def run(site: Path, place: Place, home: Path, *args: str, script: str | None = None, env: dict | None = None, wait: bool = True):
    """`sitegen publish` of site to place, with HOME=home and only the place's keys in the environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SITEGEN_", "SSH_"))}
    environment = {**clean, "HOME": str(home), **place.env, **(env or {})}
    command = [sys.executable, *(["-c", script] if script else ["-m", "sitegen"]), "publish", "--source", str(site), "--to", place.address, "--now", DEMO_NOW.isoformat(), *args]
    if not wait:
        return subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(command, env=environment, capture_output=True, text=True, timeout=180)


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def site_files(output: Path) -> dict[str, bytes]:
    """What a publish puts online: every file of output/ but dotfiles."""
    files = {p.relative_to(output).as_posix(): p for p in sorted(output.rglob("*")) if p.is_file()}
    return {relative: p.read_bytes() for relative, p in files.items() if not any(part.startswith(".") for part in relative.split("/"))}


def manifest_of(files: dict[str, bytes]) -> dict[str, list]:
    return json.loads(files[MANIFEST])["files"]


def stamps(place: Place) -> dict[str, tuple[int, int]]:
    """(inode, mtime_ns) of each file at a folder or SFTP destination: a file sent again gets new ones."""
    return {p.relative_to(place.folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns) for p in place.folder.rglob("*") if p.is_file()}


def counts(stdout: str) -> tuple[int, int, int]:
    match = re.search(r"published to \S+: ([\d,]+) files? uploaded \([^)]*\), ([\d,]+) deleted, ([\d,]+) unchanged", stdout)
    assert match, stdout
    return tuple(int(n.replace(",", "")) for n in match.groups())


@pytest.mark.parametrize("kind", KINDS)
def test_publish_sends_only_what_changed_and_keeps_the_owners_files(kind, demo, home, tmp_path, hub, request):
    place = make_place(kind, tmp_path, home, request)
    output = demo / "output"

    first = ok(run(demo, place, home))
    site = site_files(output)
    at_destination = place.files()
    assert {path: data for path, data in at_destination.items() if path != MANIFEST} == site, "the destination is the site, byte for byte"
    assert {key: size for key, (size, digest) in manifest_of(at_destination).items()} == {path_digest(path): len(data) for path, data in site.items()}
    assert b"posts/" not in at_destination[MANIFEST], "the manifest is served with the site: it names no page (an unlisted offer's)"
    assert counts(first) == (len(site), 0, 0)
    assert ".sitegen-manifest.json" not in at_destination and ".nojekyll" not in at_destination  # dotfiles stay home
    announced = {request["body"]["hub.url"][0] for request in hub.requests}
    assert "https://crumbandco.example/atom.xml" in announced and "https://crumbandco.example/tags/sourdough/rss.xml" in announced
    assert f"told {hub.url} about {len(announced)} changed feeds" in first
    assert "next change: 2026-12-20T09:00:00-05:00 (a scheduled post or offer); publish again then, for example with:" in first
    assert f"systemd-run --user --on-calendar='2026-12-20 14:00:00 UTC' {sys.executable} -m sitegen publish --source {demo.resolve()} --to {place.address}" in first

    before_stamps = stamps(place) if place.folder else None
    again = ok(run(demo, place, home))
    assert counts(again) == (0, 0, len(site))
    assert place.files() == at_destination
    if place.folder:
        assert stamps(place) == before_stamps

    place.put_by_hand("google5f3a.html", b"google-site-verification: google5f3a.html\n")
    place.put_by_hand("downloads/menu.pdf", b"%PDF-1.4 the owner's menu\n")
    posts = demo / "content" / "posts"
    edited, deleted = posts / "2026-10-17-a-night-at-the-bakery.md", posts / "2026-01-31-coffee-from-down-the-road.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nOne more thing: the ovens stay warm till dawn.\n", encoding="utf-8")
    deleted.unlink()
    before = site
    dry = ok(run(demo, place, home, "--dry-run"))
    after = site_files(output)
    changed = {path for path, data in after.items() if before.get(path) != data}
    removed = set(before) - set(after)
    assert "posts/coffee-from-down-the-road/index.html" in removed and "posts/a-night-at-the-bakery/index.html" in changed
    assert set(re.findall(r"^would upload (\S+) \((?:new|changed)\)$", dry, re.M)) == changed
    assert set(re.findall(r"^would delete (\S+)$", dry, re.M)) == removed
    assert "google5f3a.html" not in dry
    assert {p: d for p, d in place.files().items() if p not in ("google5f3a.html", "downloads/menu.pdf")} == at_destination, "a dry run changes nothing"

    # Without the cache, as on a new computer: the manifest names files by digest only, so the
    # deleted post's files are found by looking through the destination.
    published = ok(run(demo, place, home, "--no-cache"))
    assert counts(published) == (len(changed), len(removed), len(after) - len(changed))
    now_there = place.files()
    assert now_there.pop("google5f3a.html") == b"google-site-verification: google5f3a.html\n"
    assert now_there.pop("downloads/menu.pdf") == b"%PDF-1.4 the owner's menu\n"
    assert set(manifest_of(now_there)) == {path_digest(path) for path in after}, "the manifest lists sitegen's files, not the owner's"
    assert {path: data for path, data in now_there.items() if path != MANIFEST} == after
    if place.folder:
        assert not (place.folder / "posts" / "coffee-from-down-the-road").exists(), "the deleted post's folder goes with its page"
        untouched = {path: stamp for path, stamp in stamps(place).items() if path in after and path not in changed}
        assert untouched == {path: before_stamps[path] for path in untouched}, "only the changed files were sent"
    if kind == "s3":
        assert place.headers("atom.xml") == ("application/atom+xml; charset=utf-8", "public, max-age=60")
        assert place.headers("rss.xml")[0] == "application/rss+xml; charset=utf-8"
        assert place.headers("podcast.xml")[0] == "application/rss+xml; charset=utf-8"
        assert place.headers("feed.json")[0] == "application/feed+json; charset=utf-8"
        assert place.headers("feeds.opml")[0] == "text/x-opml; charset=utf-8"
        assert place.headers("index.html") == ("text/html; charset=utf-8", "public, max-age=300")
        assert place.headers("static/favicon.svg") == ("image/svg+xml", "public, max-age=86400")
        audio = next(path for path in after if path.endswith(".mp3"))
        assert place.headers(audio)[0] == "audio/mpeg"
        assert place.headers("sitemap.xml")[0] == "application/xml; charset=utf-8"


@pytest.mark.parametrize("kind", KINDS)
def test_a_publish_killed_halfway_leaves_the_old_site_whole_and_the_next_one_finishes(kind, demo, home, tmp_path, request):
    place = make_place(kind, tmp_path, home, request)
    ok(run(demo, place, home))
    old = site_files(demo / "output")
    settings = demo / "sitegen.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace('title = "Crumb & Co."', 'title = "Crumb and Co."'), encoding="utf-8")

    process = run(demo, place, home, script=SLOW_PUBLISH, wait=False)
    new: dict[str, bytes] = {}
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if not new and (demo / "output" / "index.html").is_file() and b"Crumb and Co." in (demo / "output" / "index.html").read_bytes():
            time.sleep(0.5)  # the build has written its files; the slow uploads take seconds
            new = site_files(demo / "output")
        if new:
            there = place.files()
            sent = [path for path in old if path.endswith(".html") and there.get(path) == new[path] != old[path]]
            if len(sent) >= 5:
                break
        time.sleep(0.1)
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    assert process.returncode == -signal.SIGKILL, f"the publish ended before it was killed:\n{process.stdout.read()}\n{process.stderr.read()}"

    there = place.files()
    missing = sorted(path for path in old if path not in there)
    assert missing == [], "every page of the old site is still there"
    torn = sorted(path for path in old if there[path] not in (old[path], new.get(path)))
    assert torn == [], "each file is the old one or the new one, whole"
    html = [path for path in old if path.endswith(".html")]
    assert any(there[path] == old[path] != new[path] for path in html), "killed halfway: some pages still the old ones"
    assert None in {digest for _, digest in manifest_of(there).values()}, "the uploads under way are claimed, not yet vouched for"

    finished = ok(run(demo, place, home))
    assert counts(finished)[0] > 0
    now_there = place.files()
    assert {path: data for path, data in now_there.items() if path != MANIFEST} == site_files(demo / "output")
    assert None not in {digest for _, digest in manifest_of(now_there).values()}
    if place.folder:
        assert not [p for p in place.folder.rglob(".*") if p.name != MANIFEST], "no half-written file is left behind"


# --- bad input: one clear message, exit 1, the destination as it was -----------------------------


def small_site(tmp_path: Path) -> Path:
    from .conftest import BASE_CONFIG, post, write_files

    return write_files(tmp_path / "small", {"sitegen.toml": BASE_CONFIG, "content/posts/2026-03-01-a.md": post("A")})


def one_error(result: subprocess.CompletedProcess) -> str:
    """The one error a failed publish printed, after checking it exited 1 and said nothing else was wrong."""
    assert result.returncode == 1, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and re.search(r"^1 error[.;]", result.stderr, re.M), result.stderr
    assert "Traceback" not in result.stderr
    return errors[0].removeprefix("error: ")


def ssh_fingerprint(public_key_line: str) -> str:
    import base64
    import hashlib

    return "SHA256:" + base64.b64encode(hashlib.sha256(base64.b64decode(public_key_line.split()[2])).digest()).decode().rstrip("=")


def test_an_unknown_or_changed_host_key_is_refused_with_the_command_that_accepts_it(sshd, tmp_path, home):
    site = small_site(tmp_path)
    www = tmp_path / "www"
    place = Place(f"sftp://{sshd.user}@127.0.0.1:{sshd.port}{www}", {"SITEGEN_SSH_KEY": str(sshd.user_key)}, folder=www)
    message = one_error(run(site, place, home))
    assert message == (
        f"{place.address}: the server's host key is not in your known_hosts, so sitegen cannot tell that it is really 127.0.0.1; "
        f"nothing was changed (its ssh-ed25519 key has the fingerprint {ssh_fingerprint(sshd.host_key_line)}: if your host's control panel "
        f"or support shows the same, accept it by connecting once with `ssh -p {sshd.port} {sshd.user}@127.0.0.1` and answering yes, then publish again)"
    )
    assert not www.exists()
    other = subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "other")], check=True)
    assert other.returncode == 0
    key_type, key = (tmp_path / "other.pub").read_text().split()[:2]
    (home / ".ssh").mkdir(mode=0o700)
    (home / ".ssh" / "known_hosts").write_text(f"[127.0.0.1]:{sshd.port} {key_type} {key}\n")
    message = one_error(run(site, place, home))
    assert f"the server's host key ({ssh_fingerprint(sshd.host_key_line)}) is not the one your known_hosts has for 127.0.0.1" in message
    assert f"remove the old one with `ssh-keygen -R '[127.0.0.1]:{sshd.port}'`" in message
    assert not www.exists()


def test_a_wrong_password_or_an_unreachable_server_is_one_clear_error(sshd, tmp_path, home):
    from .destinations import free_port, known_hosts

    site = small_site(tmp_path)
    www = tmp_path / "www"
    www.mkdir()
    (www / "index.html").write_bytes(b"the old site")
    known_hosts(home, sshd.host_key_line)
    place = Place(f"sftp://{sshd.user}@127.0.0.1:{sshd.port}{www}", {"SITEGEN_SSH_PASSWORD": "not-the-password"}, folder=www)
    message = one_error(run(site, place, home))
    assert message == (
        f"{place.address}: the server refused the login of '{sshd.user}' (tried the password in SITEGEN_SSH_PASSWORD); nothing was changed "
        "(check the user name; put the key your host accepts in your SSH agent or in SITEGEN_SSH_KEY (a path, or the key itself), "
        "or the password in SITEGEN_SSH_PASSWORD)"
    )
    closed = free_port()
    place = Place(f"sftp://{sshd.user}@127.0.0.1:{closed}{www}", {"SITEGEN_SSH_KEY": str(sshd.user_key)}, folder=www)
    message = one_error(run(site, place, home))
    assert message == (
        f"{place.address}: could not reach 127.0.0.1 on port {closed} (Connection refused); nothing was changed "
        "(check the host and port, and that you are online)"
    )
    assert place.files() == {"index.html": b"the old site"}


def test_a_missing_bucket_is_one_clear_error(s3_server, tmp_path, home):
    client, env = s3_server
    message = one_error(run(small_site(tmp_path), Place("s3://no-such-bucket/www", dict(env)), home))
    assert message == (
        f"s3://no-such-bucket/www/: there is no bucket 'no-such-bucket' at {env['AWS_ENDPOINT_URL']} (check the bucket's name, "
        "and AWS_ENDPOINT_URL and AWS_REGION; make the bucket in your store's console first)"
    )
    assert "no-such-bucket" not in {bucket["Name"] for bucket in client.list_buckets()["Buckets"]}


def test_a_destination_in_the_site_or_none_at_all_is_refused(tmp_path, home):
    site = small_site(tmp_path)
    message = one_error(run(site, Place(f"file://{site / 'public'}"), home))
    assert message == f"file://{site / 'public'}: is inside the site folder ({site}) (publish to a folder outside the site, such as the one your web server serves)"
    assert not (site / "public").exists()
    result = subprocess.run([sys.executable, "-m", "sitegen", "publish", "--source", str(site)], capture_output=True, text=True, env={**os.environ, "HOME": str(home)})
    assert one_error(result) == (
        "sitegen.toml: publish.to: not set, and no --to given: sitegen does not know where to publish "
        '(set [publish] to = "sftp://user@host/path" (or s3://bucket/prefix, file:///path), or give --to)'
    )


def test_files_sitegen_did_not_put_there_are_never_replaced_unless_taken_over(tmp_path, home):
    site = small_site(tmp_path)
    www = tmp_path / "www"
    www.mkdir()
    (www / "index.html").write_bytes(b"an old site, uploaded by hand")
    (www / "notes.txt").write_bytes(b"the owner's")
    place = Place(f"file://{www}", folder=www)
    dry = run(site, place, home, "--dry-run")
    assert "would upload index.html (new)" in ok(dry)
    assert "warning: " + f"{place.address}: 1 file there that sitegen did not put there would be replaced: index.html" in dry.stderr
    message = one_error(run(site, place, home))
    assert message.startswith(f"{place.address}: 1 file there that sitegen did not put there would be replaced: index.html; nothing was changed")
    assert place.files() == {"index.html": b"an old site, uploaded by hand", "notes.txt": b"the owner's"}
    ok(run(site, place, home, "--take-over"))
    there = place.files()
    assert there.pop("notes.txt") == b"the owner's"
    assert {path: data for path, data in there.items() if path != MANIFEST} == site_files(site / "output")


def test_the_key_may_come_from_the_ssh_agent_or_as_text(sshd, tmp_path, home):
    from .destinations import known_hosts

    site = small_site(tmp_path)
    known_hosts(home, sshd.host_key_line)
    socket_path = tmp_path / "agent.sock"
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(socket_path)], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not socket_path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        subprocess.run(["ssh-add", "-q", str(sshd.user_key)], env={**os.environ, "SSH_AUTH_SOCK": str(socket_path)}, check=True, capture_output=True)
        www = tmp_path / "by-agent"
        ok(run(site, Place(f"sftp://{sshd.user}@127.0.0.1:{sshd.port}{www}", {"SSH_AUTH_SOCK": str(socket_path)}, folder=www), home))
        assert (www / "index.html").read_bytes() == (site / "output" / "index.html").read_bytes()
    finally:
        agent.terminate()
        agent.wait(10)
    www = tmp_path / "by-text"
    ok(run(site, Place(f"sftp://{sshd.user}@127.0.0.1:{sshd.port}{www}", {"SITEGEN_SSH_KEY": sshd.user_key.read_text()}, folder=www), home))
    assert (www / "index.html").read_bytes() == (site / "output" / "index.html").read_bytes()


def test_a_second_publish_of_the_same_site_waits_its_turn_and_changes_nothing(tmp_path, home):
    from sitegen.files import hold_lock

    site = small_site(tmp_path)
    www = tmp_path / "www"
    www.mkdir()
    place = Place(f"file://{www}", folder=www)
    (site / ".sitegen-cache").mkdir(exist_ok=True)
    held = hold_lock(site / ".sitegen-cache/publish.lock")  # a publish of this site is running
    try:
        message = one_error(run(site, place, home))
    finally:
        os.close(held)
    assert message == f"{site / '.sitegen-cache/publish.lock'}: another `sitegen publish` of this site is running: wait for it to finish, then publish again"
    assert place.files() == {}
    ok(run(site, place, home))  # once it has finished
    assert "index.html" in place.files()
