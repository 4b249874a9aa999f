"""Budget enforcement at call time: a month's spend in a tiny shared counter, checked in microseconds.

The counter is a 64-byte file mapped into memory by every process of a feature on this host
($XDG_CACHE_HOME/platform-cli/budget/<hash of store URL and feature>.counter). It holds the month it counts,
a baseline (the store's billed month-to-date spend when last refreshed) and the spend this host added since:

- `spent()` reads two integers from the mapping: no lock, no syscall, no store (about a microsecond), so
  the check costs nothing measurable and keeps working while the store is slow or down.
- `add(cost)` adds micro-dollars under an exclusive `flock` (a few microseconds), so concurrent processes
  never lose an increment.
- `refresh(store_total, snapshot)` takes the store's month-to-date figure, which holds what every replica
  on every host wrote, as the baseline, unless this host has counted more (what it counted may not be
  written yet): the count never goes down, and a call counted while the store was being read is counted
  once whether or not the store read already saw it (at worst it is missing from other hosts' share until
  the next refresh; counting it twice would refuse calls for the rest of the month). `Guard` calls it from a
  background thread at most every `refresh_s`, and only one process per host does (the file records when
  it was refreshed). Between refreshes other hosts' spend is not seen: enforcement is exact per host and
  across hosts as fresh as `refresh_s` (30 s by default).

A new month resets the counter. Amounts are integer micro-dollars: sums are exact.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import logging
import mmap
import os
import struct
import threading
import time
from collections.abc import Callable
from pathlib import Path

from platform_cli.config import cache_dir
from platform_cli.errors import CheckFailed

log = logging.getLogger("platform_cli.cost")
MAGIC = 0x42554447  # "BUDG"
# magic, layout version, month (YYYYMM), pad, baseline micro-USD, local micro-USD, refreshed (unix s)
_LAYOUT = struct.Struct("<IIiiqqd")
_SIZE = 64
MICRO = 1_000_000
REFRESH_S = 30.0


BUDGET_EXHAUSTED = "budget_exhausted"  # the finish_reason of a call the budget refused


class BudgetExhausted(CheckFailed):
    """The monthly budget is spent and spec.budget.on_exhausted is `block`: the call was not made."""


def counter_path(state_url: str, feature: str) -> Path:
    digest = hashlib.sha256(f"{state_url}\0{feature}".encode()).hexdigest()[:20]
    return cache_dir() / "budget" / f"{digest}.counter"


def _month(moment: dt.datetime) -> int:
    return moment.year * 100 + moment.month


class SpendCounter:
    """The shared month-to-date spend of one feature on this host (see the module docstring)."""

    def __init__(self, path: Path, clock: Callable[[], dt.datetime] | None = None) -> None:
        self.path = path
        self._clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            with self._locked():
                if os.fstat(self._fd).st_size < _SIZE:
                    os.ftruncate(self._fd, _SIZE)
            self._map = mmap.mmap(self._fd, _SIZE)
            with self._locked():
                magic, version, *_ = _LAYOUT.unpack_from(self._map)
                if magic != MAGIC or version != 1:
                    _LAYOUT.pack_into(self._map, 0, MAGIC, 1, _month(self._clock()), 0, 0, 0, 0.0)
        except BaseException:
            os.close(self._fd)
            raise

    def _locked(self) -> _Lock:
        return _Lock(self._fd)

    def _read(self) -> tuple[int, int, int, float]:
        _, _, month, _, baseline, local, refreshed = _LAYOUT.unpack_from(self._map)
        return month, baseline, local, refreshed

    def spent(self) -> float:
        """Month-to-date spend in USD (baseline + local): lock-free, never touches the store."""
        month, baseline, local, _ = self._read()
        if month != _month(self._clock()):
            return 0.0
        return (baseline + local) / MICRO

    def add(self, cost_usd: float) -> None:
        """Count a call's cost (under the file lock, so no increment is lost between processes)."""
        micro = round(cost_usd * MICRO)
        if micro <= 0:
            return
        with self._locked():
            month, baseline, local, refreshed = self._read()
            now_month = _month(self._clock())
            if month != now_month:
                month, baseline, local, refreshed = now_month, 0, 0, 0.0
            _LAYOUT.pack_into(self._map, 0, MAGIC, 1, month, 0, baseline, local + micro, refreshed)

    def refresh_due(self, every_s: float) -> bool:
        return time.time() - self._read()[3] >= every_s

    def snapshot(self) -> tuple[int, int, int]:
        """(month, baseline, local) now: take one before reading the store, give it to `refresh`."""
        month, baseline, local, _ = self._read()
        return month, baseline, local

    def refresh(
        self, store_total_usd: float, before: tuple[int, int, int] | None = None, *, every_s: float = 0.0
    ) -> bool:
        """Take the store's month-to-date figure (read after `before` was taken) as the new baseline.

        The counter never goes down: what this host counted may not be in the store yet (the writer
        batches), so the new count is the larger of the store's figure and this host's count. A call
        counted after the snapshot may or may not be in the store's figure (its event may have been
        written while the store was read), so it is not added on top of it: adding it would count it twice
        for the rest of the month. Skipped (False) when another process refreshed in between (the snapshot
        no longer matches) or less than `every_s` ago.
        """
        with self._locked():
            month, baseline, local, refreshed = self._read()
            now_month = _month(self._clock())
            if month == now_month and time.time() - refreshed < every_s:
                return False
            snap_month, snap_baseline, snap_local = before or (month, baseline, local)
            if (snap_month, snap_baseline) != (month, baseline) or local < snap_local:
                return False  # someone refreshed (or the month turned) since the snapshot: theirs stands
            store_micro = max(0, round(store_total_usd * MICRO))
            new_baseline = store_micro if month != now_month else max(store_micro, baseline + local)
            _LAYOUT.pack_into(self._map, 0, MAGIC, 1, now_month, 0, new_baseline, 0, time.time())
            return True

    def close(self) -> None:
        try:
            self._map.close()
        finally:
            os.close(self._fd)


class _Lock:
    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __enter__(self) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)


class Guard:
    """Per feature: is the monthly budget exhausted (microseconds), and what to do then.

    `on_exhausted`: "block" (refuse the call) or "fallback:<provider>" (serve it with that provider only).
    `store_total` reads the store's billed month-to-date spend; it runs on a background thread only.
    """

    def __init__(
        self,
        counter: SpendCounter,
        monthly_usd: float,
        on_exhausted: str,
        store_total: Callable[[], float] | None = None,
        refresh_s: float = REFRESH_S,
    ) -> None:
        self.counter = counter
        self.monthly_usd = monthly_usd
        self.on_exhausted = on_exhausted
        self._store_total = store_total
        self.refresh_s = refresh_s
        self._refreshing = threading.Lock()

    @property
    def fallback_provider(self) -> str | None:
        action, _, provider = self.on_exhausted.partition(":")
        return provider if action == "fallback" and provider else None

    def exhausted(self) -> bool:
        """The check on the call path: one mapped read (and, rarely, starting a background refresh)."""
        if self._store_total is not None and self.counter.refresh_due(self.refresh_s):
            self._refresh_in_background()
        return self.counter.spent() >= self.monthly_usd

    def record(self, cost_usd: float | None) -> None:
        if cost_usd:
            self.counter.add(cost_usd)

    def _refresh_in_background(self) -> None:
        if not self._refreshing.acquire(blocking=False):
            return  # one refresh at a time per process

        def run() -> None:
            try:
                assert self._store_total is not None
                before = self.counter.snapshot()
                total = self._store_total()
                self.counter.refresh(total, before, every_s=self.refresh_s)
            except Exception as error:  # the store is down or slow: keep counting locally
                log.warning("budget counter not refreshed from the store: %s", error)
            finally:
                self._refreshing.release()

        threading.Thread(target=run, name="platform-budget-refresh", daemon=True).start()
