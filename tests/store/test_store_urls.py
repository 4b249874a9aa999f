"""Store URL parsing, SQLite path resolution and password redaction."""

from __future__ import annotations

from pathlib import Path

import pytest

from platform_cli.errors import UserError
from platform_cli.store import StoreError, redact_url
from platform_cli.store.urls import parse_url


def test_sqlite_relative_path_resolves_against_cwd(tmp_path: Path) -> None:
    parsed = parse_url("sqlite:///.platform/state.db", cwd=tmp_path)
    assert parsed.dialect == "sqlite"
    assert parsed.target == str(tmp_path / ".platform" / "state.db")


def test_sqlite_relative_path_defaults_to_process_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert parse_url("sqlite:///state.db").target == str(tmp_path / "state.db")


def test_sqlite_absolute_and_memory_forms(tmp_path: Path) -> None:
    assert parse_url(f"sqlite:///{tmp_path}/a.db").target == str(tmp_path / "a.db")
    assert parse_url("sqlite:////var/lib/state.db", cwd=tmp_path).target == "/var/lib/state.db"
    assert parse_url("sqlite:///:memory:").target == ":memory:"


def test_sqlite_home_is_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert parse_url("sqlite:///~/state.db").target == str(tmp_path / "state.db")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("", "empty state store URL"),
        ("sqlite:///", "no database path"),
        ("sqlite://state.db", "three slashes"),
        ("sqlite:///state.db?mode=ro", "no query parameters"),
        ("mysql://u@h/db", "unsupported state store URL scheme 'mysql'"),
        ("postgresql+psycopg://u@h/db", "drop the driver suffix: postgresql://"),
        ("state.db", "unsupported state store URL scheme"),
    ],
)
def test_bad_urls_say_what_to_write(url: str, expected: str) -> None:
    with pytest.raises(StoreError, match=r"sqlite:///relative/path\.db") as caught:
        parse_url(url)
    assert expected in str(caught.value)
    assert isinstance(caught.value, UserError)
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    ("url", "redacted"),
    [
        ("postgresql://alice:hunter2@db:5432/state", "postgresql://alice:***@db:5432/state"),
        ("postgres://alice:p%40ss@db/state", "postgres://alice:***@db/state"),
        ("postgresql://alice:p@ss/w@db/state", "postgresql://alice:***@db/state"),  # unencoded @ and /
        ("postgresql://alice:@db/state", "postgresql://alice:***@db/state"),
        (
            "postgresql://db/state?sslmode=require&password=hunter2",
            "postgresql://db/state?sslmode=require&password=***",
        ),
        ("postgresql://alice@db/state", "postgresql://alice@db/state"),
        ("sqlite:////tmp/state.db", "sqlite:////tmp/state.db"),
    ],
)
def test_redact_url(url: str, redacted: str) -> None:
    assert redact_url(url) == redacted


def test_parsed_postgres_url_never_shows_its_password() -> None:
    parsed = parse_url("postgresql://alice:hunter2-secret@db:5432/state?password=other-secret")
    for text in (str(parsed), repr(parsed), parsed.redacted):
        assert "hunter2-secret" not in text
        assert "other-secret" not in text
    assert parsed.scrub("auth failed for hunter2-secret and other-secret") == "auth failed for *** and ***"


def test_bad_postgres_port_is_reported_without_the_password() -> None:
    with pytest.raises(StoreError) as caught:
        parse_url("postgresql://alice:hunter2-secret@db:notaport/state")
    assert "hunter2-secret" not in str(caught.value)
    assert "alice:***@db:notaport" in str(caught.value)
