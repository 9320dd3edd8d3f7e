"""The ASGI application: calendar feeds, runner check-ins and the clinician web app.

``create_app`` is a factory so that each uvicorn worker builds its own app (its own
connection pool, its own caches) and applies pending migrations under the database's lock at
start-up: ``uvicorn --factory rehabplan.server.app:create_app --workers 4``.

Feeds are routed before any middleware of the web app: a calendar poll pays for neither the
session cookie nor templates.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from rehabplan.paths import templates_dir
from rehabplan.server import auth, checkins, clinician
from rehabplan.server.feeds import FeedApp
from rehabplan.server.plans import Core
from rehabplan.server.views import DECISION_WORDS, KIND_WORDS
from rehabplan.store import Store, open_store

ENV_SECRET = "REHABPLAN_SECRET_KEY"
ENV_BASE_URL = "REHABPLAN_BASE_URL"
ENV_SECURE = "REHABPLAN_SECURE_COOKIES"
SESSION_COOKIE = "rehabplan_session"

_SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
     b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    # Check-in URLs carry a token: never leak them to other sites through Referer.
    (b"referrer-policy", b"no-referrer"),
]  # fmt: skip


@dataclass
class Web:
    """Everything the handlers share, reachable as ``request.app.state.web``."""

    store: Store
    secret_key: str
    base_url: str | None
    env: Environment
    limiter: auth.LoginLimiter = field(default_factory=auth.LoginLimiter)

    @cached_property
    def core(self) -> Core:
        return Core.default()

    def base(self, request: Request) -> str:
        return self.base_url or str(request.base_url).rstrip("/")

    def page(
        self,
        request: Request,
        name: str,
        context: dict[str, Any] | None = None,
        status: int = 200,
        *,
        clinician: bool = True,
    ) -> HTMLResponse:
        """Render a page; runner pages (``clinician=False``) never touch the session cookie."""
        session = clinician and "session" in request.scope
        context = {
            "request": request,
            "user": auth.current_user(request, self.store) if session else None,
            "csrf_token": auth.csrf_token(request) if session else "",
            "flash": request.session.pop("flash", None) if session else None,
            **(context or {}),
        }
        html = self.env.get_template(name).render(context)
        return HTMLResponse(html, status_code=status, headers={"cache-control": "no-store"})


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(templates_dir() / "web"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(KIND_WORDS=KIND_WORDS, DECISION_WORDS=DECISION_WORDS)
    return env


class SecurityHeaders:
    """Adds CSP, framing and referrer headers to every page of the web app."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


class RehabplanApp(Starlette):
    """Starlette, with ``/feeds/`` answered before routing and middleware run.

    A calendar poll is most of the traffic; sending it straight to the bare feed handler
    skips the session cookie, the router and the exception middleware (about half of the
    per-request cost of a feed hit).
    """

    def __init__(self, feeds: FeedApp, **kwargs: Any):
        super().__init__(**kwargs)
        self.feeds = feeds

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/feeds/"):
            await self.feeds(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def create_app(
    store_url: str | None = None,
    *,
    store: Store | None = None,
    secret_key: str | None = None,
    base_url: str | None = None,
    secure_cookies: bool | None = None,
) -> Starlette:
    """Build the app over the database at ``store_url`` (or $REHABPLAN_DATABASE_URL)."""
    store = store or open_store(store_url)
    secret = (
        secret_key
        or os.environ.get(ENV_SECRET)
        or store.secret("session_key", lambda: secrets.token_urlsafe(48))
    )
    base_url = (base_url or os.environ.get(ENV_BASE_URL) or "").rstrip("/") or None
    if secure_cookies is None:
        secure_cookies = _truthy(os.environ.get(ENV_SECURE)) or bool(
            base_url and base_url.startswith("https://")
        )
    web = Web(store, secret, base_url, _environment())

    async def not_found(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 404)
        if status != 404:
            return HTMLResponse(
                web.env.get_template("error.html.j2").render(
                    request=request, user=None, status=status, detail=getattr(exc, "detail", "")
                ),
                status_code=status,
                headers=getattr(exc, "headers", None),  # e.g. Allow on a 405
            )
        return HTMLResponse(
            web.env.get_template("error.html.j2").render(
                request=request, user=None, status=404, detail="This page does not exist."
            ),
            status_code=404,
            headers={"cache-control": "no-store"},
        )

    app = RehabplanApp(
        FeedApp(store, base_url),
        routes=[
            *clinician.routes(),
            *checkins.routes(),
            Mount("/static", StaticFiles(directory=templates_dir() / "web" / "static")),
        ],
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(
                SessionMiddleware,
                secret_key=secret,
                session_cookie=SESSION_COOKIE,
                max_age=auth.SESSION_MAX_AGE,
                same_site="lax",
                https_only=secure_cookies,
            ),
        ],
        exception_handlers={HTTPException: not_found},
    )
    app.state.web = web
    app.state.store = store
    return app
