"""Storage for the server: SQLite by default, PostgreSQL when configured (see ``engine``)."""

from rehabplan.store.engine import database_url, make_engine
from rehabplan.store.migrations import MIGRATIONS, migrate
from rehabplan.store.repository import (
    Conflict,
    Duplicate,
    FeedHead,
    NewVersion,
    Store,
    etag_of,
    open_store,
    utcnow,
)

__all__ = [
    "MIGRATIONS",
    "Conflict",
    "Duplicate",
    "FeedHead",
    "NewVersion",
    "Store",
    "database_url",
    "etag_of",
    "make_engine",
    "migrate",
    "open_store",
    "utcnow",
]
