"""Tests run offline: every provider is served by the deterministic fake, and state lives in a temp store."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PLATFORM_OFFLINE", "1")
    monkeypatch.setenv("PLATFORM_STATE_URL", f"sqlite:///{tmp_path / 'state.db'}")
