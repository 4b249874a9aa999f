"""Fixtures every test directory may use: an isolated home, a real PostgreSQL server, store URLs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pg_server
import pytest


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test reads or writes the real home, config, cache or crash-log directories."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("PLATFORM_LOG_DIR", str(home / "logs"))
    # git reads its identity from HOME, which is now empty.
    for variable in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
        monkeypatch.setenv(variable, "Platform Tests")
    for variable in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
        monkeypatch.setenv(variable, "tests@example.invalid")
    # settings from the developer's shell must not reach a test
    for variable in (
        "PLATFORM_STATE_URL",
        "PLATFORM_POLICIES",
        "PLATFORM_CONFIG",
        "PLATFORM_WAIVER_MAX_DAYS",
        "PLATFORM_TEMPLATES_PATH",
        "PLATFORM_TRUSTED_TEMPLATES",
        "BACKSTAGE_URL",
        "BACKSTAGE_TOKEN",
    ):
        monkeypatch.delenv(variable, raising=False)
    return home


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[pg_server.PostgresServer]:
    """One real PostgreSQL server per test process (each xdist worker gets its own), stopped by PID."""
    reason = pg_server.unavailable_reason()
    if reason:
        if os.environ.get("CI") or os.environ.get("PLATFORM_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL tests must run in CI: {reason}")
        pytest.skip(f"PostgreSQL tests skipped: {reason}")
    server = pg_server.start_server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: pg_server.PostgresServer) -> Iterator[str]:
    """A fresh, empty database on the session's server (its URL carries a password)."""
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of an empty state store: a SQLite file, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url
