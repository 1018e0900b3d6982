"""The subscriber service: a Starlette app (make_app) for sign-ups, confirmations, preferences and
one-click unsubscribes, with the outbox worker running beside it.

Handlers are thin (STYLE.md): parse and check the request, call the store, render one template. A GET
never changes anything (mail scanners follow links); every change is a POST. No cookies, no login:
a link's signed token says whose preferences a page shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import mimetypes
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route

from ..build import load_site
from ..config import Settings, load_config
from ..errors import Problem, SitegenError
from ..mail import SmtpServer
from ..site import BuildOptions
from .forms import ALL, FormError, form_consent_version, parse_address, parse_name, parse_topics
from .guard import MAX_BODY, Guard, RateLimit, RateLimiter, security_headers
from .letters import Letters
from .outbox import Outbox, Retry
from .pages import Pages
from .database import checkpoint, open_store
from .store import Limits, Store, Subscriber
from .tokens import Tokens, TokenError, TokenExpired, secret_id, suppression_hash

log = logging.getLogger("sitegen.subscribers")

HONEYPOT = "website"
"""A form field people never see (hidden by the theme's CSS) and bots fill in: a sign-up with it is ignored."""

FORM_FIELDS = ("email", "name", "topics", "source", "consent", "consent_version", HONEYPOT)
"""The sign-up form's fields: the address, a first name, topics (checkboxes, repeated), the page the form was
on, the consent sentence the form showed and its version (config.subscribe.consent_version), and the honeypot."""


@dataclass(frozen=True)
class ServiceOptions:
    """How strict the service is; the defaults are for production, tests make them tighter or faster."""

    limits: Limits = field(default_factory=Limits)
    """Confirmation emails to one address (the store keeps count: it survives restarts)."""
    ip_limit: RateLimit = field(default_factory=RateLimit)
    """Sign-ups from one IP address (behind a proxy, the X-Forwarded-For address uvicorn trusts)."""
    retry: Retry = field(default_factory=Retry)
    """Retries of mail the server did not take."""
    max_body: int = MAX_BODY
    """The largest request body, in bytes; larger ones are answered 413."""


class Service:
    """Everything a request needs: the settings, the store, tokens, pages, the outbox and the clock."""

    def __init__(self, root: Path, config: Settings, store: Store, secret: bytes, smtp: SmtpServer,
                 clock: Callable[[], dt.datetime], options: ServiceOptions):
        self.root = root
        self.config = config
        self.store = store
        self.secret = secret
        self.clock = clock
        self.options = options
        self.url = config.subscribers.url
        self.tokens = Tokens(secret, clock)
        self.outbox = Outbox(store, smtp, config.sending.sender, clock, options.retry)
        self.ip_limiter = RateLimiter(options.ip_limit, clock)
        self.pages: Pages
        self.letters: Letters
        self._topics_loaded_at: dt.datetime | None = None
        self.load_site()

    def load_site(self) -> None:
        """Read the site (for its topics, theme and static files) as it is now."""
        now = self.clock()
        site, plan = load_site(self.root, BuildOptions(now=now))
        self.pages = Pages(self.root, site, plan, self.url)
        self.letters = Letters(self.config, self.store, self.pages, self.tokens, self.clock)
        self._topics_loaded_at = now

    async def known_topics(self, names: list[str]) -> frozenset[str]:
        """The site's topics; read again (at most once a minute) when names has one we do not know, a tag
        added since the service started."""
        stale = self._topics_loaded_at is None or self.clock() - self._topics_loaded_at > dt.timedelta(minutes=1)
        if stale and any(name not in self.pages.topics for name in names):
            await asyncio.to_thread(self.load_site)
        return self.pages.topics

    # --- responses ---------------------------------------------------------------------------

    def page(self, name: str, title: str, path: str, code: int = 200, **variables) -> Response:
        """subscribers/<name>.html as a response with status `code`."""
        return Response(self.pages.page(name, title, path, variables), code, media_type="text/html; charset=utf-8")

    def problem(self, status: int, reason: str, path: str = "/") -> Response:
        """A page that says what went wrong, in plain words: `reason` picks the words in subscribers/problem.html."""
        return self.page("problem", PROBLEM_TITLES.get(reason, "Something went wrong"), path, status, reason=reason, status=status)

    def error_page(self, status: int) -> bytes:
        """The page for a 413 or a 500 (the Guard's answers), rendered once."""
        reason = "too-large" if status == 413 else "error"
        try:
            return self.pages.fixed_page("problem", PROBLEM_TITLES[reason], f"/{status}", {"reason": reason, "status": status})
        except SitegenError:  # a broken site template: still no traceback for the visitor
            return b"<!doctype html><title>Error</title><p>Something went wrong on our side. Please try again later.</p>"

    def check_templates(self) -> None:
        """Render the pages that are the same for everyone now, so a broken template stops the service from starting."""
        self.pages.fixed_page("check_inbox", "Check your inbox", "/subscribe")
        for status in (413, 500):
            reason = "too-large" if status == 413 else "error"
            self.pages.fixed_page("problem", PROBLEM_TITLES[reason], f"/{status}", {"reason": reason, "status": status})

    def hash_of(self, subscriber: Subscriber) -> str:
        return suppression_hash(self.secret, subscriber.email.lower())

    # --- sign-up -------------------------------------------------------------------------------

    async def subscribe(self, request: Request) -> Response:
        """POST /subscribe: a pending subscriber and a confirmation email; the same answer for every address."""
        try:
            form = await request.form(max_files=0, max_fields=64, max_part_size=self.options.max_body)
        except Exception:  # noqa: BLE001 - a malformed or multipart-with-files body: Starlette's own errors vary by version
            return self.problem(400, "bad-form", "/subscribe")
        done = self.done()
        if form.get(HONEYPOT):
            log.info("a sign-up with the honeypot field filled in was ignored")
            return done
        ip = request.client.host if request.client else ""
        if not self.ip_limiter.allow(ip):
            response = self.problem(429, "too-many", "/subscribe")
            response.headers["retry-after"] = str(self.ip_limiter.retry_after(ip))
            return response
        try:
            address = parse_address(str(form.get("email", "")))
        except FormError as error:
            return self.page("problem", PROBLEM_TITLES["bad-address"], "/subscribe", 400, reason="bad-address", status=400, message=str(error))
        chosen = [str(name) for name in form.getlist("topics")]
        topics, unknown = parse_topics(chosen, await self.known_topics(chosen))
        if unknown and topics == (ALL,) and ALL not in chosen:
            return self.problem(400, "no-topic", "/subscribe")
        now = self.clock()
        source = str(form.get("source") or request.headers.get("referer") or "")[:500]
        with self.store.atomic():
            signed = self.store.sign_up(
                email=address.email, email_key=address.key, name=parse_name(str(form.get("name", ""))), topics=topics, now=now,
                source=source, ip=ip, user_agent=request.headers.get("user-agent", "")[:500],
                consent_version=form_consent_version(form), limits=self.options.limits,
            )
            if signed.send_confirmation:
                self.letters.queue_confirmation(signed.subscriber)
        if signed.send_confirmation:
            self.outbox.wake()
        return done

    def done(self) -> Response:
        """The answer to every accepted sign-up: the site's thanks page, or "check your inbox"."""
        thanks = self.config.subscribers.thanks
        if thanks:
            return RedirectResponse(self.pages.site.rel(thanks), 303)
        return Response(self.pages.fixed_page("check_inbox", "Check your inbox", "/subscribe"), media_type="text/html; charset=utf-8")

    # --- confirmation ----------------------------------------------------------------------------

    async def confirm(self, request: Request) -> Response:
        """GET shows the Confirm button and changes nothing; POST confirms, records consent, queues the welcome email."""
        try:
            subject = self.tokens.read_confirm(request.path_params["token"])
        except TokenExpired:
            return self.problem(410, "expired", "/confirm/")
        except TokenError:
            return self.problem(400, "bad-link", "/confirm/")
        subscriber = self.store.subscriber(subject.subscriber_id)
        if subscriber is None or subscriber.nonce != subject.nonce or subscriber.status == "unsubscribed":
            return self.problem(410, "gone", "/confirm/")
        consent = self.config.subscribe
        if request.method == "GET" or subscriber.status == "confirmed":
            if subscriber.status == "confirmed":
                return self.page("confirmed", "You're subscribed", "/confirm/", subscriber=subscriber, **self.letters.manage_links(subscriber))
            return self.page("confirm", "Confirm your subscription", "/confirm/", subscriber=subscriber, consent=consent.consent)
        ip = request.client.host if request.client else None
        with self.store.atomic():
            confirmed = self.store.confirm(
                subscriber, now=self.clock(), suppression_hash=self.hash_of(subscriber), sentence=consent.consent,
                sentence_version=consent.consent_version, ip=ip, user_agent=request.headers.get("user-agent", "")[:500],
            )
            subscriber = self.store.subscriber(subscriber.id)  # type: ignore[assignment]
            if confirmed:
                self.letters.queue_welcome(subscriber)
        links = self.letters.manage_links(subscriber)
        if confirmed:
            self.outbox.wake()
        return self.page("confirmed", "You're subscribed", "/confirm/", subscriber=subscriber, **links)

    # --- preferences and leaving ---------------------------------------------------------------

    def managed(self, request: Request) -> Subscriber | Response:
        """The subscriber a preferences or unsubscribe link is for, or the page that says why there is none."""
        try:
            subject = self.tokens.read_manage(request.path_params["token"])
        except TokenError:
            return self.problem(400, "bad-link", "/preferences/")
        subscriber = self.store.subscriber(subject.subscriber_id)
        if subscriber is None or subscriber.nonce != subject.nonce:
            return self.problem(410, "gone", "/preferences/")
        return subscriber

    async def preferences(self, request: Request) -> Response:
        """GET shows topics, pause, unsubscribe, download and delete; POST does the one its button names."""
        subscriber = self.managed(request)
        if isinstance(subscriber, Response):
            return subscriber
        notice = ""
        if request.method == "POST":
            try:
                form = await request.form(max_files=0, max_fields=256, max_part_size=self.options.max_body)
            except Exception:  # noqa: BLE001 - as in subscribe(): a malformed body is the sender's mistake, not a 500
                return self.problem(400, "bad-form", "/preferences/")
            action = str(form.get("action", ""))
            now, ip = self.clock(), request.client.host if request.client else None
            if action == "download":
                data = json.dumps(self.store.personal_data(subscriber), indent=2, ensure_ascii=False)
                return Response(data + "\n", media_type="application/json", headers={"content-disposition": 'attachment; filename="my-subscription.json"'})
            if action == "delete":
                if form.get("confirm_delete") != "yes":
                    notice = "tick-to-delete"
                else:
                    self.store.delete(subscriber, now, suppression_hash=self.hash_of(subscriber))
                    return self.page("deleted", "Your data is deleted", "/preferences/")
            elif action == "unsubscribe":
                self.store.unsubscribe(subscriber, now, suppression_hash=self.hash_of(subscriber), how="preferences", ip=ip)
                notice = "unsubscribed"
            elif action in ("pause", "resume"):
                self.store.set_paused(subscriber, action == "pause", now, ip=ip)
                notice = action + "d"
            elif action == "save":
                chosen = [str(name) for name in form.getlist("topics")]
                topics, _ = parse_topics(chosen, await self.known_topics(chosen))
                self.store.set_topics(subscriber, topics, now, ip=ip)
                notice = "saved"
            else:
                return self.problem(400, "bad-form", "/preferences/")
            subscriber = self.store.subscriber(subscriber.id)  # type: ignore[assignment]
        return self.page("preferences", "Your subscription", "/preferences/", subscriber=subscriber, notice=notice, **self.letters.manage_links(subscriber))

    async def unsubscribe(self, request: Request) -> Response:
        """GET shows one button; POST (the button, or a mail app's RFC 8058 one-click POST) unsubscribes at once, 200, no redirect."""
        subscriber = self.managed(request)
        if isinstance(subscriber, Response):
            return subscriber
        if request.method == "POST":
            await request.body()  # "List-Unsubscribe=One-Click" (RFC 8058) or the button's form: either unsubscribes
            ip = request.client.host if request.client else None
            self.store.unsubscribe(subscriber, self.clock(), suppression_hash=self.hash_of(subscriber), how="one-click", ip=ip)
            return self.page("unsubscribed", "You're unsubscribed", "/unsubscribe/", subscriber=subscriber, **self.letters.manage_links(subscriber))
        if subscriber.status == "unsubscribed":
            return self.page("unsubscribed", "You're unsubscribed", "/unsubscribe/", subscriber=subscriber, **self.letters.manage_links(subscriber))
        return self.page("unsubscribe", "Unsubscribe", "/unsubscribe/", subscriber=subscriber)

    # --- the rest --------------------------------------------------------------------------------

    async def static(self, request: Request) -> Response:
        """The site's and the theme's static files (the pages' stylesheet and icon)."""
        source = self.pages.static.get("static/" + request.path_params["path"])
        if source is None:
            return self.problem(404, "not-found", "/static/")
        media_type = mimetypes.guess_type(source.name)[0] or "application/octet-stream"
        return FileResponse(source, media_type=media_type, headers={"cache-control": "public, max-age=3600"})

    async def home(self, request: Request) -> Response:
        """The service's own address leads to the site's Subscribe page."""
        return RedirectResponse(self.pages.site.absolute("/subscribe/"), 303)

    async def health(self, request: Request) -> Response:
        """For a monitor: 200 while the service runs; the outbox's counts (numbers only)."""
        return PlainTextResponse("ok " + " ".join(f"{state}={count}" for state, count in self.store.outbox_counts().items()) + "\n")

    async def not_found(self, request: Request, error: HTTPException) -> Response:
        reason = "not-found" if error.status_code == 404 else "bad-method" if error.status_code == 405 else "bad-form"
        return self.problem(error.status_code, reason, "/")

    async def checkpoints(self) -> None:
        """Every few seconds, copy the WAL into the database file in a thread (see store.open_store)."""
        while True:
            await asyncio.sleep(CHECKPOINT_EVERY)
            try:
                await asyncio.to_thread(checkpoint, self.store.path)
            except sqlite3.Error as error:  # a busy database: the next round catches up
                log.warning("checkpoint of the subscriber list failed: %s", error)

    @contextlib.asynccontextmanager
    async def lifespan(self, app):
        """Run the outbox worker while the service runs; at the end let it finish the message it is sending."""
        worker = asyncio.create_task(self.outbox.run(), name="outbox")
        checkpoints = asyncio.create_task(self.checkpoints(), name="checkpoints")
        try:
            yield
        finally:
            checkpoints.cancel()
            self.outbox.stop()
            try:
                await asyncio.wait_for(worker, 30)
            except (TimeoutError, asyncio.CancelledError):
                pass
            self.store.close()


CHECKPOINT_EVERY = 2.0
"""Seconds between WAL checkpoints: the WAL stays small, and no request waits for the disk's sync."""

PROBLEM_TITLES = {
    "bad-link": "This link does not work",
    "expired": "This link has expired",
    "gone": "This link no longer works",
    "bad-address": "Please check your email address",
    "no-topic": "Please choose a topic",
    "bad-form": "Something is missing",
    "too-many": "Too many sign-ups",
    "too-large": "That was too much",
    "not-found": "Page not found",
    "bad-method": "Page not found",
    "error": "Something went wrong",
}
"""Each problem page's title, by reason; subscribers/problem.html says the rest."""


def open_list(root: Path, secret: bytes) -> tuple[Settings, Store]:
    """The site's settings and its subscriber list ([subscribers] database, relative to the site)."""
    config = load_config(root)
    return config, open_store(database_path(root, config), secret_id=secret_id(secret))


def database_path(root: Path, config: Settings) -> Path:
    """Where the subscriber list is: [subscribers] database, relative to the site folder unless absolute."""
    database = Path(config.subscribers.database)
    return database if database.is_absolute() else Path(root) / database


def load_letters(root: Path, config: Settings, store: Store, secret: bytes, clock: Callable[[], dt.datetime]) -> Letters:
    """What the owner's commands queue emails with: the site read as it is now, its theme, the tokens."""
    site, plan = load_site(root, BuildOptions(now=clock()))
    return Letters(config, store, Pages(root, site, plan, config.subscribers.url), Tokens(secret, clock), clock)


def check_settings(config: Settings) -> None:
    """Raise SitegenError unless the settings let the service send: a [subscribers] url and a sender."""
    problems = []
    if not config.subscribers.url:
        problems.append(Problem("sitegen.toml", field="subscribers.url", message="set the address the service is reached at (https://subscribe.example.com): every email's links use it"))
    if not config.sending.sender:
        problems.append(Problem("sitegen.toml", field="sending.from", message="set who confirmation emails are from (\"Crumb & Co. <news@crumbandco.example>\")"))
    if problems:
        raise SitegenError(problems)


def make_app(root: Path, *, secret: bytes, smtp: SmtpServer, clock: Callable[[], dt.datetime], options: ServiceOptions = ServiceOptions()) -> Starlette:
    """The subscriber service for the site at root, as an ASGI app (uvicorn runs it; the outbox worker runs
    in its lifespan). Raises SitegenError when the settings cannot work: no [subscribers] url, no sender."""
    root = Path(root)
    config = load_config(root)
    check_settings(config)
    store = open_store(database_path(root, config), secret_id=secret_id(secret), checkpoints=False)
    try:
        service = Service(root, config, store, secret, smtp, clock, options)
        service.check_templates()
    except BaseException:
        store.close()
        raise
    prefix = urlsplit(service.url).path.rstrip("/")
    routes = [
        Route("/", service.home),
        Route("/healthz", service.health),
        Route("/subscribe", service.subscribe, methods=["POST"]),
        Route("/subscribe", service.home, methods=["GET"]),
        Route("/confirm/{token}", service.confirm, methods=["GET", "POST"]),
        Route("/preferences/{token}", service.preferences, methods=["GET", "POST"]),
        Route("/unsubscribe/{token}", service.unsubscribe, methods=["GET", "POST"]),
        Route("/static/{path:path}", service.static),
    ]
    app = Starlette(routes=[Mount(prefix, routes=routes)] if prefix else routes, lifespan=service.lifespan,
                    exception_handlers={HTTPException: service.not_found})
    site_origin = "{0.scheme}://{0.netloc}".format(urlsplit(config.base_url))
    app.add_middleware(Guard, headers=security_headers(site_origin, service.url.startswith("https://")), error_page=service.error_page,
                       max_body=options.max_body)
    app.state.service = service
    return app
