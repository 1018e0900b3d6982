"""The subscriber list on disk (store.py), its signed links and keyed hashes (tokens.py), what people type
(forms.py), and the mail server address (mail.py): unit tests, no server."""

from __future__ import annotations

import datetime as dt
import sqlite3
import stat

import pytest

from sitegen.errors import SitegenError
import email
import email.policy

from sitegen.mail import Connection, MailError, SmtpServer, _masked, compose, parse_smtp_url
from sitegen.subscribers.forms import FormError, parse_address, parse_name, parse_topics
from sitegen.subscribers.database import MIGRATIONS, open_store
from sitegen.subscribers.store import Limits
from sitegen.subscribers.tokens import Tokens, TokenError, TokenExpired, load_secret, secret_id, suppression_hash

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.timezone.utc)
TOPICS = frozenset({"all", "offers", "cakes", "bread"})


@pytest.fixture
def store(tmp_path):
    opened = open_store(tmp_path / "private/subscribers.sqlite3", secret_id="abc")
    yield opened
    opened.close()


def sign_up(store, address="ann@example.com", now=NOW, **values):
    return store.sign_up(email=address, email_key=address.lower(), name="", topics=("all",), now=now, **values)


def test_a_new_list_is_private_in_wal_mode_at_the_latest_schema(tmp_path, store):
    path = tmp_path / "private/subscribers.sqlite3"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    connection = store.connection
    assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert connection.execute("PRAGMA user_version").fetchone() == (len(MIGRATIONS),)
    assert {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")} >= {
        "subscribers", "subscriber_topics", "consent_log", "suppression", "outbox", "meta"}


def test_a_list_from_a_newer_sitegen_or_another_secret_is_refused(tmp_path, store):
    path = tmp_path / "private/subscribers.sqlite3"
    store.close()
    with pytest.raises(SitegenError, match="made with another secret"):
        open_store(path, secret_id="other")
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(SitegenError, match="made by a newer sitegen"):
        open_store(path, secret_id="abc")
    (tmp_path / "broken.sqlite3").write_bytes(b"not a database" * 100)
    with pytest.raises(SitegenError, match="cannot open the subscriber list"):
        open_store(tmp_path / "broken.sqlite3", secret_id="abc")


def test_a_second_sign_up_within_ten_minutes_and_a_fourth_in_a_day_send_nothing(store):
    assert sign_up(store).send_confirmation
    assert not sign_up(store, now=NOW + dt.timedelta(minutes=9)).send_confirmation
    assert sign_up(store, now=NOW + dt.timedelta(minutes=11)).send_confirmation
    assert sign_up(store, now=NOW + dt.timedelta(minutes=22)).send_confirmation
    assert not sign_up(store, now=NOW + dt.timedelta(minutes=33)).send_confirmation
    assert sign_up(store, now=NOW + dt.timedelta(days=1, minutes=1)).send_confirmation
    assert not sign_up(store, "Bo@Example.com", limits=Limits(per_day=0)).send_confirmation


def test_the_outbox_claims_in_order_and_requeues_what_a_crash_left_sending(store):
    subscriber = sign_up(store).subscriber
    with store.atomic():
        first = store.enqueue(kind="confirm", subscriber=subscriber, recipient="ann@example.com", message=b"one", now=NOW)
        second = store.enqueue(kind="confirm", subscriber=subscriber, recipient="ann@example.com", message=b"two", now=NOW)
    claimed = store.claim(NOW)
    assert (claimed.id, claimed.message, claimed.attempts) == (first, b"one", 1)
    assert store.requeue_interrupted() == [first]  # what a restart finds: it may have been delivered
    assert store.claim(NOW).id == first
    store.mark_retry(first, NOW + dt.timedelta(seconds=30), "451 busy")
    assert store.claim(NOW).id == second
    store.mark_sent(second, NOW)
    assert store.claim(NOW) is None and store.next_due() == NOW + dt.timedelta(seconds=30)
    assert store.claim(NOW + dt.timedelta(seconds=30)).attempts == 3  # the interrupted try counts too
    store.mark_failed(first, "550 no such user")
    assert store.outbox_counts() == {"queued": 0, "sending": 0, "sent": 1, "failed": 1}
    assert store.connection.execute("SELECT count(*) FROM outbox WHERE recipient IS NOT NULL OR message IS NOT NULL").fetchone() == (0,)


def test_unsubscribing_drops_queued_mail_and_suppresses_deleting_keeps_only_the_hash(store):
    subscriber = sign_up(store).subscriber
    store.enqueue(kind="confirm", subscriber=subscriber, recipient="ann@example.com", message=b"x", now=NOW)
    assert store.unsubscribe(subscriber, NOW, suppression_hash="h1", how="one-click")
    assert not store.unsubscribe(subscriber, NOW, suppression_hash="h1", how="one-click")
    assert store.outbox_counts()["queued"] == 0 and store.suppressed("h1")
    store.delete(subscriber, NOW, suppression_hash="h1")
    assert store.subscriber(subscriber.id) is None
    assert [row for table in ("subscribers", "subscriber_topics", "consent_log", "outbox")
            for row in store.connection.execute(f"SELECT * FROM {table}")] == []
    assert store.connection.execute("SELECT hash, reason FROM suppression").fetchall() == [("h1", "deleted")]


def test_tokens_are_signed_expire_only_for_confirmation_and_name_no_address(tmp_path):
    now = [NOW]
    tokens = Tokens(b"s" * 32, lambda: now[0])
    confirm, manage = tokens.confirm_token(7, "n0nce"), tokens.manage_token(7, "n0nce")
    assert "@" not in confirm + manage
    assert tokens.read_confirm(confirm).subscriber_id == 7 and tokens.read_confirm(confirm).nonce == "n0nce"
    with pytest.raises(TokenError):
        tokens.read_manage(confirm)  # one purpose's token is not another's
    with pytest.raises(TokenError):
        Tokens(b"t" * 32, lambda: now[0]).read_manage(manage)
    now[0] += dt.timedelta(hours=49)
    with pytest.raises(TokenExpired):
        tokens.read_confirm(confirm)
    assert tokens.read_manage(manage).subscriber_id == 7
    key = load_secret(tmp_path, None)
    assert load_secret(tmp_path, None) == key and stat.S_IMODE((tmp_path / "private/secret.key").stat().st_mode) == 0o600
    assert load_secret(tmp_path, "x" * 20) == b"x" * 20
    with pytest.raises(SitegenError, match="at least 16"):
        load_secret(tmp_path, "short")
    assert secret_id(key) != secret_id(b"x" * 20) and suppression_hash(key, "a@b.c") != suppression_hash(b"x" * 20, "a@b.c")


def test_addresses_names_and_topics_are_checked():
    address = parse_address("  Ann.Baker@EXAMPLE.com ")
    assert (address.email, address.key) == ("Ann.Baker@example.com", "ann.baker@example.com")
    for wrong in ("", "ann", "ann@", "ann@example", "a b@example.com", "ann@@example.com"):
        with pytest.raises(FormError):
            parse_address(wrong)
    assert parse_name("  Ann \n Baker ") == "Ann Baker" and len(parse_name("x" * 500)) == 100
    assert parse_topics(["cakes", "Bread"], TOPICS) == (("bread", "cakes"), ())
    assert parse_topics([], TOPICS) == (("all",), ())
    assert parse_topics(["cakes", "all"], TOPICS) == (("all",), ())
    assert parse_topics(["cakes", "cakse"], TOPICS) == (("cakes",), ("cakse",))


def test_the_mail_server_address_and_errors_that_never_name_the_recipient():
    assert parse_smtp_url("smtp+starttls://news%40bakery.test:p%3Ass@smtp.example.com") == SmtpServer(
        "smtp+starttls", "smtp.example.com", 587, "news@bakery.test", "p:ss")
    assert parse_smtp_url("smtps://smtp.example.com").port == 465 and parse_smtp_url("smtp://127.0.0.1:2525").port == 2525
    assert "p:ss" not in str(parse_smtp_url("smtps://u:p%3Ass@h")) + repr(parse_smtp_url("smtps://u:p%3Ass@h"))
    for wrong, said in (("http://smtp.example.com", "expected smtp://"), ("smtp://", "expected a host"), ("smtp://h:port", "port number")):
        with pytest.raises(SitegenError, match=said):
            parse_smtp_url(wrong)
    assert _masked("550 <ann@example.com>: unknown; also bo@example.org", "ann@example.com") == "550 <<address>>: unknown; also <address>"
    with pytest.raises(MailError) as refused:  # nothing listens on port 9 (discard) here
        Connection(SmtpServer("smtp", "127.0.0.1", 9), timeout=2).send("a@b.test", "ann@example.com", b"x")
    assert not refused.value.permanent and "ann@" not in str(refused.value)


def test_a_composed_message_reads_back_with_its_words_outside_ascii():
    raw = compose(sender="Crème & Co. <news@creme.test>", recipient="Zoë <zoe@example.com>", reply_to="hello@creme.test",
                  subject="Bienvenue chez Crème & Co. — " + "très " * 20, text="Zoë,\nmerci.\n", html="<style>p{color:red}</style><p>Zoë</p>",
                  now=NOW, headers={"List-Unsubscribe": "<https://s.creme.test/unsubscribe/abc>"})
    assert all(len(line) <= 998 for line in raw.split(b"\r\n")) and b"\n" not in raw.replace(b"\r\n", b"")
    message = email.message_from_bytes(raw, policy=email.policy.default)
    (sender,), (recipient,) = message["From"].addresses, message["To"].addresses
    assert (sender.display_name, sender.addr_spec, recipient.display_name) == ("Crème & Co.", "news@creme.test", "Zoë")
    assert message["Subject"] == "Bienvenue chez Crème & Co. — " + ("très " * 20).strip()
    assert message["List-Unsubscribe"] == "<https://s.creme.test/unsubscribe/abc>" and message["Message-ID"].endswith("@creme.test>")
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == "Zoë,\nmerci.\n"  # CRLF on the wire
    assert message.get_body(("html",)).get_content().strip() == '<html><head></head><body><p style="color: red;">Zoë</p></body></html>'
