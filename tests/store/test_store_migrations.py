"""Versioned migrations on SQLite and real PostgreSQL: apply, re-run, roll back, refuse, run concurrently."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import store_migration_worker as worker
from store_migration_worker import CONCURRENT, INITIAL, NUMBERS, WIDGETS

from platform_cli.store import Migration, StoreError, open_store, sql
from platform_cli.store.store import open_engine
from platform_cli.store.urls import parse_url

BROKEN = Migration(
    3,
    "broken",
    (
        "CREATE TABLE gadgets (id INTEGER PRIMARY KEY)",
        "INSERT INTO gadgets (id) VALUES (1)",
        "INSERT INTO no_such_table (id) VALUES (1)",
    ),
)
AFTER_BROKEN = Migration(4, "after broken", ("CREATE TABLE later_table (id INTEGER)",))


def table_exists(url: str, table: str) -> bool:
    """Ask on a separate connection, so only committed state counts."""
    engine = open_engine(parse_url(url))
    try:
        engine.execute(f"SELECT count(*) FROM {table}")
        return True
    except StoreError:
        return False
    finally:
        engine.close()


def test_fresh_migrate_records_every_version(store_url: str) -> None:
    with open_store(store_url, migrate=False) as store:
        assert store.schema_version() == 0
        assert store.applied() == []
        assert [m.version for m in store.pending()] == [m.version for m in sql.MIGRATIONS]

        applied = store.migrate()

        assert [(r.version, r.name) for r in applied] == [(m.version, m.name) for m in sql.MIGRATIONS]
        assert store.applied() == applied
        assert store.schema_version() == len(sql.MIGRATIONS)
        assert store.pending() == []
        assert applied[0].checksum == sql.MIGRATIONS[0].checksum(store.dialect)
        recorded = dt.datetime.strptime(applied[0].applied_at, "%Y-%m-%dT%H:%M:%S.%fZ")
        assert abs((dt.datetime.utcnow() - recorded).total_seconds()) < 60
        meta = store.meta()
        assert len(meta["store_id"]) == 32 and int(meta["store_id"], 16) >= 0
        assert meta["created_at"].endswith("Z")


def test_open_store_migrates_by_default_and_rerun_is_a_no_op(store_url: str) -> None:
    with open_store(store_url) as store:
        first = store.applied()
        store_id = store.get_meta("store_id")
        assert store.schema_version() == len(sql.MIGRATIONS)
        assert store.migrate() == []
    with open_store(store_url) as store:
        assert store.migrate() == []
        assert store.applied() == first  # same rows, same applied_at: nothing was re-applied
        assert store.get_meta("store_id") == store_id


def test_migrations_apply_in_order_one_transaction_each(store_url: str) -> None:
    with open_store(store_url, migrate=False, migrations=(INITIAL,)) as store:
        assert [r.version for r in store.migrate()] == [1]
    with open_store(store_url, migrate=False, migrations=(INITIAL, WIDGETS, NUMBERS)) as store:
        assert [r.version for r in store.migrate()] == [2, 3]
        assert store.schema_version() == 3
    assert table_exists(store_url, "numbers")


def test_failing_migration_rolls_back_completely(store_url: str) -> None:
    migrations = (INITIAL, WIDGETS, BROKEN, AFTER_BROKEN)
    with open_store(store_url, migrate=False, migrations=migrations) as store:
        with pytest.raises(StoreError) as caught:
            store.migrate()
        message = str(caught.value)
        assert "migration 3 (broken) failed at statement 3 of 3 and was rolled back" in message
        assert "no_such_table" in message
        assert store.schema_version() == 2  # 1 and 2 stay applied: each had its own transaction
        assert [m.version for m in store.pending()] == [3, 4]
    assert not table_exists(store_url, "gadgets")  # statement 1 of the failed migration was undone
    assert not table_exists(store_url, "later_table")  # later migrations were not attempted
    assert table_exists(store_url, "widgets")

    fixed = Migration(3, "broken", BROKEN.statements[:2])
    with open_store(store_url, migrations=(INITIAL, WIDGETS, fixed, AFTER_BROKEN)) as store:
        assert store.schema_version() == 4
    assert table_exists(store_url, "gadgets") and table_exists(store_url, "later_table")


def test_failing_first_migration_leaves_an_empty_database(store_url: str) -> None:
    broken_first = Migration(1, "initial schema", ("CREATE TABLE a (id INTEGER)", "THIS IS NOT SQL"))
    with pytest.raises(StoreError, match=r"migration 1 \(initial schema\) failed at statement 2 of 2"):
        open_store(store_url, migrations=(broken_first,))
    assert not table_exists(store_url, "a")
    with open_store(store_url, migrate=False) as store:
        assert store.schema_version() == 0


def test_database_newer_than_the_code_is_refused(store_url: str) -> None:
    with open_store(store_url, migrations=(INITIAL, WIDGETS, NUMBERS)):
        pass
    with pytest.raises(StoreError) as caught:
        open_store(store_url, migrations=(INITIAL,))  # code that knows only migration 1
    message = str(caught.value)
    assert "schema version 3, newer than this platform-cli knows (up to 1)" in message
    assert "upgrade platform-cli" in message
    with open_store(store_url, migrate=False, migrations=(INITIAL,)) as store:
        assert store.schema_version() == 3  # still readable, so a status command can show it
        with pytest.raises(StoreError, match="upgrade platform-cli"):
            store.migrate()


def test_edited_migration_is_reported(store_url: str) -> None:
    with open_store(store_url, migrations=(INITIAL, WIDGETS)):
        pass
    edited = Migration(2, "widgets", ("CREATE TABLE widgets (id INTEGER PRIMARY KEY, label TEXT)",))
    with pytest.raises(StoreError) as caught:
        open_store(store_url, migrations=(INITIAL, edited, NUMBERS))
    message = str(caught.value)
    assert "migration 2 (widgets) was applied with checksum" in message
    assert "a released migration was edited" in message
    assert not table_exists(store_url, "numbers")
    # Re-indenting is not an edit.
    reformatted = Migration(2, "widgets", (str(WIDGETS.statements[0]).replace(" (", "\n    (", 1),))
    with open_store(store_url, migrations=(INITIAL, reformatted)) as store:
        assert store.schema_version() == 2


def test_concurrent_migrators_apply_each_migration_exactly_once(store_url: str, tmp_path: Path) -> None:
    go, count = tmp_path / "go", 3
    ready = [tmp_path / f"ready-{index}" for index in range(count)]
    processes = [
        subprocess.Popen(
            [sys.executable, worker.__file__, store_url, str(go), str(flag)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for flag in ready
    ]
    try:
        deadline = time.monotonic() + 60
        while not all(flag.exists() for flag in ready) and time.monotonic() < deadline:
            time.sleep(0.005)
        go.touch()  # all are polling now: they start migrating within a millisecond of each other
        results = [process.communicate(timeout=60) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    for process, (_, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err
    applied = [version for out, _ in results for version in json.loads(out)]
    assert sorted(applied) == [1, 2, 3, 4]  # every migration once, across all processes
    with open_store(store_url, migrations=CONCURRENT) as store:
        assert [r.version for r in store.applied()] == [1, 2, 3, 4]
    engine = open_engine(parse_url(store_url))
    try:
        assert engine.fetchone("SELECT count(*) FROM numbers") == (20000,)
        assert engine.fetchall("SELECT name FROM widgets") == [("only-once",)]
    finally:
        engine.close()
