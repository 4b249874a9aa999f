"""`runtime-overhead`: Feature.complete / chat on the fake provider at zero latency vs the bare provider call.

The difference is the runtime's own cost per call (resolve, render, cache lookup/write, usage event,
history); the target is under 1 ms per call on SQLite. Sustained throughput includes writing every
usage event (the final flush is inside the timed loop).

Online scoring (spec.rollout.online_scoring) is measured against the same calls with it off; the target is
within 10% per call (the request path; counted in the summary line). The CPU lines add the writer thread's
work off the request path (storing the samples) and are reported, not targeted. Two loads: the share the
golden-path template samples (5%) and every answer sampled (all traffic on a canary under its cap: the
worst case, two rows written per call instead of one). The last two
lines time the design not taken, scoring each sampled answer in a thread of the serving process, to show
what keeping scoring off that process saves.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import statistics
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from bench.harness import BenchContext, Measurement, Target, format_seconds, interleaved

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
        scoring = _online_scoring(feature, miss, runs)
    finally:
        feature.close()
    return [*scoring,
        Measurement(NAME, "Feature.complete, cache miss (SQLite)", miss_s, "bare FakeProvider.complete",
                    ref_s, runs, _note(miss_s, ref_s), _overhead_target(miss_s, ref_s)),
        Measurement(NAME, "Feature.complete, cache hit (SQLite)", hit_s, "bare FakeProvider.complete",
                    ref_hit_s, runs, _note(hit_s, ref_hit_s), _overhead_target(hit_s, ref_hit_s)),
        Measurement(NAME, "Feature.chat, 2 turns saved (SQLite)", chat_s, "bare FakeProvider.complete",
                    ref_chat_s, chat_runs, _note(chat_s, ref_chat_s), _overhead_target(chat_s, ref_chat_s)),
        Measurement(NAME, "complete x N + writes flushed, CPU/call", sustained_cpu, "bare provider, CPU/call",
                    ref_cpu, runs, _note(sustained_cpu, ref_cpu, f"CPU incl. the writer thread; wall "
                                         f"{format_seconds(sustained_wall).strip()}/call at load {_load()}")),
    ]  # fmt: skip


SCORING_TARGET = 1.10


def _overhead_target(subject: float, reference: float) -> Target:
    return Target("overhead < 1 ms", subject - reference < TARGET_S)


def _online_scoring(feature: Feature, miss: Callable[[], object], runs: int) -> list[Measurement]:
    """Cache-miss calls with online scoring on (5% sampled; every answer sampled) against it off, per call
    and sustained (CPU incl. the writer storing the samples); and scoring in the serving process."""
    from platform_cli.runtime.sampling import OnlineSampler

    usual, every = OnlineSampler(0.05, 0, 10_000), OnlineSampler(1.0, 0, 10_000)

    def with_sampler(sampler: OnlineSampler | None) -> Callable[[], None]:
        def call() -> None:
            feature.sampler = sampler
            miss()

        return call

    off = with_sampler(None)
    out = []
    for name, sampler in (("5% of answers", usual), ("every answer", every)):
        on = with_sampler(sampler)
        on_s, off_s = interleaved(on, off, runs, warmup=20)
        on_cpu, off_cpu = _sustained_pair(on, off, feature, runs)
        out += [
            Measurement(NAME, f"online scoring on ({name}), per call", on_s, "online scoring off", off_s,
                        runs, _ratio_note(on_s, off_s), Target.ratio_at_most(on_s / off_s, SCORING_TARGET)),
            Measurement(NAME, f"online scoring on ({name}), CPU/call", on_cpu, "online scoring off, CPU/call",
                        off_cpu, runs, _ratio_note(on_cpu, off_cpu, "incl. the writer storing samples")),
        ]  # fmt: skip
    with _scoring_thread(feature) as in_process:
        scored_s, queued_s = interleaved(in_process, with_sampler(every), runs, warmup=20)
        scored_cpu, queued_cpu = _sustained_pair(in_process, with_sampler(every), feature, runs)
    feature.sampler = None
    note = "the design not taken: every sampled answer also scored (refusal, max-sentences) by a thread of "
    out += [
        Measurement(NAME, "scored in the serving process, per call", scored_s, "queued for `rollout score`",
                    queued_s, runs, note + "the serving process"),
        Measurement(NAME, "scored in the serving process, CPU/call", scored_cpu, "queued for `rollout score`",
                    queued_cpu, runs, note + "the serving process; CPU it no longer has for answers"),
    ]  # fmt: skip
    return out


def _ratio_note(subject: float, reference: float, extra: str = "") -> str:
    ratio = subject / reference if reference > 0 else float("inf")
    verdict = "within" if ratio <= SCORING_TARGET else "over"
    text = f"{ratio:.3f}x of online scoring off ({verdict} 10%)"
    return f"{text}; {extra}" if extra else text


def _sustained_pair(
    subject: Callable[[], object], reference: Callable[[], object], feature: Feature, runs: int
) -> tuple[float, float]:
    """CPU per call of each, in alternating batches (load drifts hit both alike), rows written each time."""
    subject_cpu, reference_cpu = [], []
    for _ in range(8):
        subject_cpu.append(_sustained(subject, feature, runs, batches=4)[0])
        reference_cpu.append(_sustained(reference, feature, runs, batches=4)[0])
    return statistics.median(subject_cpu), statistics.median(reference_cpu)


@contextlib.contextmanager
def _scoring_thread(feature: Feature) -> Iterator[Callable[[], None]]:
    """A cache-miss call whose answer is sampled and also scored by a thread of this process."""
    import queue
    import threading

    from platform_cli.evals.model import Answer, Case
    from platform_cli.evals.scorers.base import ScorerContext
    from platform_cli.evals.suites import build_entry, scorer_entry
    from platform_cli.runtime.sampling import OnlineSampler

    entries = [{"type": "refusal"}, {"type": "max-sentences", "max": 2}]
    scorers = [
        build_entry(scorer_entry(i, item), ScorerContext(feature.root)) for i, item in enumerate(entries)
    ]
    work: queue.Queue[str | None] = queue.Queue()
    sampler = OnlineSampler(1.0, 0, 10_000)

    def score() -> None:
        while (text := work.get()) is not None:
            for scorer in scorers:
                scorer(Answer(text=text), Case(id="live", input={}))

    worker = threading.Thread(target=score, daemon=True)
    worker.start()
    counter = itertools.count()
    segment = feature.manifest.segments[0] if feature.manifest.segments else "general"

    def call() -> None:
        feature.sampler = sampler
        result = feature.complete("summarize", {"ticket": f"scored {next(counter)}", "segment": segment})
        work.put(result.text)

    try:
        yield call
    finally:
        work.put(None)
        worker.join(10)


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
