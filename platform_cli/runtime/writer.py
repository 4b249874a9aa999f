"""Writes that need not hold up a call (usage events, response-cache entries, online-scoring samples),
batched by a thread.

A call appends its rows; a writer thread with its own store connection writes everything pending in ONE
transaction when `batch_size` rows are waiting or the oldest has waited `max_delay_s`, so a call pays
for a list append instead of a commit. `flush()` waits for everything queued so far; `close()` (and
interpreter exit) flushes and stops the thread. While the store is unreachable rows stay pending (at
most `max_pending`; beyond that the oldest are dropped and counted in `dropped`) and the writer retries.
Conversation turns are NOT written here: the next message may need them at once, in any process.
Expired response-cache entries are deleted here too, after a write, at most `purge_batch` rows at a time:
again at the next write while a purge finds a full batch, else once every `purge_every_s`.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import weakref

from platform_cli.store import Store, StoreError
from platform_cli.store.connections import StoreLink
from platform_cli.store.engine import utc_timestamp
from platform_cli.store.rollout import OnlineSample
from platform_cli.store.runtime import CachedResponse, UsageEvent

Row = UsageEvent | CachedResponse | OnlineSample

log = logging.getLogger("platform_cli.runtime")
RETRY_S = 1.0
PURGE_EVERY_S = 300.0
PURGE_BATCH = 1000
_LIVE: weakref.WeakSet[BackgroundWriter] = weakref.WeakSet()


class BackgroundWriter:
    def __init__(
        self,
        url: str,
        *,
        batch_size: int = 64,
        max_delay_s: float = 0.5,
        max_pending: int = 50_000,
        link: StoreLink | None = None,
        purge_every_s: float = PURGE_EVERY_S,
        purge_batch: int = PURGE_BATCH,
    ) -> None:
        self.url = url
        self.link = link or StoreLink(url)  # the writer thread takes its own connection from it
        self.batch_size = batch_size
        self.max_delay_s = max_delay_s
        self.max_pending = max_pending
        self.purge_every_s = purge_every_s
        self.purge_batch = purge_batch
        self.purged = 0  # expired cache entries deleted by this writer
        self.dropped = 0
        self.last_error: str | None = None
        self._reset()
        _LIVE.add(self)

    def _reset(self) -> None:
        """Fresh state (also in a forked child, which inherits the lists but not the writer thread)."""
        self._pid = os.getpid()
        self._cond = threading.Condition()
        self._pending: list[Row] = []
        self._unwritten_cache: dict[str, CachedResponse] = {}  # queued cache entries, by key
        self._oldest = 0.0
        self._recorded = 0
        self._settled = 0  # written or dropped
        self._flushing = False
        self._closing = False
        self._thread: threading.Thread | None = None
        self._purge_due = 0.0  # monotonic time of the next purge (0: at the first write)

    # --- the caller's side --------------------------------------------------------------------------------
    def record(self, event: UsageEvent) -> None:
        """Queue a usage event."""
        self._queue(event)

    def cache(self, entry: CachedResponse) -> None:
        """Queue a response-cache entry: this process sees it at once (`unwritten`), others once written."""
        with self._cond:
            self._unwritten_cache[entry.cache_key] = entry
        self._queue(entry)

    def sample(self, sample: OnlineSample) -> None:
        """Queue a live answer sampled for online scoring (runtime/sampling.py bounds how many wait)."""
        self._queue(sample)

    def unwritten(self, cache_key: str) -> CachedResponse | None:
        """A cache entry queued by this process and not written yet (so a repeat right away still hits)."""
        if not self._unwritten_cache:
            return None
        with self._cond:
            return self._unwritten_cache.get(cache_key)

    def _queue(self, event: Row) -> None:
        if self._pid != os.getpid():
            self._reset()
        with self._cond:
            if not self._pending:
                self._oldest = time.monotonic()
            self._pending.append(event)
            self._recorded += 1
            if len(self._pending) > self.max_pending:
                self._forget(self._pending.pop(0))
                self.dropped += 1
                self._settled += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="platform-runtime-writer", daemon=True)
                self._thread.start()
            elif len(self._pending) >= self.batch_size:
                self._cond.notify_all()

    def flush(self, timeout_s: float = 10.0) -> bool:
        """Wait until every event recorded so far is in the store; False if that took over timeout_s."""
        if self._pid != os.getpid():
            return True
        deadline = time.monotonic() + timeout_s
        with self._cond:
            target = self._recorded
            self._flushing = True
            self._cond.notify_all()
            while self._settled < target:
                left = deadline - time.monotonic()
                if left <= 0 or self._thread is None:
                    return self._settled >= target
                self._cond.wait(left)
            return True

    def close(self, timeout_s: float = 5.0) -> None:
        """Write what is pending (one attempt: with the store down it is dropped) and stop the thread."""
        if self._pid != os.getpid() or self._thread is None:
            return
        with self._cond:
            self._closing = True
            self._cond.notify_all()
            thread = self._thread
        thread.join(timeout_s)
        with self._cond:
            self._thread = None
            self._closing = False

    @property
    def pending(self) -> int:
        with self._cond:
            return len(self._pending)

    def _forget(self, row: Row) -> None:
        """`row` is written or dropped: stop serving it from memory (call with the lock held)."""
        if isinstance(row, CachedResponse) and self._unwritten_cache.get(row.cache_key) is row:
            del self._unwritten_cache[row.cache_key]

    # --- the writer thread --------------------------------------------------------------------------------
    def _take(self) -> list[Row] | None:
        """Wait for a batch (or flush/close); None when closing with nothing left."""
        with self._cond:
            while True:
                if self._pending:
                    due = self._oldest + self.max_delay_s
                    full = len(self._pending) >= self.batch_size
                    if full or self._flushing or self._closing or time.monotonic() >= due:
                        batch, self._pending = self._pending, []
                        return batch
                    self._cond.wait(max(0.0, due - time.monotonic()))
                elif self._closing:
                    return None
                else:
                    self._flushing = False
                    self._cond.wait()

    def _run(self) -> None:
        try:
            while (batch := self._take()) is not None:
                try:
                    store = self.link.require()
                    _write(store, batch)
                    self._purge(store)  # before settling, so flush() returns with the purge done
                except Exception as error:  # StoreError, or a bug: never let the thread die with rows held
                    if isinstance(error, StoreError):
                        self.link.failed(error)  # serving threads back off too, and everyone reconnects
                    else:
                        self.link.close()
                    self._failed(batch, error)
                    continue
                with self._cond:
                    for row in batch:
                        self._forget(row)
                    self._settled += len(batch)
                    self.last_error = None
                    self._cond.notify_all()
        finally:
            self.link.close()

    def _purge(self, store: Store) -> None:
        """Delete a bounded batch of expired cache entries when one is due (after a successful write)."""
        if time.monotonic() < self._purge_due:
            return
        try:
            deleted = store.purge_expired_responses(utc_timestamp(), self.purge_batch)
        except Exception as error:  # the rows are written (never re-queue them); retried after the pause
            log.warning("could not delete expired response-cache entries: %s", error)
            deleted = 0
        self.purged += deleted
        full = deleted >= self.purge_batch  # more may be waiting: go on at the next write
        self._purge_due = 0.0 if full else time.monotonic() + self.purge_every_s

    def _failed(self, batch: list[Row], error: Exception) -> None:
        self.last_error = str(error) if isinstance(error, StoreError) else f"{type(error).__name__}: {error}"
        log.warning(
            "usage/cache rows not written yet (%d pending), retrying: %s", len(batch), self.last_error
        )
        with self._cond:
            self._pending[:0] = batch
            retry_at = time.monotonic() + RETRY_S  # new rows and flush() calls do not cut the pause short
            while not self._closing and (left := retry_at - time.monotonic()) > 0:
                self._cond.wait(left)
            if self._closing and self._pending:  # the store is down: give up rather than hang the exit
                self._unwritten_cache.clear()
                self.dropped += len(self._pending)
                self._settled += len(self._pending)
                self._pending = []
                self._cond.notify_all()


def _write(store: Store, batch: list[Row]) -> None:
    events = [row for row in batch if isinstance(row, UsageEvent)]
    latest: dict[str, CachedResponse] = {}
    for row in batch:
        if isinstance(row, CachedResponse):
            latest[row.cache_key] = row
    samples = [row for row in batch if isinstance(row, OnlineSample)]
    with store.transaction():
        store.add_usage_events(events)
        store.put_cached_responses(list(latest.values()))
        store.add_online_samples(samples)


@atexit.register
def _flush_at_exit() -> None:
    for recorder in list(_LIVE):
        recorder.close(timeout_s=5.0)
