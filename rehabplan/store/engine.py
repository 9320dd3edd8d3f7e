"""Which database, and how to connect to it.

SQLite is the zero-set-up default (one file next to where the server runs); PostgreSQL is
chosen by pointing ``REHABPLAN_DATABASE_URL`` at it, which is how several server processes
on several machines share one state. Everything dialect-specific about connecting lives here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

ENV_URL = "REHABPLAN_DATABASE_URL"
SQLITE_BUSY_MS = 10_000


def database_url(url: str | None = None) -> str:
    """The URL to use: ``url``, else ``$REHABPLAN_DATABASE_URL``, else ``./rehabplan.db``.

    Bare ``postgres://`` / ``postgresql://`` URLs (as hosting providers hand them out) are
    mapped to the psycopg 3 driver, the only PostgreSQL driver rehabplan installs.
    """
    url = url or os.environ.get(ENV_URL) or f"sqlite:///{Path.cwd() / 'rehabplan.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """An engine with the connection settings rehabplan relies on.

    SQLite: WAL (readers never wait for the writer), foreign keys on, a busy timeout so two
    writers queue instead of failing, and ``BEGIN IMMEDIATE`` for every transaction opened
    with ``engine.begin()`` so a read-then-write transaction takes the write lock up front
    (a deferred transaction that upgrades later fails at once with "database is locked").
    Reads go through an AUTOCOMMIT view of the engine and open no transaction at all.
    """
    url = database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_MS / 1000, "check_same_thread": False},
            **kwargs,
        )  # fmt: skip
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 5)
    kwargs.setdefault("max_overflow", 10)
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module; we issue BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return
        conn.exec_driver_sql("BEGIN IMMEDIATE")
