"""Session servers for the integration tests: a real OpenBao dev server and a moto Secrets Manager server.

Both bind 127.0.0.1 on a free port and are stopped by PID. When one cannot start, its tests skip with the
reason, except in CI (or with PLATFORM_REQUIRE_SERVERS set), where they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from secrets_support import BaoServer, MotoServer, Vendor, start_bao, start_moto, stop_pid, vendor_fixture


def _unavailable(what: str, error: Exception) -> None:
    message = f"{what} could not start: {error}"
    if os.environ.get("CI") or os.environ.get("PLATFORM_REQUIRE_SERVERS"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def bao(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BaoServer]:
    try:
        server = start_bao(tmp_path_factory.mktemp("bao") / "bao.log")
    except (RuntimeError, OSError) as error:
        _unavailable("OpenBao dev server", error)
        raise
    try:
        yield server
    finally:
        stop_pid(server.proc)


@pytest.fixture(scope="session")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    try:
        server = start_moto(tmp_path_factory.mktemp("moto") / "moto.log")
    except (RuntimeError, OSError) as error:
        _unavailable("moto server", error)
        raise
    try:
        yield server
    finally:
        stop_pid(server.proc)


@pytest.fixture
def vendor() -> Iterator[Vendor]:
    yield from vendor_fixture()
