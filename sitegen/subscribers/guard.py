"""What stands between the internet and the service: security headers on every response, a limit on
request bodies, per-address-of-origin rate limits, and a log that holds neither addresses nor tokens.
Unknown errors become a plain 500 page, logged without the error's own words (they may quote input)."""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("sitegen.subscribers")
access_log = logging.getLogger("sitegen.subscribers.access")

MAX_BODY = 16 * 1024
"""The largest request body taken, in bytes: a sign-up form is well under 1 KiB."""

_TOKEN_PATH = re.compile(r"/(confirm|preferences|unsubscribe)/[^/?]+")


def masked_path(path: str) -> str:
    """A request path for the log: the token of a link replaced by '…' (a token lets anyone unsubscribe its owner)."""
    return _TOKEN_PATH.sub(r"/\1/…", path)


def security_headers(site_origin: str, https: bool) -> list[tuple[bytes, bytes]]:
    """The headers every response carries: a CSP that allows this service and, for images, the site itself;
    no framing, no sniffing, no referrer (the links carry tokens), no caching of pages."""
    images = f"'self' data: {site_origin}".strip()
    headers = {
        "content-security-policy": f"default-src 'none'; style-src 'self'; img-src {images}; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'",
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        "x-frame-options": "DENY",
        "cross-origin-opener-policy": "same-origin",
        "permissions-policy": "interest-cohort=(), camera=(), microphone=(), geolocation=()",
    }
    if https:
        headers["strict-transport-security"] = "max-age=31536000"
    return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]


class BodyTooLarge(Exception):
    """The request body is over MAX_BODY."""


class Guard:
    """ASGI middleware around the app: headers, the body limit, the access log, and the last word on errors.

    `error_page(status)` gives the body of a page for 413 and 500."""

    def __init__(self, app, *, headers: list[tuple[bytes, bytes]], error_page: Callable[[int], bytes], max_body: int = MAX_BODY):
        self.app = app
        self.headers = headers
        self.error_page = error_page
        self.max_body = max_body

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = 0

        async def send_with_headers(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in self.headers if n not in present]
                if b"cache-control" not in present:
                    extra.append((b"cache-control", b"no-store"))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        length = dict(scope.get("headers") or ()).get(b"content-length")
        try:
            if length is not None and (not length.isdigit() or int(length) > self.max_body):
                await self._answer(send_with_headers, 413)
                return
            received = 0

            async def limited_receive():
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > self.max_body:
                        raise BodyTooLarge()
                return message

            try:
                await self.app(scope, limited_receive, send_with_headers)
            except BodyTooLarge:
                if not status:
                    await self._answer(send_with_headers, 413)
            except Exception as error:  # noqa: BLE001 - the one place that turns any error into a 500 page
                log.error("error on %s %s: %s\n%s", scope["method"], masked_path(scope["path"]), type(error).__name__,
                          "".join(traceback.format_tb(error.__traceback__)).rstrip())
                if not status:
                    await self._answer(send_with_headers, 500)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                access_log.info("%s %s %d %.1f ms", scope["method"], masked_path(scope["path"]), status, (time.perf_counter() - started) * 1000)

    async def _answer(self, send, status: int) -> None:
        body = self.error_page(status)
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


@dataclass(frozen=True)
class RateLimit:
    """At most `burst` requests at once from one address of origin, refilled at `per_hour`."""

    burst: int = 10
    per_hour: float = 30


class RateLimiter:
    """Token buckets by key (an IP address), in memory: a restart forgets them, which is fine for stopping
    a bot from mail-bombing strangers (the per-address limits are in the store and survive restarts)."""

    LARGEST = 100_000
    """Keys kept before full buckets (those that have refilled) are forgotten."""

    def __init__(self, limit: RateLimit, clock: Callable[[], dt.datetime]):
        self.limit = limit
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, key: str) -> bool:
        """Take one request from key's bucket; False when it is empty."""
        now = self.clock().timestamp()
        rate = self.limit.per_hour / 3600
        tokens, then = self._buckets.get(key, (float(self.limit.burst), now))
        tokens = min(float(self.limit.burst), tokens + (now - then) * rate)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1, now)
        if len(self._buckets) > self.LARGEST:
            self._forget_full(now, rate)
        return True

    def retry_after(self, key: str) -> int:
        """Seconds until key may make a request again."""
        tokens, _ = self._buckets.get(key, (1.0, 0.0))
        return max(1, int((1 - tokens) / (self.limit.per_hour / 3600)) + 1)

    def _forget_full(self, now: float, rate: float) -> None:
        full = [key for key, (tokens, then) in self._buckets.items() if tokens + (now - then) * rate >= self.limit.burst]
        for key in full:
            del self._buckets[key]

