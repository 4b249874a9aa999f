"""Fixtures for the secrets unit tests: a loopback key vendor (a real HTTP server on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from secrets_support import Vendor, vendor_fixture


@pytest.fixture
def vendor() -> Iterator[Vendor]:
    yield from vendor_fixture()
