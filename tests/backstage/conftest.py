"""A real Backstage catalog backend for the tests in this directory (see tests/backstage_server.py).

Where Node.js or the npm install is missing the tests that need it skip with the reason; in CI (or with
PLATFORM_REQUIRE_SERVERS set) they fail instead, since `make test` installs what they need.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import backstage_server
import pytest


@pytest.fixture(scope="session")
def backstage() -> Iterator[backstage_server.BackstageServer]:
    reason = backstage_server.unavailable_reason()
    if reason is None:
        try:
            server = backstage_server.start_server()
        except (RuntimeError, OSError) as error:
            reason = str(error)
    if reason is not None:
        if os.environ.get("CI") or os.environ.get("PLATFORM_REQUIRE_SERVERS"):
            pytest.fail(f"the Backstage catalog tests must run in CI: {reason}")
        pytest.skip(f"Backstage catalog backend unavailable: {reason}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def catalog_env(backstage: backstage_server.BackstageServer, monkeypatch: pytest.MonkeyPatch) -> str:
    """$BACKSTAGE_URL and $BACKSTAGE_TOKEN pointing at the test catalog; returns the token."""
    monkeypatch.setenv("BACKSTAGE_URL", backstage.url)
    monkeypatch.setenv("BACKSTAGE_TOKEN", backstage.token)
    return backstage.token
