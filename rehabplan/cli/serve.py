"""``rehabplan serve`` (the web app) and ``rehabplan user`` (clinician accounts)."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import click

from rehabplan.cli import fail

if TYPE_CHECKING:
    from rehabplan.store import Store

_DB_OPTION = click.option(
    "--database-url",
    envvar="REHABPLAN_DATABASE_URL",
    help="SQLAlchemy URL; default $REHABPLAN_DATABASE_URL or sqlite:///./rehabplan.db.",
)


def _store(url: str | None) -> Store:
    from sqlalchemy.exc import SQLAlchemyError

    from rehabplan.store import database_url, open_store

    try:
        return open_store(url)
    except (SQLAlchemyError, OSError) as e:
        fail(f"cannot open the database {_safe(database_url(url))}: {e.__class__.__name__}: "
             f"{str(e).splitlines()[0] if str(e) else ''}")  # fmt: skip


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is shown as the user typed it, minus nothing secret
        return "(unparsable URL)"


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Server processes (they share the database; use PostgreSQL for several machines).",
)
@_DB_OPTION
@click.option(
    "--base-url",
    envvar="REHABPLAN_BASE_URL",
    help="Public address, e.g. https://rehab.example.org (default: taken from each request).",
)
@click.option(
    "--proxy-headers/--no-proxy-headers",
    default=False,
    show_default=True,
    help="Trust X-Forwarded-Proto/For from --forwarded-allow-ips (behind a reverse proxy).",
)
@click.option("--forwarded-allow-ips", default="127.0.0.1", show_default=True)
@click.option("--access-log/--no-access-log", default=True, show_default=True,
              help="Log requests (tokens in feed and check-in URLs are masked).")  # fmt: skip
def serve(
    host: str,
    port: int,
    workers: int,
    database_url: str | None,
    base_url: str | None,
    proxy_headers: bool,
    forwarded_allow_ips: str,
    access_log: bool,
) -> None:
    """Run the web app: calendar feeds, runner check-ins and the clinician pages.

    \b
    Environment:
      REHABPLAN_DATABASE_URL  sqlite:///path.db or postgresql+psycopg://user@host/db
      REHABPLAN_SECRET_KEY    session-signing key (default: generated once, kept in the DB)
      REHABPLAN_BASE_URL      public address used in feed and check-in links
      REHABPLAN_SECURE_COOKIES=1  mark the session cookie Secure (automatic for https base URLs)
    """
    import uvicorn

    from rehabplan.server.logs import log_config
    from rehabplan.store import database_url as resolve

    url = resolve(database_url)
    _store(url).close()  # migrate once, and fail early with a clear message
    os.environ["REHABPLAN_DATABASE_URL"] = url  # the workers read it
    if base_url:
        os.environ["REHABPLAN_BASE_URL"] = base_url
    click.echo(f"rehabplan: database {_safe(url)}; listening on http://{host}:{port}", err=True)
    uvicorn.run(
        "rehabplan.server.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        log_config=log_config(),
        proxy_headers=proxy_headers,
        forwarded_allow_ips=forwarded_allow_ips,
        server_header=False,
    )


@click.group()
def user() -> None:
    """Manage the clinicians who can log in to the web app."""


def _password_hash(password_stdin: bool) -> str:
    """Ask for (or read) a new password and hash it; too short → exit 2 with the rule."""
    from rehabplan.server.auth import PasswordTooShort, hash_password

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        return hash_password(password)
    except PasswordTooShort as e:
        fail(f"password: {e}")


_PASSWORD_STDIN = click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)


@user.command("add")
@click.argument("username")
@_PASSWORD_STDIN
@_DB_OPTION
def user_add(username: str, password_stdin: bool, database_url: str | None) -> None:
    """Create a clinician account (asks for the password twice)."""
    import re

    from rehabplan.store import Duplicate

    if not re.fullmatch(r"[A-Za-z0-9_.@-]{1,64}", username):
        fail(f"USERNAME: {username!r} must be 1 to 64 letters, digits or . _ @ -")
    hashed = _password_hash(password_stdin)
    store = _store(database_url)
    try:
        store.add_user(username, hashed)
    except Duplicate as e:
        fail(str(e))
    finally:
        store.close()
    click.echo(f"User {username} created.")


@user.command("passwd")
@click.argument("username")
@_PASSWORD_STDIN
@_DB_OPTION
def user_passwd(username: str, password_stdin: bool, database_url: str | None) -> None:
    """Set a new password for an existing account."""
    hashed = _password_hash(password_stdin)
    store = _store(database_url)
    try:
        if not store.set_password(username, hashed):
            fail(f"USERNAME: no user called {username!r}")
    finally:
        store.close()
    click.echo(f"Password of {username} changed.")


@user.command("list")
@_DB_OPTION
def user_list(database_url: str | None) -> None:
    """List the accounts."""
    store = _store(database_url)
    try:
        for row in store.list_users():
            click.echo(f"{row.username}\tcreated {row.created_at:%Y-%m-%d %H:%M} UTC")
    finally:
        store.close()
