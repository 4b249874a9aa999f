"""Benchmarks (`make bench`): each prints median times as ratios against a reference timed in the same run."""

from __future__ import annotations

from collections.abc import Callable

from bench import (
    commands,
    cost,
    eval_throughput,
    manifest_load,
    prompts_resolve,
    readiness_check,
    readiness_scan,
    rollback,
    runtime_overhead,
    scaffold,
    startup,
    store_overhead,
    template_update,
)
from bench.harness import BenchContext, Measurement

__all__ = ["BENCHMARKS", "BenchContext", "Benchmark", "Measurement"]

Benchmark = Callable[[BenchContext], list[Measurement]]

# Run order of `python -m bench` with no names.
BENCHMARKS: dict[str, Benchmark] = {
    startup.NAME: startup.run,
    commands.NAME: commands.run,
    scaffold.NAME: scaffold.run,
    readiness_check.NAME: readiness_check.run,
    readiness_scan.NAME: readiness_scan.run,
    manifest_load.NAME: manifest_load.run,
    store_overhead.NAME: store_overhead.run,
    prompts_resolve.NAME: prompts_resolve.run,
    runtime_overhead.NAME: runtime_overhead.run,
    eval_throughput.NAME: eval_throughput.run,
    template_update.NAME: template_update.run,
    cost.NAME: cost.run,
    rollback.NAME: rollback.run,
}
