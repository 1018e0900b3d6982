"""Email out: the mail server from SITEGEN_SMTP_URL (or the [sending] settings), messages with a text and
an HTML part (CSS inlined, as mail apps want it), and one SMTP transaction at a time on a kept connection.

Errors never carry an address: a server's reply often repeats the recipient, so it is masked before
it reaches a log or the outbox.
"""

from __future__ import annotations

import binascii
import datetime as dt
import email.header
import email.utils
import re
import smtplib
import ssl
import uuid
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import css_inline

from .channels import SendingSettings
from .errors import Problem, SitegenError

SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
"""SITEGEN_SMTP_URL's schemes and their default ports: plain (a relay on this machine), STARTTLS, TLS from the start."""

TIMEOUT = 30.0
"""Seconds to wait for the mail server before counting a try as failed."""


@dataclass(frozen=True)
class SmtpServer:
    """Where mail goes: scheme, host, port, and the login (if any)."""

    scheme: str
    host: str
    port: int
    user: str = ""
    password: str = field(default="", repr=False)

    def __str__(self) -> str:
        """For messages and logs: never the password."""
        return f"{self.scheme}://{self.user + '@' if self.user else ''}{self.host}:{self.port}"


def parse_smtp_url(url: str, *, source: str = "SITEGEN_SMTP_URL") -> SmtpServer:
    """smtp://, smtp+starttls:// or smtps://[user[:password]@]host[:port] (user and password %-encoded)."""
    parts = urlsplit(url.strip())
    problem = None
    if parts.scheme not in SCHEMES:
        problem = f"expected smtp://, smtp+starttls:// or smtps:// followed by user:password@host:port, got a URL starting {parts.scheme + '://' if parts.scheme else repr(url[:12])}"
    elif not parts.hostname:
        problem = "expected a host name after ://, as in smtp+starttls://user:password@smtp.example.com:587"
    else:
        try:
            port = parts.port or SCHEMES[parts.scheme]
        except ValueError:
            problem = "expected a port number after the host name's ':'"
    if problem:
        raise SitegenError([Problem(source, message=problem)])
    return SmtpServer(parts.scheme, parts.hostname, port, unquote(parts.username or ""), unquote(parts.password or ""))  # type: ignore[arg-type]


def server_from_settings(sending: SendingSettings, password: str | None) -> SmtpServer | None:
    """The mail server of [sending] (smtp_host, smtp_port, smtp_user) with its password from
    SITEGEN_SMTP_PASSWORD; None without smtp_host."""
    if not sending.smtp_host:
        return None
    scheme = "smtps" if sending.smtp_port == 465 else "smtp" if sending.smtp_port == 25 and not sending.smtp_user else "smtp+starttls"
    return SmtpServer(scheme, sending.smtp_host, sending.smtp_port, sending.smtp_user, password or "")


class MailError(Exception):
    """A message the mail server did not take; `permanent` when trying again cannot help (a 5xx reply)."""

    def __init__(self, message: str, *, permanent: bool):
        super().__init__(message)
        self.permanent = permanent


def address_of(mailbox: str) -> str:
    """The bare address of 'Name <address>'."""
    return email.utils.parseaddr(mailbox)[1]


def inline_css(html: str, *, keep_at_rules: bool = False) -> str:
    """HTML with its <style> rules moved into style attributes: many mail apps ignore <style>. Remote
    stylesheets are never fetched. keep_at_rules: @media rules (dark mode, narrow screens), which no
    style attribute can hold, stay in a <style> for the mail apps that read it."""
    return (_KEEPING_AT_RULES if keep_at_rules else _INLINER).inline(html)


_INLINER = css_inline.CSSInliner(load_remote_stylesheets=False)
_KEEPING_AT_RULES = css_inline.CSSInliner(load_remote_stylesheets=False, keep_at_rules=True)

SIGNED_HEADERS = (
    "from", "to", "subject", "date", "message-id", "reply-to", "list-id", "list-unsubscribe", "list-unsubscribe-post",
    "mime-version", "content-type",
)
"""The headers a DKIM signature covers: the unsubscribe ones among them, as RFC 8058 section 4 asks, so
nobody on the way can change where one-click unsubscribe leads."""


@dataclass(frozen=True)
class DkimKey:
    """What signs messages: the selector, the sender's domain and the private key (from SITEGEN_DKIM_KEY)."""

    selector: str
    domain: str
    key: bytes = field(repr=False)


def load_dkim_key(selector: str, domain: str, pem: str) -> DkimKey:
    """A DKIM key from PEM text (SITEGEN_DKIM_KEY), checked now rather than at the first message."""
    import dkim.crypto  # dkimpy: only commands that sign load it

    key = pem.strip().encode("ascii", "replace") + b"\n"
    try:
        dkim.crypto.parse_pem_private_key(key)
    except Exception as error:  # dkimpy raises several kinds for a bad key; all mean the same here
        raise SitegenError([Problem("SITEGEN_DKIM_KEY", message=f"expected an RSA private key as PEM text (-----BEGIN RSA PRIVATE KEY----- or -----BEGIN PRIVATE KEY-----), which dkimpy cannot read: {error}")]) from None
    return DkimKey(selector, domain, key)


def dkim_sign(message: bytes, key: DkimKey) -> bytes:
    """The message with a DKIM-Signature header (relaxed/relaxed, rsa-sha256) over SIGNED_HEADERS and the body."""
    import dkim

    signature = dkim.sign(message, key.selector.encode("ascii"), key.domain.encode("ascii"), key.key,
                          include_headers=[name.encode("ascii") for name in SIGNED_HEADERS], canonicalize=(b"relaxed", b"relaxed"),
                          linesep=b"\r\n")
    return signature + message


def compose(
    *, sender: str, recipient: str, subject: str, text: str, html: str, now: dt.datetime, reply_to: str = "",
    headers: dict[str, str] | None = None, inlined: bool = False,
) -> bytes:
    """A message with a text part and an HTML part (its CSS inlined), ready for SMTP. Message-ID is new
    each time, at the sender's domain, so a copy delivered twice can be told from two messages.

    Written out directly rather than through email.message.EmailMessage, whose header objects took
    7 ms a message, most of a sign-up's time; the parts are quoted-printable UTF-8 (binascii, in C),
    and headers with words outside ASCII are RFC 2047 encoded (email.header, email.utils).

    inlined: the HTML has its CSS inlined already (a newsletter inlines once per issue, not per message)."""
    domain = address_of(sender).rpartition("@")[2] or "localhost"
    boundary = f"=_{uuid.uuid4().hex}"
    lines = [
        f"From: {_mailbox(sender)}",
        f"To: {_mailbox(recipient)}",
        *([f"Reply-To: {_mailbox(reply_to)}"] if reply_to else []),
        f"Subject: {_header('Subject', subject)}",
        f"Date: {email.utils.format_datetime(now)}",
        f"Message-ID: <{uuid.uuid4().hex}@{domain}>",
        *(f"{name}: {_header(name, value)}" for name, value in (headers or {}).items()),
        "MIME-Version: 1.0",
        f'Content-Type: multipart/alternative; boundary="{boundary}"',
        "",
        f"--{boundary}",
        _part("plain", text),
        f"--{boundary}",
        _part("html", html if inlined else inline_css(html)),
        f"--{boundary}--",
        "",
    ]
    return "\r\n".join(lines).encode("ascii")


def _mailbox(mailbox: str) -> str:
    """'Name <address>' with the name RFC 2047 encoded when it needs to be."""
    name, address = email.utils.parseaddr(mailbox)
    return email.utils.formataddr((name, address), charset="utf-8")


def _header(name: str, value: str) -> str:
    """A header's value, one line; RFC 2047 encoded (and folded) when it has more than ASCII."""
    value = " ".join(value.split())
    if value.isascii():
        return value
    return email.header.Header(value, "utf-8", header_name=name).encode(linesep="\r\n")


def _part(subtype: str, body: str) -> str:
    encoded = binascii.b2a_qp(body.replace("\r\n", "\n").encode("utf-8")).decode("ascii").replace("\n", "\r\n")
    return f'Content-Type: text/{subtype}; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{encoded}'


class Connection:
    """One SMTP connection, opened when first needed and kept for the next message; reopened once when the
    server has dropped it. Blocking: the service runs it in a thread."""

    def __init__(self, server: SmtpServer, *, timeout: float = TIMEOUT):
        self.server = server
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    def send(self, sender: str, recipient: str, message: bytes) -> None:
        """One SMTP transaction (MAIL, RCPT, DATA); MailError when the server does not take the message."""
        for attempt in (1, 2):
            try:
                smtp = self._open()
                refused = smtp.sendmail(sender, [recipient], message)
            except smtplib.SMTPServerDisconnected as error:
                self._drop()
                if attempt == 1:  # a kept connection the server closed while idle: one fresh try
                    continue
                raise MailError(f"the mail server closed the connection: {_masked(str(error), recipient)}", permanent=False) from None
            except smtplib.SMTPRecipientsRefused as error:
                code, reply = next(iter(error.recipients.values()))
                raise MailError(_reply("refused the recipient", code, reply, recipient), permanent=code >= 500) from None
            except smtplib.SMTPResponseException as error:
                self._reset()
                raise MailError(_reply("refused the message", error.smtp_code, error.smtp_error, recipient), permanent=error.smtp_code >= 500) from None
            except (OSError, smtplib.SMTPException) as error:
                self._drop()
                raise MailError(f"cannot reach the mail server {self.server.host}:{self.server.port}: {_masked(str(error), recipient)}", permanent=False) from None
            if refused:
                code, reply = next(iter(refused.values()))
                raise MailError(_reply("refused the recipient", code, reply, recipient), permanent=code >= 500)
            return

    def close(self) -> None:
        """Say QUIT and close (or just close when the server is gone)."""
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self._drop()

    def _open(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        server = self.server
        context = ssl.create_default_context()
        if server.scheme == "smtps":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=self.timeout)
            if server.scheme == "smtp+starttls":
                smtp.starttls(context=context)
        try:
            if server.user:
                smtp.login(server.user, server.password)
        except smtplib.SMTPAuthenticationError as error:
            smtp.close()
            raise MailError(_reply("refused the login", error.smtp_code, error.smtp_error, ""), permanent=False) from None
        self._smtp = smtp
        return smtp

    def _reset(self) -> None:
        """After a refused message, RSET so the connection can carry the next one."""
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except (OSError, smtplib.SMTPException):
            self._drop()

    def _drop(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()
            except OSError:
                pass
        self._smtp = None


_ADDRESS = re.compile(r"[^\s<>\"'@]+@[^\s<>\"'@]+")


def _masked(text: str, recipient: str) -> str:
    """A server's words with every address in them replaced: logs and the outbox never hold one."""
    return _ADDRESS.sub("<address>", text.replace(recipient, "<address>") if recipient else text)


def _reply(what: str, code: int, reply: bytes | str, recipient: str) -> str:
    words = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return f"the mail server {what}: {code} {_masked(words, recipient)}"
