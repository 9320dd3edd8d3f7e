"""The store against SQLite and a real PostgreSQL: migrations, uniqueness, versions, tokens."""

from __future__ import annotations

import multiprocessing as mp

import pytest
from sqlalchemy import inspect, select, text

from rehabplan.store import Conflict, Duplicate, NewVersion, open_store, schema
from rehabplan.store.migrations import MIGRATIONS


def _version(ics: bytes = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n") -> NewVersion:
    return NewVersion("active", plan_json="{}", ics=ics, decision="created")


def test_migrations_create_every_table_once(db_url):
    store = open_store(db_url)
    tables = set(inspect(store.engine).get_table_names())
    assert {
        "schema_migrations",
        "users",
        "patients",
        "plans",
        "feed_tokens",
        "checkins",
        "app_secrets",
    } <= tables
    with store.engine.connect() as conn:
        versions = conn.execute(select(schema.schema_migrations.c.version)).scalars().all()
    assert sorted(versions) == [m.version for m in MIGRATIONS]
    store.close()
    again = open_store(db_url)  # a restart applies nothing twice
    with again.engine.connect() as conn:
        count = conn.execute(text("SELECT COUNT(*) FROM schema_migrations")).scalar()
    assert count == len(MIGRATIONS)
    again.close()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'x.db'}")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    store.close()


def test_usernames_and_patient_ids_are_unique(db_url):
    store = open_store(db_url)
    uid = store.add_user("anna", "hash-a")
    with pytest.raises(Duplicate):
        store.add_user("anna", "hash-b")
    assert store.user_by_name("anna").password_hash == "hash-a"
    store.create_patient("P-1", "{}", _version(), owner_id=uid, include_details=False)
    with pytest.raises(Duplicate):
        store.create_patient("P-1", "{}", _version(), owner_id=uid, include_details=False)
    assert [p.patient_id for p in store.list_patients()] == ["P-1"]
    store.close()


def test_a_version_is_written_only_on_top_of_the_version_it_was_based_on(db_url):
    store = open_store(db_url)
    pk = store.create_patient("P-2", "{}", _version(b"one"), owner_id=None, include_details=False)
    assert store.save_version(pk, 1, _version(b"two")) == 2
    with pytest.raises(Conflict):  # a second writer that also started from version 1 loses
        store.save_version(pk, 1, _version(b"other"))
    current = store.current_version(pk)
    assert (current.version, current.ics) == (2, b"two")
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(schema.plans.c.version, schema.plans.c.ics, schema.plans.c.plan_json)
            .where(schema.plans.c.patient_pk == pk)
            .order_by(schema.plans.c.version)
        ).all()
    assert [(v, ics) for v, ics, _ in rows] == [(1, None), (2, b"two")], "only one feed kept"
    assert rows[0].plan_json == "{}", "older versions keep their plan as the record"
    stamps = [v.updated_at for v in store.versions(pk)]
    assert stamps[1] > stamps[0], "Last-Modified must move forward even within one second"
    assert all(s.microsecond == 0 for s in stamps)
    store.close()


def test_revoked_and_replaced_tokens_stop_opening_the_feed(db_url):
    store = open_store(db_url)
    pk = store.create_patient("P-3", "{}", _version(), owner_id=None, include_details=False)
    store.replace_tokens(pk, {"feed": "f" * 64, "checkin": "c" * 64})
    assert store.feed_head("f" * 64).patient_pk == pk
    assert store.feed_head("c" * 64) is None, "a check-in token must not open the feed"
    assert store.patient_for_token("c" * 64, "checkin").id == pk
    store.replace_tokens(pk, {"feed": "e" * 64, "checkin": "d" * 64})
    assert store.feed_head("f" * 64) is None
    assert store.patient_for_token("c" * 64, "checkin") is None
    assert store.feed_head("e" * 64) is not None
    assert store.revoke_tokens(pk) == 2
    assert store.feed_head("e" * 64) is None
    assert store.live_token_kinds(pk) == {}
    store.close()


def test_the_generated_secret_is_shared_by_every_process(db_url):
    first = open_store(db_url)
    second = open_store(db_url)
    a = first.secret("session_key", lambda: "from-first")
    b = second.secret("session_key", lambda: "from-second")
    assert a == b == "from-first"
    first.close()
    second.close()


def _worker(url: str, writes: int, queue) -> None:
    """Open the store (migrating, racing the others) and add versions with retries."""
    store = open_store(url)
    pk = store.patient("P-race").id
    done = 0
    while done < writes:
        current = store.current_version(pk)
        try:
            store.save_version(
                pk,
                current.version,
                _version(f"v{current.version + 1}".encode()),
                checkin={
                    "session_uid": None,
                    "session_date": current.updated_at.date(),
                    "data_json": "{}",
                    "decision": "hold",
                },
            )
            done += 1
        except Conflict:
            continue
    store.close()
    queue.put(done)


def test_several_processes_migrating_and_writing_at_once_lose_nothing(db_url):
    seed = open_store(db_url)
    seed.create_patient("P-race", "{}", _version(b"v1"), owner_id=None, include_details=False)
    seed.close()
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    processes, writes = 3, 6
    workers = [ctx.Process(target=_worker, args=(db_url, writes, queue)) for _ in range(processes)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
        assert w.exitcode == 0
    assert sum(queue.get(timeout=5) for _ in workers) == processes * writes
    store = open_store(db_url)
    pk = store.patient("P-race").id
    versions = [v.version for v in store.versions(pk)]
    assert versions == list(range(1, processes * writes + 2)), "gaps or duplicates in versions"
    assert store.current_version(pk).ics == f"v{processes * writes + 1}".encode()
    assert len(store.checkins(pk)) == processes * writes, "every check-in row exactly once"
    store.close()


@pytest.mark.postgres
def test_concurrent_first_start_on_an_empty_postgres_schema_migrates_once(pg_url):
    ctx = mp.get_context("spawn")
    workers = [ctx.Process(target=open_store, args=(pg_url,)) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
        assert w.exitcode == 0, "a process failed while others migrated"
    store = open_store(pg_url)
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT version FROM schema_migrations")).scalars().all()
    assert sorted(rows) == [m.version for m in MIGRATIONS]
    store.close()


def test_a_version_1_database_gains_session_epochs(tmp_path):
    """A database made before migration 2 (users without session_epoch) is upgraded in
    place at start-up and keeps its users."""
    from sqlalchemy import create_engine

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
                "name VARCHAR(200) NOT NULL, applied_at DATETIME NOT NULL)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO schema_migrations VALUES (1, 'initial tables', '2026-11-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                "CREATE TABLE users (id INTEGER PRIMARY KEY, username VARCHAR(64) "
                "NOT NULL UNIQUE, password_hash VARCHAR(256) NOT NULL, "
                "created_at DATETIME NOT NULL)"
            )
        )
        conn.execute(text("INSERT INTO users VALUES (7, 'ana', 'x', '2026-11-01 00:00:00')"))
    engine.dispose()
    store = open_store(url)
    user = store.user_by_id(7)
    assert user.username == "ana" and user.session_epoch == 0
    store.end_sessions(7)
    assert store.user_by_id(7).session_epoch == 1
    store.close()
