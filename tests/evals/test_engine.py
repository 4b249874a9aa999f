"""The run loop on its own: adaptive back-off on rate limits, Ctrl-C keeps what finished, memory stays flat.

The caller here is a plain function (no runtime): these tests are about the loop, and the runtime path is
covered end to end by test_resume.py and test_rate_limits below against a real loopback server.
"""

from __future__ import annotations

import itertools
import signal
import threading
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from eval_repos import against_server, ticket_rows, write_dataset, write_suite
from llm_server import OPENAI_PATH, Reply, running_llm_server

from platform_cli.evals.engine import CallError, Interrupted, execute
from platform_cli.evals.limiter import AdaptiveLimiter
from platform_cli.evals.model import Answer, Case, CaseResult
from platform_cli.evals.runs import RunRequest, run_suite
from platform_cli.evals.scorers import Configured, Raw, ScorerConfig
from platform_cli.evals.scorers.registry import lookup


def _scorers() -> list[Configured]:
    config = ScorerConfig("contains", "contains", value="ok")
    return [Configured(config, lookup("contains")[1](config, None))]  # type: ignore[arg-type]


def _cases(n: int) -> Iterator[tuple[Case, int]]:
    return ((Case(f"c{i}", {"i": i}, segment="s"), 0) for i in range(n))


class Sink:
    def __init__(self) -> None:
        self.results: list[CaseResult] = []

    def add(self, result: CaseResult) -> None:
        self.results.append(result)


def test_a_provider_that_rate_limits_slows_the_run_down_and_every_case_still_finishes() -> None:
    lock, in_flight, calls = threading.Lock(), [0], itertools.count()

    def capped(case: Case, repeat: int) -> Answer:  # a provider that allows 6 concurrent calls
        next(calls)
        with lock:
            in_flight[0] += 1
            busy = in_flight[0]
        try:
            if busy > 6:
                raise CallError("HTTP 429", rate_limited=True, retry_after_s=0.02)
            time.sleep(0.005)
            return Answer("ok")
        finally:
            with lock:
                in_flight[0] -= 1

    limiter, sink = AdaptiveLimiter(32), Sink()
    tally = execute(_cases(300), total=300, caller=capped, scorers=_scorers(), sink=sink, limiter=limiter)
    assert tally.done == 300 and tally.errors == 0 and len({r.case_id for r in sink.results}) == 300
    assert limiter.rate_limited > 0 and limiter.lowest <= 8  # it backed off below the provider's cap...
    assert next(calls) - 300 == tally.retried  # ...and every rate-limited call was asked again, once each


def test_ctrl_c_keeps_every_finished_result_and_calls_nothing_more() -> None:
    called: list[str] = []

    def slow(case: Case, repeat: int) -> Answer:
        called.append(case.id)
        time.sleep(0.01)
        return Answer("ok")

    def stop_after_20(tally: object) -> None:
        if getattr(tally, "done", 0) == 20:
            raise KeyboardInterrupt

    sink = Sink()
    with pytest.raises(Interrupted) as stopped:
        execute(_cases(500), total=500, caller=slow, scorers=_scorers(), sink=sink,
                limiter=AdaptiveLimiter(4), progress=stop_after_20)  # fmt: skip
    time.sleep(0.05)
    assert stopped.value.tally.done == len(sink.results) >= 20
    assert sorted(r.case_id for r in sink.results) == sorted(called)  # calls in flight were finished and kept
    assert len(called) < 30


def test_memory_stays_flat_over_100k_cases() -> None:
    answer = Answer("ok " + "x" * 2000)  # 2 KB answers: 200 MB if anything held them all

    class Discard:
        count = 0

        def add(self, result: CaseResult) -> None:
            self.count += 1

    def peak(n: int) -> int:
        tracemalloc.start()
        sink = Discard()
        execute(_cases(n), total=n, caller=lambda c, r: answer, scorers=_scorers(), sink=sink,
                limiter=AdaptiveLimiter(8))  # fmt: skip
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert sink.count == n
        return top

    small, large = peak(10_000), peak(100_000)
    assert large < small + 2_000_000, (small, large)  # 10x the cases, not 10x the memory


def test_a_real_provider_answering_429_is_backed_off_and_the_run_completes(tmp_path: Path) -> None:
    with running_llm_server() as server:
        burst = [Reply(429, body={"error": {"message": "slow down"}}, headers={"Retry-After": "0"})] * 12
        server.script(OPENAI_PATH, *burst)
        root = against_server(tmp_path / "repo", server.base_url)
        manifest = root / "ai-feature.yaml"  # a breaker that probes again after 1 s instead of 30 s
        key = "      api_key_secret: PRIMARY_API_KEY\n"
        breaker = "      options: {circuit_breaker: {reset_after_s: 1}}\n"
        manifest.write_text(manifest.read_text().replace(key, key + breaker, 1))
        write_suite(root, "rl", "name: rl\nprompt: summarize\ndataset: evals/datasets/rl.jsonl\n"
                    "scorers: [{type: refusal}]\n")  # fmt: skip
        write_dataset(root, "rl", ticket_rows(40))
        outcome = run_suite(RunRequest(root, "rl", concurrency=8, no_cache=True, offline=False))
        statuses = server.count(OPENAI_PATH)
    assert outcome.tally.done == 40 and outcome.tally.errors == 0 and outcome.passed
    assert statuses >= 40 + 12  # every 429 was followed by another try
    # every call was recorded as eval traffic of this run, so cost reports can set it apart
    from platform_cli.manifest import load_manifest, resolve_state_url
    from platform_cli.store import open_store

    manifest = load_manifest(root / "ai-feature.yaml")
    with open_store(resolve_state_url(manifest)) as store:
        events = store.usage_events(manifest.name)
    assert len(events) >= 40
    assert {(e.traffic, e.eval_run_id) for e in events} == {("eval", outcome.run.run_id)}


def test_a_judge_that_fails_records_the_case_as_an_error_and_a_rate_limited_one_keeps_the_answer() -> None:
    asked: list[str] = []
    judged: list[str] = []

    def caller(case: Case, repeat: int) -> Answer:
        asked.append(case.id)
        return Answer("ok")

    def judge(answer: Answer, case: Case) -> Raw:
        judged.append(case.id)
        if case.id == "c0":
            raise CallError("HTTP 500 from the grader")
        if case.id == "c1" and judged.count("c1") < 3:
            raise CallError("HTTP 429", rate_limited=True, retry_after_s=0.01)
        return Raw(1.0, "fine")

    config = ScorerConfig("judge", "judge")
    scorers = [*_scorers(), Configured(config, judge)]
    sink = Sink()
    tally = execute(_cases(3), total=3, caller=caller, scorers=scorers, sink=sink, limiter=AdaptiveLimiter(2))
    by_case = {r.case_id: r for r in sink.results}
    assert by_case["c0"].error == "scorer judge: HTTP 500 from the grader" and tally.errors == 1
    assert by_case["c1"].passed and by_case["c1"].error is None and len(by_case["c1"].scores) == 2
    assert tally.retried == 2 and judged.count("c1") == 3
    assert sorted(asked) == ["c0", "c1", "c2"]  # the rate-limited judge was asked again, not the case


@pytest.fixture
def python_sigint() -> Iterator[None]:
    """Python's own SIGINT handler, whatever this process inherited: a shell starts background jobs with
    SIGINT ignored (`pytest ... &`), and an ignored signal never reaches the run loop."""
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, inherited)


@pytest.mark.usefixtures("python_sigint")
def test_a_real_ctrl_c_in_the_main_thread_is_read_between_results_and_loses_none() -> None:
    # The signal arrives while a result is being recorded (inside the sink): with Ctrl-C raised as an
    # exception there, that answer would be lost between leaving the set in flight and reaching the sink.
    called: list[str] = []

    def slow(case: Case, repeat: int) -> Answer:
        called.append(case.id)
        time.sleep(0.005)
        return Answer("ok")

    class SignalledSink(Sink):
        def add(self, result: CaseResult) -> None:
            if len(self.results) == 15:
                signal.raise_signal(signal.SIGINT)  # delivered right here, mid-record
            super().add(result)

    sink = SignalledSink()
    before = signal.getsignal(signal.SIGINT)
    with pytest.raises(Interrupted) as stopped:
        execute(_cases(500), total=500, caller=slow, scorers=_scorers(), sink=sink,
                limiter=AdaptiveLimiter(4), progress=None)  # fmt: skip
    assert stopped.value.tally.done == len(sink.results) > 15
    assert sorted(r.case_id for r in sink.results) == sorted(called)  # every answer asked for was kept
    assert len(called) < 40
    assert signal.getsignal(signal.SIGINT) is before  # Python's own handler is back
