"""The bench package still runs: manifest-load with a tiny iteration count, on a really generated repo.

Timings are not asserted (no speed thresholds in tests); only that the measurements are real numbers.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

# bench/ sits at the repository root next to tests/; pytest run as `.venv/bin/pytest` (not `python -m
# pytest`) or in an xdist worker does not necessarily have the root on sys.path.
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import bench  # noqa: E402
from bench import __main__ as bench_main  # noqa: E402


def test_every_benchmark_is_registered_by_its_name() -> None:
    promised = [
        "startup",
        "commands",
        "scaffold",
        "readiness-check",
        "readiness-scan",
        "manifest-load",
        "store-overhead",
    ]
    assert [name for name in bench.BENCHMARKS if name in promised] == promised


def test_manifest_load_benchmark_returns_measurements(tmp_path: Path) -> None:
    ctx = bench.BenchContext(tmp_path, runs=2)
    measurements = bench.BENCHMARKS["manifest-load"](ctx)

    assert measurements, "the benchmark measured nothing"
    for m in measurements:
        assert m.benchmark == "manifest-load"
        assert m.runs == 2
        for value in (m.median_s, m.reference_s, m.ratio):
            assert math.isfinite(value) and value > 0
        line = m.line()
        assert (
            line.startswith("manifest-load") and "median" in line and "reference" in line and "ratio" in line
        )
    assert measurements[0].reference == "yaml.safe_load (pure-Python)"
    assert (ctx.repo / "ai-feature.yaml").is_file()


def test_unknown_benchmark_name_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        bench_main.main(["no-such-benchmark"])
    assert exit_.value.code == 2
    assert "unknown benchmark no-such-benchmark" in capsys.readouterr().err


@pytest.mark.parametrize(
    "name",
    [
        "startup",
        "scaffold",
        "store-overhead",
        "prompts-resolve",
        "eval-throughput",
        "template-update",
        "rollback",
        "runtime-overhead",
    ],
)
def test_quick_benchmarks_still_run(tmp_path: Path, name: str) -> None:
    """Each benchmark's code keeps working (one run each); the numbers themselves are not asserted."""
    measurements = bench.BENCHMARKS[name](bench.BenchContext(tmp_path, runs=1))
    assert measurements and all(m.benchmark == name and math.isfinite(m.median_s) for m in measurements)


def test_instruction_counts_refuse_clearly_without_valgrind(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bench import instructions

    monkeypatch.setenv("PATH", "")  # no valgrind (nor anything else) to be found
    with pytest.raises(SystemExit) as stopped:
        instructions.main([])
    assert stopped.value.code == 2
    assert "valgrind is not on PATH" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stopped:
        instructions.main(["--kinds", "miss,typo"])
    assert stopped.value.code == 2
    assert "--kinds: choose from miss, hit, chat" in capsys.readouterr().err


def test_instruction_counts_are_read_from_callgrinds_summary() -> None:
    from bench import instructions

    found = instructions._COLLECTED.search("==16266== Events    : Ir\n==16266== Collected : 1386029284\n")
    assert found is not None and int(found.group(1)) == 1386029284
