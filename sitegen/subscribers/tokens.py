"""Signed links and keyed hashes: the site secret, the tokens in confirmation, preferences and
unsubscribe links (itsdangerous), and the suppression list's hashes of addresses.

A token carries a subscriber's id and the nonce of their row, never their address: a link that
leaks says nothing about who it is for, and a deleted subscriber's links never work again, even
for the same address signing up anew.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import itsdangerous

from ..errors import Problem, SitegenError

SECRET_FILE = "private/secret.key"
"""Where the secret is kept when SITEGEN_SECRET is not set, relative to the site: made on first use."""

CONFIRM_MAX_AGE = dt.timedelta(hours=48)
"""How long a confirmation link works. Opening it shows a page and changes nothing, so it may be
opened any number of times (and by mail scanners) until then."""


class TokenError(Exception):
    """A link whose token is not ours (altered, truncated, or for another purpose)."""


class TokenExpired(TokenError):
    """A confirmation link older than CONFIRM_MAX_AGE."""


@dataclass(frozen=True)
class TokenSubject:
    """Whom a token is for: a subscriber's id and the nonce of their row."""

    subscriber_id: int
    nonce: str


def load_secret(site_root: Path, given: str | None) -> bytes:
    """The site secret: `given` (the CLI passes SITEGEN_SECRET), else the key in private/secret.key,
    made there (readable by the owner only) the first time."""
    if given:
        if len(given) < 16:
            raise SitegenError([Problem("SITEGEN_SECRET", message=f"expected at least 16 characters (32 random ones are best), got {len(given)}")])
        return given.encode("utf-8")
    path = Path(site_root) / SECRET_FILE
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return _read_key(path)
    with os.fdopen(handle, "w", encoding="ascii") as file:
        file.write(secrets.token_hex(32) + "\n")
        file.flush()
        os.fsync(file.fileno())
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 16:
        raise SitegenError([Problem(str(path), message="the secret key is too short or empty: delete the file only if no subscriber list uses it")])
    return key.encode("ascii")


def secret_id(secret: bytes) -> str:
    """A fingerprint of the secret that gives nothing of it away: the store keeps it, to notice a changed secret."""
    return hmac.new(secret, b"sitegen secret id", hashlib.sha256).hexdigest()[:16]


def suppression_hash(secret: bytes, email_key: str) -> str:
    """The keyed hash (HMAC-SHA256) of a lower-cased address: what the suppression list keeps. Without the
    secret, nobody can test whether an address is on it."""
    return hmac.new(secret, b"suppression:" + email_key.encode("utf-8"), hashlib.sha256).hexdigest()


class Tokens:
    """Makes and reads the tokens in links; `clock` says what time it is (for expiry)."""

    def __init__(self, secret: bytes, clock: Callable[[], dt.datetime]):
        class Signer(itsdangerous.TimestampSigner):
            def get_timestamp(self) -> int:
                return int(clock().timestamp())

        self._confirm = itsdangerous.URLSafeTimedSerializer(secret, salt="sitegen.subscribers.confirm", signer=Signer)
        self._manage = itsdangerous.URLSafeSerializer(secret, salt="sitegen.subscribers.manage")

    def confirm_token(self, subscriber_id: int, nonce: str) -> str:
        """For the confirmation link: works for CONFIRM_MAX_AGE."""
        return self._confirm.dumps([subscriber_id, nonce])

    def manage_token(self, subscriber_id: int, nonce: str) -> str:
        """For the preferences and unsubscribe links: never expires (an opt-out must keep working long after the email)."""
        return self._manage.dumps([subscriber_id, nonce])

    def read_confirm(self, token: str, max_age: dt.timedelta = CONFIRM_MAX_AGE) -> TokenSubject:
        """Whom a confirmation token is for; TokenExpired when too old, TokenError when not ours."""
        try:
            value = self._confirm.loads(token, max_age=int(max_age.total_seconds()))
        except itsdangerous.SignatureExpired:
            raise TokenExpired(token) from None
        except itsdangerous.BadData:
            raise TokenError(token) from None
        return _subject(value, token)

    def read_manage(self, token: str) -> TokenSubject:
        """Whom a preferences or unsubscribe token is for; TokenError when not ours."""
        try:
            value = self._manage.loads(token)
        except itsdangerous.BadData:
            raise TokenError(token) from None
        return _subject(value, token)


def _subject(value: object, token: str) -> TokenSubject:
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], int) and isinstance(value[1], str)):
        raise TokenError(token)
    return TokenSubject(value[0], value[1])
