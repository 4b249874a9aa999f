"""Expired response-cache rows are deleted by the background writer, a bounded batch at a time."""

from __future__ import annotations

import datetime as dt

from test_runtime_writer import event

from platform_cli.runtime.writer import BackgroundWriter
from platform_cli.store import open_store
from platform_cli.store.engine import utc_timestamp
from platform_cli.store.runtime import CachedResponse


def _entry(key: str, expires_in_s: float) -> CachedResponse:
    now = dt.datetime.now(dt.timezone.utc)
    return CachedResponse(
        key, "feat", "summarize", 1, "h", "primary", "m-2025-01-01", '{"text": "x"}', utc_timestamp(now),
        utc_timestamp(now + dt.timedelta(seconds=expires_in_s)),
    )  # fmt: skip


def test_the_writer_deletes_expired_entries_in_bounded_batches(store_url: str) -> None:
    with open_store(store_url) as store:
        store.put_cached_responses([_entry(f"old-{n}", -60) for n in range(5)] + [_entry("live", 3600)])
        assert store.count_expired_responses(utc_timestamp()) == 5

    writer = BackgroundWriter(store_url, purge_every_s=3600, purge_batch=2)
    try:
        remaining = []
        for n in range(4):
            writer.record(event(n))
            assert writer.flush(10)
            with open_store(store_url) as store:
                remaining.append(store.count_expired_responses(utc_timestamp()))
        # a full batch means more may wait: the next write purges again; then the pause applies
        assert remaining == [3, 1, 0, 0]
        with open_store(store_url) as store:
            assert store.cached_response("live", utc_timestamp()) is not None
            store.put_cached_responses([_entry("old-again", -60)])
        writer.record(event(9))
        assert writer.flush(10)
        with open_store(store_url) as store:
            assert store.count_expired_responses(utc_timestamp()) == 1  # not before purge_every_s
    finally:
        writer.close()
