"""Every read and write the server makes, as small functions over one :class:`Store`.

Writes run in short transactions and never read-modify-write without a guard: new plan
versions are compare-and-set (``UPDATE ... WHERE plan_version = :expected``) and also
protected by a unique (patient, version) constraint, so two processes writing at once can
never both win; the loser gets :class:`Conflict` and retries with fresh data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Row, and_, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

from rehabplan.store import schema as t
from rehabplan.store.engine import is_sqlite, make_engine
from rehabplan.store.migrations import migrate


class Conflict(Exception):
    """Someone else changed the row first (a concurrent check-in or re-plan); retry."""


class Duplicate(Exception):
    """A unique value (username, patient_id) is already taken."""


def utcnow() -> dt.datetime:
    """Naive UTC, the convention of every DateTime column."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def etag_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class FeedHead:
    """What a feed request needs before deciding between 200, 304 and 404."""

    plan_id: int
    patient_pk: int
    etag: str
    updated_at: dt.datetime


@dataclass(frozen=True)
class NewVersion:
    """One plan version to write: a plan (with its feed bytes) or a referral."""

    status: str
    plan_json: str | None = None
    referral_json: str | None = None
    ics: bytes | None = None
    decision: str | None = None


class Store:
    """The database behind the server: one engine for writes and an autocommit view for reads."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.reader = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.sqlite = is_sqlite(engine)
        database = engine.url.database or ""
        self._sqlite_file = database if self.sqlite and database not in ("", ":memory:") else None
        self._local = threading.local()
        self._own: list[sqlite3.Connection] = []

    def close(self) -> None:
        for conn in self._own:
            conn.close()
        self._own.clear()
        self._local = threading.local()
        self.engine.dispose()

    def _open_sqlite(self) -> sqlite3.Connection:
        """A plain autocommit connection for the feed fast path, outside the pool.

        Kept per thread for the life of the store; outside the pool so that threads holding
        one can never starve the pool the rest of the app uses.
        """
        conn = sqlite3.connect(
            self._sqlite_file, isolation_level=None, check_same_thread=False, timeout=10
        )
        conn.execute("PRAGMA busy_timeout=10000")
        conn.execute("PRAGMA query_only=ON")
        self._own.append(conn)
        return conn

    # -- secrets ---------------------------------------------------------------------------

    def secret(self, name: str, make: Callable[[], str]) -> str:
        """The app secret ``name``, created once: every process ends up with the same value."""
        with self.reader.connect() as conn:
            found = conn.execute(
                select(t.app_secrets.c.value).where(t.app_secrets.c.name == name)
            ).scalar()
        if found is not None:
            return found
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    t.app_secrets.insert().values(name=name, value=make(), created_at=utcnow())
                )
        except IntegrityError:
            pass  # another process created it first: use theirs
        with self.reader.connect() as conn:
            return conn.execute(
                select(t.app_secrets.c.value).where(t.app_secrets.c.name == name)
            ).scalar_one()

    # -- users -----------------------------------------------------------------------------

    def add_user(self, username: str, password_hash: str) -> int:
        try:
            with self.engine.begin() as conn:
                return conn.execute(
                    t.users.insert()
                    .values(username=username, password_hash=password_hash, created_at=utcnow())
                    .returning(t.users.c.id)
                ).scalar_one()
        except IntegrityError:
            raise Duplicate(f"user {username!r} already exists") from None

    def set_password(self, username: str, password_hash: str) -> bool:
        """New password; every session of that user ends (a leaked cookie dies with it)."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(t.users)
                .where(t.users.c.username == username)
                .values(password_hash=password_hash, session_epoch=t.users.c.session_epoch + 1)
            )
            return result.rowcount == 1

    def end_sessions(self, user_id: int) -> None:
        """Invalidate every session cookie issued to this user so far (log-out)."""
        with self.engine.begin() as conn:
            conn.execute(
                update(t.users)
                .where(t.users.c.id == user_id)
                .values(session_epoch=t.users.c.session_epoch + 1)
            )

    def user_by_name(self, username: str) -> Row[Any] | None:
        with self.reader.connect() as conn:
            return conn.execute(select(t.users).where(t.users.c.username == username)).first()

    def user_by_id(self, user_id: int) -> Row[Any] | None:
        with self.reader.connect() as conn:
            return conn.execute(select(t.users).where(t.users.c.id == user_id)).first()

    def list_users(self) -> list[Row[Any]]:
        with self.reader.connect() as conn:
            return list(conn.execute(select(t.users).order_by(t.users.c.username)))

    # -- patients and plan versions ----------------------------------------------------------

    def create_patient(
        self,
        patient_id: str,
        profile_json: str,
        first: NewVersion,
        *,
        owner_id: int | None,
        include_details: bool,
    ) -> int:
        """Insert the patient and its version 1 in one transaction; return the patient's key."""
        now = _whole_seconds(utcnow())
        try:
            with self.engine.begin() as conn:
                pk = conn.execute(
                    t.patients.insert()
                    .values(
                        patient_id=patient_id,
                        owner_id=owner_id,
                        profile_json=profile_json,
                        ics_include_details=include_details,
                        status=first.status,
                        plan_version=1,
                        created_at=now,
                        updated_at=now,
                    )
                    .returning(t.patients.c.id)
                ).scalar_one()
                _insert_version(conn, pk, 1, first, now)
                return pk
        except IntegrityError:
            raise Duplicate(f"patient {patient_id!r} already exists") from None

    def patient(self, patient_id: str) -> Row[Any] | None:
        with self.reader.connect() as conn:
            return conn.execute(
                select(t.patients).where(t.patients.c.patient_id == patient_id)
            ).first()

    def patient_by_pk(self, pk: int) -> Row[Any] | None:
        with self.reader.connect() as conn:
            return conn.execute(select(t.patients).where(t.patients.c.id == pk)).first()

    def list_patients(self) -> list[Row[Any]]:
        last_checkin = (
            select(func.max(t.checkins.c.created_at))
            .where(t.checkins.c.patient_pk == t.patients.c.id)
            .scalar_subquery()
        )
        with self.reader.connect() as conn:
            return list(
                conn.execute(
                    select(t.patients, last_checkin.label("last_checkin")).order_by(
                        t.patients.c.updated_at.desc(), t.patients.c.patient_id
                    )
                )
            )

    def current_version(self, patient_pk: int) -> Row[Any] | None:
        with self.reader.connect() as conn:
            return conn.execute(
                select(t.plans)
                .join(
                    t.patients,
                    and_(
                        t.plans.c.patient_pk == t.patients.c.id,
                        t.plans.c.version == t.patients.c.plan_version,
                    ),
                )
                .where(t.patients.c.id == patient_pk)
            ).first()

    def save_version(
        self,
        patient_pk: int,
        expected: int,
        new: NewVersion,
        *,
        profile_json: str | None = None,
        include_details: bool | None = None,
        checkin: dict[str, Any] | None = None,
    ) -> int:
        """Write version ``expected + 1`` if the current version is still ``expected``.

        The profile update (re-generate) or the check-in row (check-in) is part of the same
        transaction, so a retried conflict never leaves a half-applied change behind.
        """
        version = expected + 1
        now = utcnow()
        values: dict[str, Any] = {"plan_version": version, "status": new.status, "updated_at": now}
        if profile_json is not None:
            values["profile_json"] = profile_json
        if include_details is not None:
            values["ics_include_details"] = include_details
        try:
            with self.engine.begin() as conn:
                previous = conn.execute(
                    select(t.plans.c.updated_at).where(
                        t.plans.c.patient_pk == patient_pk, t.plans.c.version == expected
                    )
                ).scalar()
                stamp = _whole_seconds(now)
                if previous is not None and stamp <= previous:
                    stamp = previous + dt.timedelta(seconds=1)
                moved = conn.execute(
                    update(t.patients)
                    .where(t.patients.c.id == patient_pk, t.patients.c.plan_version == expected)
                    .values(**values)
                ).rowcount
                if moved != 1:
                    raise Conflict(f"plan of patient {patient_pk} is no longer version {expected}")
                _insert_version(conn, patient_pk, version, new, stamp)
                # Only the current version is served; older ones keep their plan JSON (the
                # record) but drop the rendered feed, which is most of a version's size.
                conn.execute(
                    update(t.plans)
                    .where(t.plans.c.patient_pk == patient_pk, t.plans.c.version == expected)
                    .values(ics=None)
                )
                if checkin is not None:
                    conn.execute(
                        t.checkins.insert().values(
                            patient_pk=patient_pk, plan_version=version, created_at=now, **checkin
                        )
                    )
        except IntegrityError:
            raise Conflict(f"version {version} of patient {patient_pk} was written first") from None
        return version

    def versions(self, patient_pk: int) -> list[Row[Any]]:
        with self.reader.connect() as conn:
            return list(
                conn.execute(
                    select(
                        t.plans.c.version,
                        t.plans.c.status,
                        t.plans.c.decision,
                        t.plans.c.updated_at,
                    )
                    .where(t.plans.c.patient_pk == patient_pk)
                    .order_by(t.plans.c.version)
                )
            )

    # -- tokens ----------------------------------------------------------------------------

    def replace_tokens(self, patient_pk: int, hashes: dict[str, str]) -> None:
        """Revoke the patient's live tokens of these kinds and store the new hashes, atomically."""
        now = utcnow()
        with self.engine.begin() as conn:
            conn.execute(
                update(t.feed_tokens)
                .where(
                    t.feed_tokens.c.patient_pk == patient_pk,
                    t.feed_tokens.c.kind.in_(list(hashes)),
                    t.feed_tokens.c.revoked_at.is_(None),
                )
                .values(revoked_at=now)
            )
            for kind, token_hash in hashes.items():
                conn.execute(
                    t.feed_tokens.insert().values(
                        token_hash=token_hash, patient_pk=patient_pk, kind=kind, created_at=now
                    )
                )

    def revoke_tokens(self, patient_pk: int) -> int:
        with self.engine.begin() as conn:
            return conn.execute(
                update(t.feed_tokens)
                .where(
                    t.feed_tokens.c.patient_pk == patient_pk, t.feed_tokens.c.revoked_at.is_(None)
                )
                .values(revoked_at=utcnow())
            ).rowcount

    def live_token_kinds(self, patient_pk: int) -> dict[str, dt.datetime]:
        with self.reader.connect() as conn:
            rows = conn.execute(
                select(t.feed_tokens.c.kind, t.feed_tokens.c.created_at).where(
                    t.feed_tokens.c.patient_pk == patient_pk, t.feed_tokens.c.revoked_at.is_(None)
                )
            )
            return {kind: created for kind, created in rows}

    def patient_for_token(self, token_hash: str, kind: str) -> Row[Any] | None:
        """The patient a live token of ``kind`` opens, or None (unknown and revoked alike)."""
        with self.reader.connect() as conn:
            return conn.execute(
                select(t.patients)
                .join(t.feed_tokens, t.feed_tokens.c.patient_pk == t.patients.c.id)
                .where(
                    t.feed_tokens.c.token_hash == token_hash,
                    t.feed_tokens.c.kind == kind,
                    t.feed_tokens.c.revoked_at.is_(None),
                )
            ).first()

    def feed_head(self, token_hash: str) -> FeedHead | None:
        """One indexed read: live feed token → the patient's current version's validators.

        This is the hot path of the server (every calendar poll). On an SQLite file it runs
        as one plain sqlite3 statement on a read-only connection kept per thread, in
        autocommit mode so each read sees the latest commit (a revocation counts at once):
        about ten times cheaper than going through SQLAlchemy's pool and result layers.
        """
        if self._sqlite_file:
            conn = getattr(self._local, "conn", None)
            if conn is None:
                conn = self._local.conn = self._open_sqlite()
            row = conn.execute(_FEED_HEAD_SQLITE, (token_hash,)).fetchone()
            if row is None or row[2] is None:
                return None
            stamp = row[3]
            if isinstance(stamp, str):
                stamp = dt.datetime.fromisoformat(stamp)
            return FeedHead(row[0], row[1], row[2], stamp)
        with self.reader.connect() as conn:
            found = conn.execute(_FEED_HEAD, {"h": token_hash}).first()
        return FeedHead(*found) if found is not None and found[2] is not None else None

    def feed_body(self, plan_id: int) -> bytes | None:
        """The stored feed of a version; None once a newer version has replaced it."""
        with self.reader.connect() as conn:
            return conn.execute(select(t.plans.c.ics).where(t.plans.c.id == plan_id)).scalar()

    # -- check-ins -------------------------------------------------------------------------

    def checkins(self, patient_pk: int) -> list[Row[Any]]:
        with self.reader.connect() as conn:
            return list(
                conn.execute(
                    select(t.checkins)
                    .where(t.checkins.c.patient_pk == patient_pk)
                    .order_by(t.checkins.c.id)
                )
            )


_FEED_HEAD = (
    select(t.plans.c.id, t.patients.c.id, t.plans.c.etag, t.plans.c.updated_at)
    .select_from(t.feed_tokens)
    .join(t.patients, t.patients.c.id == t.feed_tokens.c.patient_pk)
    .join(
        t.plans,
        and_(
            t.plans.c.patient_pk == t.patients.c.id, t.plans.c.version == t.patients.c.plan_version
        ),
    )
    .where(
        t.feed_tokens.c.token_hash == bindparam("h"),
        t.feed_tokens.c.kind == "feed",
        t.feed_tokens.c.revoked_at.is_(None),
    )
)

_FEED_HEAD_SQLITE = (
    "SELECT plans.id, patients.id, plans.etag, plans.updated_at FROM feed_tokens"
    " JOIN patients ON patients.id = feed_tokens.patient_pk"
    " JOIN plans ON plans.patient_pk = patients.id AND plans.version = patients.plan_version"
    " WHERE feed_tokens.token_hash = ? AND feed_tokens.kind = 'feed'"
    " AND feed_tokens.revoked_at IS NULL"
)
"""``_FEED_HEAD`` for the DBAPI fast path (same tables, same indexes)."""


def _whole_seconds(stamp: dt.datetime) -> dt.datetime:
    """HTTP dates have one-second resolution; storing the same keeps Last-Modified exact."""
    return stamp.replace(microsecond=0)


def _insert_version(
    conn: Connection, patient_pk: int, version: int, new: NewVersion, stamp: dt.datetime
) -> None:
    conn.execute(
        t.plans.insert().values(
            patient_pk=patient_pk,
            version=version,
            status=new.status,
            decision=new.decision,
            plan_json=new.plan_json,
            referral_json=new.referral_json,
            ics=new.ics,
            etag=etag_of(new.ics) if new.ics is not None else None,
            updated_at=stamp,
        )
    )


def open_store(
    url: str | None = None, *, migrate_schema: bool = True, **engine_kwargs: Any
) -> Store:
    """Connect (``url``, ``$REHABPLAN_DATABASE_URL`` or ./rehabplan.db) and apply migrations."""
    engine = make_engine(url, **engine_kwargs)
    if migrate_schema:
        migrate(engine)
    return Store(engine)
