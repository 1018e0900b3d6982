"""The owner's commands: `sitegen subscribers list|add|remove|import|export|stats`, run in this process
through click (one real `sitegen` process checks how errors are printed)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest
from click.testing import CliRunner

from sitegen.cli import cli
from sitegen.cli import subscribers as commands
from sitegen.errors import SitegenError
from sitegen.subscribers import imports, store

from .conftest import run_cli, write_files
from .subscribers_support import SECRET, make_subscriber_site

ENV = {"SITEGEN_SECRET": SECRET.decode()}

PLAIN = """\
email,name,topics,consent_at
ann@example.com,Ann,cakes;bread,2026-03-01T09:00:00+01:00
bo@example.com,Bo,,
Cy@Example.com,,offers,2026-04-01 10:00
"""

MAILCHIMP = "\n".join([
    "Email Address,First Name,Last Name,MEMBER_RATING,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,CONFIRM_IP,LATITUDE,LONGITUDE,UNSUB_TIME,CLEAN_TIME,TAGS",
    'dee@example.com,Dee,Doe,2,2025-01-02 03:04:05,192.0.2.1,2025-01-02 03:10:00,192.0.2.1,,,,,"""Cakes"",""vip"""',  # TAGS: "Cakes","vip"
    "eli@example.com,Eli,,2,,,,,,,,,",
    "fox@example.com,Fox,,1,2024-05-01 10:00:00,,2024-05-01 10:05:00,,,,2025-02-01 00:00:00,,",
]) + "\n"

BUTTONDOWN = """\
email,creation_date,notes,metadata,tags,secondary_id,subscriber_type
gil@example.com,2025-03-04T05:06:07Z,,{},"['bread']",1,regular
hal@example.com,2025-03-05T05:06:07Z,,{},,2,unactivated
ivo@example.com,2025-03-06T05:06:07Z,,{},,3,unsubscribed
"""


@pytest.fixture
def site(tmp_path):
    return make_subscriber_site(tmp_path / "site")


def sitegen(site, *args: str, env: dict | None = None):
    """Run `sitegen subscribers ARGS --source SITE` in this process; click's result."""
    return CliRunner().invoke(cli, ["subscribers", *args, "--source", str(site)], env={**ENV, **(env or {})}, catch_exceptions=True)


def table(site, query: str) -> list[tuple]:
    with sqlite3.connect(site / "private/subscribers.sqlite3") as connection:
        return connection.execute(query).fetchall()


def test_the_commands_choices_are_the_librarys():
    assert commands.STATUSES == store.STATUSES and commands.FORMATS == imports.FORMATS


def test_import_a_plain_file_then_list_export_and_stats(site, tmp_path):
    write_files(tmp_path, {"people.csv": PLAIN})
    result = sitegen(site, "import", str(tmp_path / "people.csv"))
    assert result.exit_code == 0, result.output
    assert "     2  confirmed (opted in, as the file shows)" in result.output
    assert "     1  pending, no opt-in in the file" in result.output
    assert table(site, "SELECT email, status FROM subscribers ORDER BY id") == [
        ("ann@example.com", "confirmed"), ("bo@example.com", "pending"), ("Cy@example.com", "confirmed")]
    assert table(site, "SELECT count(*) FROM outbox") == [(0,)]  # no --send-confirmations: nobody is mailed
    (sentence, at), = table(site, "SELECT sentence, at FROM consent_log WHERE subscriber_id = 1")
    assert at == "2026-03-01T08:00:00.000000+00:00" and "as the imported file says" in sentence

    listed = sitegen(site, "list", "--status", "confirmed")
    assert [line.split("\t")[:3] for line in listed.stdout.splitlines()] == [
        ["ann@example.com", "confirmed", "bread,cakes"], ["Cy@example.com", "confirmed", "offers"]]

    exported = sitegen(site, "export")
    records = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert [(r["email"], r["status"], r["topics"], r["consent_at"][:10]) for r in records] == [
        ("ann@example.com", "confirmed", "bread;cakes", "2026-03-01"), ("bo@example.com", "pending", "all", ""),
        ("Cy@example.com", "confirmed", "offers", "2026-04-01")]
    as_json = json.loads(sitegen(site, "export", "--format", "json").stdout)
    assert [r["email"] for r in as_json] == ["ann@example.com", "bo@example.com", "Cy@example.com"]

    stats = sitegen(site, "stats").stdout
    assert "  confirmed          2" in stats and "  pending            1" in stats and "  cakes              1" in stats
    assert "sign-ups per week:" in stats and "suppression list: 0" in stats


def test_import_reads_mailchimp_and_buttondown_and_honours_the_suppression_list(site, tmp_path):
    write_files(tmp_path, {"mailchimp.csv": MAILCHIMP, "buttondown.csv": BUTTONDOWN})
    assert sitegen(site, "add", "gil@example.com", "--consent", "signed up at the counter").exit_code == 0
    assert sitegen(site, "remove", "gil@example.com", "--delete").exit_code == 0  # gil deleted their data
    result = sitegen(site, "import", str(tmp_path / "mailchimp.csv"), "--send-confirmations")
    assert result.exit_code == 0, result.output
    result = sitegen(site, "import", str(tmp_path / "buttondown.csv"))
    assert "     1  skipped: on the suppression list" in result.output
    assert "     1  suppressed (the file says they left)" in result.output
    assert table(site, "SELECT email, status FROM subscribers ORDER BY email") == [
        ("dee@example.com", "confirmed"), ("eli@example.com", "pending"), ("hal@example.com", "pending")]
    assert table(site, "SELECT topic FROM subscriber_topics JOIN subscribers ON id = subscriber_id WHERE email = 'dee@example.com'") == [("cakes",)]
    (evidence,), = table(site, "SELECT sentence FROM consent_log JOIN subscribers ON subscribers.id = subscriber_id WHERE email = 'dee@example.com'")
    assert evidence == "Mailchimp export: opted in at 2025-01-02T03:04:05+00:00 from 192.0.2.1, confirmed at 2025-01-02T03:10:00+00:00 from 192.0.2.1"
    assert table(site, "SELECT kind, recipient FROM outbox") == [("confirm", "eli@example.com")]  # --send-confirmations: the one without opt-in
    assert table(site, "SELECT count(*) FROM suppression") == [(3,)]  # gil deleted, fox and ivo unsubscribed at the provider
    again = sitegen(site, "import", str(tmp_path / "mailchimp.csv"))
    assert "     2  skipped: on the list already" in again.output and "     1  suppressed" in again.output
    refused = sitegen(site, "add", "fox@example.com")
    assert refused.exit_code == 1 and "suppression list" in str(refused.exception)


def test_import_errors_name_the_file_line_and_field_and_import_nothing(site, tmp_path):
    write_files(tmp_path, {"bad.csv": "email,name,topics,consent_at\nok@example.com,,,\nnot-an-address,,,\nx@example.com,,cakse,\ny@example.com,,,yesterday\n"})
    result = sitegen(site, "import", str(tmp_path / "bad.csv"))
    assert result.exit_code == 1 and isinstance(result.exception, SitegenError)
    path = str(tmp_path / "bad.csv")
    assert [str(problem) for problem in result.exception.problems] == [
        f"{path}:3: email: That email address does not look right: An email address must have an @-sign. (found 'not-an-address')",
        f"{path}:4: topics: no topic 'cakse' on this site (did you mean 'cakes'?); topics are all, bread, cakes, news, offers, recipes",
        f"{path}:5: consent_at: expected an ISO 8601 time like 2026-03-01T09:00:00+01:00, got 'yesterday'",
    ]
    assert table(site, "SELECT count(*) FROM subscribers") == [(0,)]
    write_files(tmp_path, {"other.csv": "mail,who\na@b.c,x\n"})
    assert "a header of email, name, topics, consent_at" in str(sitegen(site, "import", str(tmp_path / "other.csv")).exception)


def test_add_remove_and_export_to_a_private_file(site, tmp_path):
    added = sitegen(site, "add", "jo@example.com", "--name", "Jo", "--topic", "bread")
    assert added.exit_code == 0 and "confirmation email is queued" in added.output
    assert table(site, "SELECT kind, recipient FROM outbox") == [("confirm", "jo@example.com")]
    assert sitegen(site, "add", "jo@example.com").exit_code == 1
    assert sitegen(site, "add", "kai@example.com", "--topic", "nope").exit_code == 2
    assert sitegen(site, "remove", "jo@example.com").exit_code == 0
    assert table(site, "SELECT status FROM subscribers") == [("unsubscribed",)]
    assert table(site, "SELECT count(*) FROM outbox WHERE state = 'queued'") == [(0,)]
    assert sitegen(site, "remove", "nobody@example.com").exit_code == 1
    exported = sitegen(site, "export", "--format", "json", "--output", str(tmp_path / "list.json"))
    assert exported.exit_code == 0 and oct((tmp_path / "list.json").stat().st_mode & 0o777) == "0o600"
    assert json.loads((tmp_path / "list.json").read_text())[0]["status"] == "unsubscribed"
    assert sitegen(site, "export", "--output", str(site / "output/list.csv")).exit_code == 2  # never where it is published


@pytest.mark.slow  # real sitegen processes
def test_the_real_command_prints_errors_like_a_compiler_and_exits_1(site, tmp_path):
    write_files(tmp_path, {"bad.csv": "email,name,topics,consent_at\nnope,,,\n"})
    result = run_cli("subscribers", "import", str(tmp_path / "bad.csv"), "--source", str(site))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"error: {tmp_path / 'bad.csv'}:2: email: That email address does not look right: An email address must have an @-sign. (found 'nope')",
        "1 error; nothing was written.",
    ]
    assert (site / "private/secret.key").is_file()  # no SITEGEN_SECRET here: a key was made on first use
    serve = run_cli("subscribers", "serve", "--source", str(make_subscriber_site(tmp_path / "other")))
    assert serve.returncode == 1 and "no mail server" in serve.stderr


def test_import_and_add_with_consent_need_no_mail_settings(tmp_path):
    site = make_subscriber_site(tmp_path / "bare")
    write_files(site, {"sitegen.toml": (site / "sitegen.toml").read_text().split("[subscribers]")[0]})
    write_files(tmp_path, {"people.csv": PLAIN})
    assert sitegen(site, "import", str(tmp_path / "people.csv")).exit_code == 0
    assert sitegen(site, "add", "kim@example.com", "--consent", "a paper form, 2026-05-02").exit_code == 0
    mailing = sitegen(site, "import", str(tmp_path / "people.csv"), "--send-confirmations")
    assert mailing.exit_code == 1 and [p.field for p in mailing.exception.problems] == ["sending.from", "subscribers.url"]
