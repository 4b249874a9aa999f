"""The prompts-resolve benchmark runs on a really generated repo and reports real per-resolve figures.

Timings are not asserted (speed lives in bench/, not in tests); only that the measurements are real.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import bench  # noqa: E402


def test_prompts_resolve_is_registered_and_measures(tmp_path: Path) -> None:
    measurements = bench.BENCHMARKS["prompts-resolve"](bench.BenchContext(tmp_path, runs=2))
    assert [m.subject for m in measurements] == [
        "resolve(label), cache hit",
        "resolve(key, segment), cache hit",
        "resolve(label), TTL 0: SQLite each call",
    ]
    for m in measurements:
        assert m.benchmark == "prompts-resolve"
        for value in (m.median_s, m.reference_s, m.ratio):
            assert math.isfinite(value) and value > 0
