"""Versioned schema migrations, applied at start-up under a lock.

Several server processes may start at the same moment against one PostgreSQL database; each
takes a session-level ``pg_advisory_lock`` before looking at ``schema_migrations``, so exactly
one applies a pending step and the others then find it done. On SQLite the migration runs in
a ``BEGIN IMMEDIATE`` transaction, which serialises processes the same way.

A migration is appended, never edited: once released, its version number and its effect are
fixed. Later steps use explicit DDL (``op.add_column``-style statements), not the current
table definitions, so that upgrading an old database gives the same result as a fresh one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, inspect, select, text

from rehabplan.store import schema

ADVISORY_LOCK_KEY = 0x72656861  # "reha": one fixed key for rehabplan's migrations


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Connection], None]


def _initial(conn: Connection) -> None:
    tables = [
        schema.app_secrets,
        schema.users,
        schema.patients,
        schema.plans,
        schema.feed_tokens,
        schema.checkins,
    ]
    schema.metadata.create_all(conn, tables=tables, checkfirst=True)


def _session_epoch(conn: Connection) -> None:
    # A database created by this version's migration 1 already has the column.
    if "session_epoch" not in {c["name"] for c in inspect(conn).get_columns("users")}:
        conn.execute(text("ALTER TABLE users ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0"))


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial tables", _initial),
    Migration(2, "users.session_epoch: log-out ends sessions on every process", _session_epoch),
)


def current_version(conn: Connection) -> int:
    rows = conn.execute(select(schema.schema_migrations.c.version)).scalars().all()
    return max(rows, default=0)


def migrate(engine: Engine) -> list[int]:
    """Apply every pending migration; return the versions this call applied."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as lock_conn:
            lock_conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
            lock_conn.commit()
            try:
                return _apply_pending(engine)
            finally:
                lock_conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})
                lock_conn.commit()
    return _apply_pending(engine)


def _apply_pending(engine: Engine) -> list[int]:
    applied: list[int] = []
    with engine.begin() as conn:  # BEGIN IMMEDIATE on SQLite: the lock for this dialect
        schema.schema_migrations.create(conn, checkfirst=True)
        done = current_version(conn)
        for migration in MIGRATIONS:
            if migration.version <= done:
                continue
            migration.apply(conn)
            conn.execute(
                schema.schema_migrations.insert().values(
                    version=migration.version,
                    name=migration.name,
                    applied_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
                )
            )
            applied.append(migration.version)
    return applied
