"""Fixtures for the server area: databases (SQLite file, PostgreSQL schema), a live server.

PostgreSQL tests use the server named by REHABPLAN_TEST_POSTGRES_URL (for example
postgresql+psycopg://postgres@127.0.0.1:5432/test). Each test gets a fresh schema, selected
through the connection's search_path, which is dropped afterwards; without the variable, or
when the server cannot be reached, those tests are skipped with the reason.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from tests.server.helpers import LiveServer, add_user, pg_base, start_server, stop_server


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh, empty schema (dropped afterwards)."""
    from sqlalchemy import create_engine, text

    base = pg_base()
    schema = f"rp_test_{secrets.token_hex(6)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'rehabplan.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture(scope="module")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """One real server (uvicorn, SQLite file) on a free loopback port for a test module."""
    folder = tmp_path_factory.mktemp("server")
    db = f"sqlite:///{folder / 'rehabplan.db'}"
    add_user(db)
    server = start_server(db, folder / "server.log")
    try:
        yield server
    finally:
        stop_server(server)
