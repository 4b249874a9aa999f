"""Engines on SQLite and real PostgreSQL: transactions, errors, placeholders, connection setup, redaction."""

from __future__ import annotations

import datetime as dt
import re
import socket
import subprocess
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest

from platform_cli.store import StoreConflict, StoreError, open_store
from platform_cli.store.engine import Engine, utc_timestamp
from platform_cli.store.store import open_engine
from platform_cli.store.urls import parse_url


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    opened = open_engine(parse_url(store_url))
    opened.execute("CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER NOT NULL)")
    yield opened
    opened.close()


def rows(engine: Engine) -> list[tuple[object, ...]]:
    return engine.fetchall("SELECT k, v FROM kv ORDER BY k")


def test_transaction_commits(engine: Engine) -> None:
    with engine.transaction():
        engine.execute("INSERT INTO kv (k, v) VALUES (?, ?)", ("a", 1))
        engine.execute("INSERT INTO kv (k, v) VALUES (?, ?)", ("b", 2))
    assert rows(engine) == [("a", 1), ("b", 2)]


def test_transaction_rolls_back_on_any_exception(engine: Engine) -> None:
    with pytest.raises(RuntimeError), engine.transaction():
        engine.execute("INSERT INTO kv (k, v) VALUES (?, ?)", ("a", 1))
        raise RuntimeError("boom")
    assert rows(engine) == []
    with engine.transaction():  # the engine is usable again
        engine.execute("INSERT INTO kv (k, v) VALUES (?, ?)", ("c", 3))
    assert rows(engine) == [("c", 3)]


def test_nested_transaction_rolls_back_only_its_part(engine: Engine) -> None:
    with engine.transaction():
        engine.execute("INSERT INTO kv (k, v) VALUES (?, ?)", ("outer", 1))
        with pytest.raises(StoreConflict), engine.transaction():
            engine.execute("INSERT INTO kv (k, v) VALUES (?, ?)", ("inner", 2))
            engine.execute("INSERT INTO kv (k, v) VALUES (?, ?)", ("outer", 3))
        engine.execute("INSERT INTO kv (k, v) VALUES (?, ?)", ("after", 4))
    assert rows(engine) == [("after", 4), ("outer", 1)]


def test_constraint_violations_are_store_conflicts(engine: Engine) -> None:
    engine.execute("INSERT INTO kv (k, v) VALUES (?, ?)", ("a", 1))
    with pytest.raises(StoreConflict) as caught:
        engine.execute("INSERT INTO kv (k, v) VALUES (?, ?)", ("a", 2))
    assert caught.value.exit_code == 2
    with pytest.raises(StoreConflict):
        engine.execute("INSERT INTO kv (k, v) VALUES (?, ?)", ("b", None))


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    engine.execute("CREATE TABLE child (k TEXT NOT NULL REFERENCES kv (k))")
    with pytest.raises(StoreConflict):
        engine.execute("INSERT INTO child (k) VALUES (?)", ("missing",))


def test_other_driver_errors_are_store_errors(engine: Engine) -> None:
    with pytest.raises(StoreError, match="no_such_table") as caught:
        engine.execute("SELECT * FROM no_such_table")
    assert not isinstance(caught.value, StoreConflict)
    assert str(caught.value).startswith(f"state store {engine.url}: ")


def test_one_placeholder_style_runs_on_both_engines(engine: Engine) -> None:
    engine.executemany("INSERT INTO kv (k, v) VALUES (?, ?)", [("50%", 1), ("why?", 2), ("it's", 3)])
    assert engine.fetchone("SELECT 7 % 3, ?, '%?', 'it''s ?'", ("a%b",)) == (1, "a%b", "%?", "it's ?")
    assert engine.fetchall(
        "SELECT k FROM kv WHERE k LIKE '%\\%%' ESCAPE '\\' OR k = ? ORDER BY k", ("why?",)
    ) == [
        ("50%",),
        ("why?",),
    ]
    assert engine.fetchone("SELECT v FROM kv WHERE k = ?", ("absent",)) is None
    assert engine.execute("UPDATE kv SET v = v + 1 WHERE k <> ?", ("it's",)).rowcount == 2
    assert engine.fetchone("INSERT INTO kv (k, v) VALUES (?, ?) RETURNING k", ("new", 9)) == ("new",)


def test_meta_upsert_and_closed_store(store_url: str) -> None:
    store = open_store(store_url)
    store.set_meta("owner", "team-a")
    store.set_meta("owner", "team-b")
    assert store.get_meta("owner") == "team-b"
    assert store.get_meta("absent") is None
    with store.transaction():
        store.set_meta("a", "1")
        store.set_meta("b", "2")
    assert {"a": "1", "b": "2", "owner": "team-b"}.items() <= store.meta().items()
    store.close()
    with pytest.raises(StoreError, match=r"state store .*closed"):
        store.get_meta("owner")
    store.close()  # closing twice is fine


# --- SQLite specifics ---------------------------------------------------------------------------------------
def test_sqlite_relative_url_creates_parent_dirs_under_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with open_store("sqlite:///.platform/nested/state.db") as store:
        assert store.schema_version() >= 1
    assert (tmp_path / ".platform" / "nested" / "state.db").is_file()


def test_sqlite_connection_settings(tmp_path: Path) -> None:
    engine = open_engine(parse_url(f"sqlite:///{tmp_path}/s.db"))
    try:
        assert engine.fetchone("PRAGMA journal_mode") == ("wal",)
        assert engine.fetchone("PRAGMA foreign_keys") == (1,)
        assert engine.fetchone("PRAGMA busy_timeout") == (15000,)
    finally:
        engine.close()


def test_sqlite_memory_store() -> None:
    with open_store("sqlite:///:memory:") as store:
        assert store.get_meta("store_id")
        assert repr(store) == "<Store sqlite:///:memory:>"


def test_sqlite_unusable_paths_are_store_errors(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(StoreError, match="cannot create the directory"):
        open_store(f"sqlite:///{tmp_path}/a-file/sub/state.db")
    (tmp_path / "not-a-db").write_text("this is not a database, just text that is long enough" * 40)
    with pytest.raises(StoreError, match=r"not-a-db: cannot use the database file.*is it a SQLite database"):
        open_store(f"sqlite:///{tmp_path}/not-a-db")
    (tmp_path / "dir.db").mkdir()
    with pytest.raises(StoreError, match="cannot open the database file"):
        open_store(f"sqlite:///{tmp_path}/dir.db")


def test_importing_the_store_loads_no_database_driver() -> None:
    code = "import sys, platform_cli.store; print(sorted({'psycopg', 'sqlite3'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# --- PostgreSQL specifics and redaction ---------------------------------------------------------------------
def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _assert_secret_hidden(error: BaseException, secret: str) -> str:
    """The secret is in no message of the error or of anything chained to it."""
    chained: BaseException | None = error
    while chained is not None:
        for text in (str(chained), repr(chained), *traceback.format_exception_only(type(chained), chained)):
            assert secret not in text
        chained = chained.__cause__ or chained.__context__
    return str(error)


def test_unreachable_postgres_is_a_redacted_store_error() -> None:
    pytest.importorskip("psycopg")
    url = f"postgresql://alice:hunter2-secret@127.0.0.1:{_closed_port()}/state"
    with pytest.raises(StoreError) as caught:
        open_store(url)
    message = _assert_secret_hidden(caught.value, "hunter2-secret")
    assert f"postgresql://alice:***@127.0.0.1:{url.rsplit(':', 1)[1]}" in message
    assert "cannot connect" in message and "check the URL and that the server is up" in message


@pytest.mark.postgres
def test_wrong_password_is_reported_without_it(postgres_url: str) -> None:
    real_password = postgres_url.split(":")[2].split("@")[0]
    wrong = postgres_url.replace(real_password, "wrong-secret-value")
    with pytest.raises(StoreError) as caught:
        open_store(wrong)
    message = _assert_secret_hidden(caught.value, "wrong-secret-value")
    assert "password authentication failed" in message
    assert "postgres:***@127.0.0.1" in message


@pytest.mark.postgres
def test_repr_and_errors_of_an_open_postgres_store_hide_the_password(postgres_url: str) -> None:
    password = postgres_url.split(":")[2].split("@")[0]
    with open_store(postgres_url) as store:
        for text in (repr(store), store.url, repr(store._db), repr(store._db.url)):
            assert password not in text
            assert "postgres:***@127.0.0.1" in text
        # Even a driver message that quotes the password back is scrubbed.
        with pytest.raises(StoreError) as caught:
            store._db.execute("SELECT CAST(? AS integer)", (password,))
        message = _assert_secret_hidden(caught.value, password)
        assert 'invalid input syntax for type integer: "***"' in message


def test_missing_psycopg_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    # A real ImportError: a None in sys.modules makes `import psycopg` fail as a missing package does.
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(StoreError) as caught:
        open_store("postgresql://alice:hunter2-secret@127.0.0.1:5432/state")
    message = _assert_secret_hidden(caught.value, "hunter2-secret")
    assert "pip install 'platform-cli[postgres]'" in message
    assert "alice:***@127.0.0.1:5432" in message


def test_timestamps_are_utc_iso_text_with_microseconds_and_a_z_that_sorts() -> None:
    east = dt.timezone(dt.timedelta(hours=5, minutes=30))
    assert utc_timestamp(dt.datetime(2026, 1, 2, 3, 4, 5, 0, east)) == "2026-01-01T21:34:05.000000Z"
    assert (
        utc_timestamp(dt.datetime(2026, 12, 31, 23, 59, 59, 7, dt.timezone.utc))
        == "2026-12-31T23:59:59.000007Z"
    )
    now = utc_timestamp()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", now)
    assert now >= "2026-01-01T21:34:05.000000Z" and utc_timestamp() >= now  # text order is time order
