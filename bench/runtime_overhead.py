"""`runtime-overhead`: Feature.complete / chat on the fake provider at zero latency vs the bare provider call.

The difference is the runtime's own cost per call (resolve, render, cache lookup/write, usage event,
history); the target is under 1 ms per call on SQLite. Sustained throughput includes writing every
usage event (the final flush is inside the timed loop).
"""

from __future__ import annotations

import itertools
import os
import statistics
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from bench.harness import BenchContext, Measurement, format_seconds, interleaved

if TYPE_CHECKING:
    from platform_cli.runtime import Feature

NAME = "runtime-overhead"
RUNS = 2000
TARGET_S = 1e-3


def _note(subject: float, reference: float, extra: str = "") -> str:
    overhead = subject - reference
    verdict = "within" if overhead < TARGET_S else "OVER"
    text = f"runtime overhead {format_seconds(overhead).strip()}/call ({verdict} the 1 ms target)"
    return f"{text}; {extra}" if extra else text


def run(ctx: BenchContext) -> list[Measurement]:
    from platform_cli.providers import FakeProvider
    from platform_cli.runtime import Feature

    runs = ctx.runs(RUNS)
    state = ctx.fresh_dir("runtime") / "state.db"
    feature = Feature.load(ctx.repo, offline=True, state_url=f"sqlite:///{state}")
    try:
        segment = feature.manifest.segments[0] if feature.manifest.segments else "general"
        variables = {"ticket": "My invoice shows a double charge for March.", "segment": segment}
        feature.complete("summarize", variables)  # publishes v1 on first use, opens the store
        resolved = feature.resolver.resolve("summarize")
        messages, params = resolved.render(variables), dict(resolved.parameters)
        bare = FakeProvider("primary", feature.providers[0].model)
        counter = itertools.count()

        def reference() -> None:
            bare.complete(messages, params)

        def miss() -> None:  # a new ticket every call: cache miss, provider call, cache write, usage event
            feature.complete(
                "summarize", {"ticket": f"ticket {next(counter)} double charge", "segment": segment}
            )

        def hit() -> None:
            feature.complete("summarize", variables)

        conversations = itertools.count()

        def chat() -> None:  # history read + two tagged turns written
            feature.chat(f"conv-{next(conversations) % 50}", "Where is my refund?", prompt="summarize",
                         variables=variables)  # fmt: skip

        miss_s, ref_s = interleaved(miss, reference, runs, warmup=20)
        hit_s, ref_hit_s = interleaved(hit, reference, runs, warmup=20)
        chat_runs = max(1, runs // 4)
        chat_s, ref_chat_s = interleaved(chat, reference, chat_runs, warmup=5)
        sustained_cpu, sustained_wall = _sustained(miss, feature, runs)
        ref_cpu = _cpu_per_call(reference, max(200, runs))
    finally:
        feature.close()
    return [
        Measurement(NAME, "Feature.complete, cache miss (SQLite)", miss_s, "bare FakeProvider.complete",
                    ref_s, runs, _note(miss_s, ref_s)),
        Measurement(NAME, "Feature.complete, cache hit (SQLite)", hit_s, "bare FakeProvider.complete",
                    ref_hit_s, runs, _note(hit_s, ref_hit_s)),
        Measurement(NAME, "Feature.chat, 2 turns saved (SQLite)", chat_s, "bare FakeProvider.complete",
                    ref_chat_s, chat_runs, _note(chat_s, ref_chat_s)),
        Measurement(NAME, "complete x N + writes flushed, CPU/call", sustained_cpu, "bare provider, CPU/call",
                    ref_cpu, runs, _note(sustained_cpu, ref_cpu, f"CPU incl. the writer thread; wall "
                                         f"{format_seconds(sustained_wall).strip()}/call at load {_load()}")),
    ]  # fmt: skip


def _load() -> str:
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "n/a"


def _sustained(
    miss: Callable[[], object], feature: Feature, runs: int, batches: int = 10
) -> tuple[float, float]:
    """(CPU, wall) seconds per call over batches of cache-miss calls, each batch timed until all its rows
    are written (the writer thread's CPU included); the median batch of each."""
    size = max(1, runs // batches)
    cpu, wall = [], []
    for _ in range(batches):
        feature.flush()
        start_cpu, start = time.process_time(), time.perf_counter()
        for _ in range(size):
            miss()
        if not feature.flush(60.0):
            raise RuntimeError(f"usage events not written: {feature.writer.last_error}")
        cpu.append((time.process_time() - start_cpu) / size)
        wall.append((time.perf_counter() - start) / size)
    return statistics.median(cpu), statistics.median(wall)


def _cpu_per_call(call: Callable[[], object], n: int) -> float:
    start = time.process_time()
    for _ in range(n):
        call()
    return (time.process_time() - start) / n
