"""`python -m bench cost` still runs (tiny event count, one run); its numbers are not asserted."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import bench  # noqa: E402


def test_the_cost_benchmark_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLATFORM_BENCH_COST_EVENTS", "3000")
    measurements = bench.BENCHMARKS["cost"](bench.BenchContext(tmp_path, runs=1))
    subjects = [m.subject for m in measurements]
    assert subjects[0] == "budget check (per call)"
    assert any(s.startswith("report 3,000 events SQLite") for s in subjects)
    assert any(s.startswith("dashboard 3,000 events") for s in subjects)
    assert all(math.isfinite(m.median_s) and m.median_s > 0 for m in measurements)
