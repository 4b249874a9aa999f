"""Fixtures of the rollback tests: fresh stores on both engines (several per test when a test compares)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


@pytest.fixture
def fresh_url(store_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Makes more empty stores of the same engine as `store_url` (SQLite files, or PostgreSQL databases)."""
    made: list[str] = []
    counter = itertools.count(1)
    server = request.getfixturevalue("postgres_server") if store_url.startswith("postgresql") else None

    def make() -> str:
        if server is None:
            return f"sqlite:///{tmp_path / f'extra-{next(counter)}.db'}"
        url: str = server.create_database()
        made.append(url)
        return url

    yield make
    for url in made:
        assert server is not None
        server.drop_database(url)
