"""The shared spend counter behind budget enforcement: exact across processes, lock-free reads, monthly
reset, refresh from the store in the background without ever blocking the check."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from platform_cli.cost.budget_guard import Guard, SpendCounter, counter_path

WORKER = Path(__file__).with_name("budget_worker.py")


def test_eight_processes_adding_at_once_lose_no_increment(tmp_path: Path) -> None:
    path = tmp_path / "feature.counter"
    procs = [subprocess.Popen([sys.executable, str(WORKER), str(path), "500", "0.001234"]) for _ in range(8)]
    assert [p.wait(timeout=120) for p in procs] == [0] * 8
    counter = SpendCounter(path)
    assert counter.spent() == pytest.approx(8 * 500 * 0.001234, abs=1e-9)  # micro-dollars: exact
    counter.close()


def test_a_new_month_starts_from_zero(tmp_path: Path) -> None:
    now = [dt.datetime(2026, 11, 30, 23, 59, tzinfo=dt.timezone.utc)]
    counter = SpendCounter(tmp_path / "c", clock=lambda: now[0])
    counter.add(5.0)
    assert counter.spent() == 5.0
    now[0] = dt.datetime(2026, 12, 1, 0, 0, tzinfo=dt.timezone.utc)
    assert counter.spent() == 0.0
    counter.add(1.5)
    assert counter.spent() == 1.5


def test_refresh_takes_the_store_figure_once_per_interval(tmp_path: Path) -> None:
    counter = SpendCounter(tmp_path / "c")
    counter.add(2.0)
    assert counter.refresh(10.0, counter.snapshot(), every_s=60) is True and counter.spent() == 10.0
    counter.add(0.5)
    assert counter.refresh(99.0, counter.snapshot(), every_s=60) is False and counter.spent() == 10.5


def test_refresh_never_loses_what_the_store_has_not_seen_yet(tmp_path: Path) -> None:
    counter = SpendCounter(tmp_path / "c")
    counter.add(1.0)
    before = counter.snapshot()  # the store is read now: it does not hold the $1 yet (writer batching)
    counter.add(0.25)  # a call finishing while the store is read
    assert counter.refresh(0.0, before) is True
    assert counter.spent() == 1.25  # max(store $0, counted $1.25)
    before = counter.snapshot()
    assert counter.refresh(7.0, before) is True and counter.spent() == 7.0  # other hosts' spend arrives


def test_a_call_counted_during_the_store_read_is_counted_once(tmp_path: Path) -> None:
    counter = SpendCounter(tmp_path / "c")
    counter.add(0.035)
    before = counter.snapshot()
    counter.add(0.035)  # counted after the snapshot, and its event was written before the store was read
    assert counter.refresh(0.07, before) is True
    assert counter.spent() == pytest.approx(0.07)  # not $0.105: the store figure already holds it
    counter.add(0.01)
    assert counter.refresh(0.07, counter.snapshot()) is True  # the $0.01 is not written yet
    assert counter.spent() == pytest.approx(0.08)


def test_a_refresh_that_lost_the_race_to_another_process_changes_nothing(tmp_path: Path) -> None:
    one, two = SpendCounter(tmp_path / "c"), SpendCounter(tmp_path / "c")
    stale = one.snapshot()
    assert two.refresh(5.0, two.snapshot()) is True
    assert one.refresh(1.0, stale) is False and one.spent() == 5.0


def test_the_guard_decides_from_the_counter_while_the_store_hangs(tmp_path: Path) -> None:
    release = threading.Event()

    def slow_store() -> float:  # a store that does not answer (until the test ends)
        release.wait(30)
        return 0.0

    counter = SpendCounter(tmp_path / "c")
    guard = Guard(
        counter, monthly_usd=1.0, on_exhausted="fallback:cheap", store_total=slow_store, refresh_s=0
    )
    try:
        decisions = [guard.exhausted() for _ in range(1000)]
        assert decisions == [False] * 1000
        assert guard._refreshing.locked()  # the refresh is still waiting on the store: checks did not
        guard.record(0.6)
        guard.record(0.6)
        assert guard.exhausted() is True and guard.fallback_provider == "cheap"
    finally:
        release.set()
        counter.close()


def test_counters_are_per_store_and_feature(tmp_path: Path) -> None:
    a = counter_path("sqlite:////a.db", "f")
    assert a != counter_path("sqlite:////b.db", "f") and a != counter_path("sqlite:////a.db", "g")
    assert a.suffix == ".counter"
