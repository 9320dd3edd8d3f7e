"""The tables, as SQLAlchemy Core definitions shared by SQLite and PostgreSQL.

Times are naive UTC ``DateTime`` values on both databases (one convention, no driver
differences). Secrets never appear here in plain text: feed and check-in tokens are stored as
SHA-256 hashes, passwords as argon2 hashes.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    Column("applied_at", DateTime, nullable=False),
)

app_secrets = Table(
    "app_secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(256), nullable=False),
    Column("created_at", DateTime, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", String(256), nullable=False),
    Column("created_at", DateTime, nullable=False),
    # Raised on log-out and password change; a session cookie carries the value it was
    # issued with, so older cookies stop working on every server process at once.
    Column("session_epoch", Integer, nullable=False, server_default="0"),
)

patients = Table(
    "patients",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("patient_id", String(64), nullable=False, unique=True),
    Column("owner_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("profile_json", Text, nullable=False),
    Column("ics_include_details", Boolean, nullable=False, default=False),
    Column("status", String(16), nullable=False),
    Column("plan_version", Integer, nullable=False, default=0),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)
"""``status``: active (a plan runs), stopped (a check-in reported a red flag), referred
(red flags at assessment: a referral instead of a plan). ``plan_version`` points at the
current row in ``plans`` and is only ever advanced with a compare-and-set UPDATE."""

plans = Table(
    "plans",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("patient_pk", Integer, ForeignKey("patients.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("decision", String(16), nullable=True),
    Column("plan_json", Text, nullable=True),
    Column("referral_json", Text, nullable=True),
    Column("ics", LargeBinary, nullable=True),
    Column("etag", String(64), nullable=True),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("patient_pk", "version", name="uq_plans_patient_version"),
)
"""Every version is kept (the history of what the runner was asked to do). ``ics`` is the
feed as served, rendered once when the version is written, so a feed request is one indexed
read; ``etag`` is the SHA-256 of those bytes; ``updated_at`` is the Last-Modified time and
strictly increases (whole seconds) from one version to the next."""

feed_tokens = Table(
    "feed_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("patient_pk", Integer, ForeignKey("patients.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("revoked_at", DateTime, nullable=True),
    Index("ix_feed_tokens_patient_kind", "patient_pk", "kind"),
)

checkins = Table(
    "checkins",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("patient_pk", Integer, ForeignKey("patients.id", ondelete="CASCADE"), nullable=False),
    Column("session_uid", String(128), nullable=True),
    Column("session_date", Date, nullable=False),
    Column("data_json", Text, nullable=False),
    Column("decision", String(16), nullable=False),
    Column("plan_version", Integer, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Index("ix_checkins_patient", "patient_pk", "id"),
)
