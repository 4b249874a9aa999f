"""The background writer: batches reach the store, an unreachable store never fails a call, nothing hangs."""

from __future__ import annotations

import time
from pathlib import Path

from runtime_support import write_feature

from platform_cli.runtime import Feature
from platform_cli.runtime.writer import BackgroundWriter
from platform_cli.store import open_store
from platform_cli.store.engine import utc_timestamp
from platform_cli.store.runtime import UsageEvent


def event(n: int) -> UsageEvent:
    return UsageEvent(
        utc_timestamp(), "feat", "complete", "summarize", 1, "h", "production", None, None, None, None,
        "primary", "m-2025-01-01", n, 1, 0, 0, 0, 1.0, "stop", False, False, False, 1, None,
    )  # fmt: skip


def test_events_are_written_in_batches_and_flush_waits_for_them(store_url: str) -> None:
    writer = BackgroundWriter(store_url, batch_size=10, max_delay_s=60)
    for n in range(25):
        writer.record(event(n))
    assert writer.flush(10)
    with open_store(store_url) as store:
        assert [e.input_tokens for e in store.usage_events("feat")] == list(range(25))
    writer.record(event(25))
    writer.close()  # writes what is pending before the thread stops
    with open_store(store_url) as store:
        assert len(store.usage_events("feat")) == 26


def test_the_delay_bounds_how_long_an_event_waits(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    writer = BackgroundWriter(url, batch_size=1000, max_delay_s=0.1)
    writer.record(event(1))
    deadline = time.monotonic() + 10  # generous: a loaded CI machine may take a while to create the store
    written = 0
    with open_store(url) as store:
        while written == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
            written = len(store.usage_events("feat"))
    assert written == 1  # written without flush() or close()
    writer.close()


def test_an_unreachable_store_keeps_events_pending_then_drops_them_on_close(tmp_path: Path) -> None:
    (tmp_path / "not-a-dir").write_text("a file where the store's directory should be")
    writer = BackgroundWriter(f"sqlite:///{tmp_path / 'not-a-dir' / 'state.db'}", max_pending=3)
    for n in range(5):
        writer.record(event(n))
    assert writer.flush(0.5) is False
    assert writer.last_error and "state store" in writer.last_error
    assert writer.pending <= 3 and writer.dropped == 2  # bounded memory: the oldest went first
    started = time.monotonic()
    writer.close(timeout_s=2)
    assert time.monotonic() - started < 5
    assert writer.dropped == 5


def test_events_pending_while_the_store_is_down_are_written_when_it_returns(tmp_path: Path) -> None:
    blocker = tmp_path / "state"
    blocker.write_text("not a directory yet")
    url = f"sqlite:///{blocker / 'state.db'}"
    writer = BackgroundWriter(url, max_delay_s=0.05)
    writer.record(event(7))
    assert writer.flush(0.3) is False
    blocker.unlink()  # the store comes back
    assert writer.flush(10)
    with open_store(url) as store:
        assert [e.input_tokens for e in store.usage_events("feat")] == [7]
    writer.close()


def test_calls_are_served_while_the_store_is_down(tmp_path: Path) -> None:
    repo = write_feature(tmp_path / "repo")
    good = f"sqlite:///{tmp_path / 'state.db'}"
    with Feature.load(repo, state_url=good) as feature:
        feature.complete("summarize", {"ticket": "warm up"})  # saves the last-known-good prompt
    (tmp_path / "state.db").replace(tmp_path / "state.db.away")
    (tmp_path / "state.db").mkdir()  # the same store, down: SQLite cannot open a directory
    with Feature.load(repo, state_url=good) as feature:
        result = feature.complete("summarize", {"ticket": "served anyway"})
        assert result.text and result.prompt_version == 1 and result.prompt_source == "last-known-good"
        assert result.cache_hit is False
        assert feature.flush(0.3) is False  # the event waits for the store
