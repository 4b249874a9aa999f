"""The run loop: ask every (case, repeat) concurrently, score each answer, hand results to the recorder.

Work is pulled lazily from the dataset stream and at most `limiter.limit` calls are in flight, so memory
does not grow with the dataset. Rate-limited calls are put back in the queue after the limiter's pause.
Ctrl-C stops new calls, lets the calls in flight finish (a second Ctrl-C abandons them), records every
finished result and raises `Interrupted`, so nothing that finished is lost.
"""

from __future__ import annotations

import contextlib
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Protocol

from platform_cli.evals.limiter import AdaptiveLimiter
from platform_cli.evals.model import Answer, Case, CaseResult, combine
from platform_cli.evals.scorers.base import Configured

MAX_ATTEMPTS = 8  # a case rate-limited this often is recorded as an error


class CallError(Exception):
    """A call that produced no answer. `rate_limited`: put it back and slow down, do not record it."""

    def __init__(
        self,
        message: str,
        *,
        rate_limited: bool = False,
        retry_after_s: float | None = None,
        not_sent: bool = False,
    ) -> None:
        super().__init__(message)
        self.rate_limited = rate_limited
        self.retry_after_s = retry_after_s
        self.not_sent = not_sent  # held back by an open circuit breaker: no request was made


class Caller(Protocol):
    def __call__(self, case: Case, repeat: int) -> Answer: ...


class Sink(Protocol):
    def add(self, result: CaseResult) -> None: ...


class Interrupted(Exception):
    """Ctrl-C: the results that finished were recorded; `tally` says how many."""

    def __init__(self, tally: Tally) -> None:
        super().__init__("interrupted")
        self.tally = tally


@dataclass
class Tally:
    total: int
    done: int = 0
    passed: int = 0
    errors: int = 0
    retried: int = 0
    started: float = field(default_factory=time.monotonic)
    concurrency: int = 0

    @property
    def elapsed_s(self) -> float:
        return time.monotonic() - self.started

    @property
    def eta_s(self) -> float | None:
        if self.done == 0:
            return None
        return self.elapsed_s / self.done * max(0, self.total - self.done)


def score_answer(
    case: Case, repeat: int, answer: Answer, scorers: Sequence[Configured], keep_output: bool = True
) -> CaseResult:
    scores = tuple(scorer(answer, case) for scorer in scorers)
    value, passed = combine(scores)
    return CaseResult(
        case.id, repeat, case.segment, value, passed, scores, answer.text if keep_output else None,
        answer.latency_ms, answer.cost_usd, answer.cache_hit, None, case.tags,
    )  # fmt: skip


def error_result(case: Case, repeat: int, message: str) -> CaseResult:
    return CaseResult(case.id, repeat, case.segment, 0.0, False, (), None, error=message, tags=case.tags)


def _attempt(
    caller: Caller, scorers: Sequence[Configured], case: Case, repeat: int
) -> tuple[CaseResult, int]:
    try:
        answer = caller(case, repeat)
    except CallError as error:
        if error.rate_limited:
            raise
        return error_result(case, repeat, str(error)), 1
    return score_answer(case, repeat, answer, scorers), answer.attempts


def execute(
    work: Iterable[tuple[Case, int]],
    *,
    total: int,
    caller: Caller,
    scorers: Sequence[Configured],
    sink: Sink,
    limiter: AdaptiveLimiter,
    progress: Callable[[Tally], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Tally:
    """Run `work`; return the tally. Raises Interrupted on Ctrl-C after recording what finished."""
    tally = Tally(total=total, concurrency=limiter.limit)
    queue: Iterator[tuple[Case, int]] = iter(work)
    again: deque[tuple[Case, int, int]] = deque()  # rate-limited: (case, repeat, attempts so far)
    running: dict[Future[tuple[CaseResult, int]], tuple[Case, int, int]] = {}
    pool = ThreadPoolExecutor(max_workers=limiter.ceiling, thread_name_prefix="eval-call")
    exhausted = False

    def finish(future: Future[tuple[CaseResult, int]]) -> None:
        case, repeat, attempts = running.pop(future)
        try:
            result, used = future.result()
        except CallError as error:
            limiter.throttled(error.retry_after_s)
            tally.retried += 1
            if error.not_sent:  # the breaker will probe on its own: wait for it, it costs no attempt
                again.append((case, repeat, attempts))
                return
            if attempts + 1 >= MAX_ATTEMPTS:
                result = error_result(case, repeat, f"rate-limited {attempts + 1} times: {error}")
            else:
                again.append((case, repeat, attempts + 1))
                return
        else:
            limiter.success(used)
        sink.add(result)
        tally.done += 1
        tally.passed += result.passed
        tally.errors += result.error is not None
        tally.concurrency = limiter.limit
        if progress is not None:
            progress(tally)

    try:
        while True:
            pause = limiter.wait_s()
            while not pause and len(running) < limiter.limit:
                if again:
                    item = again.popleft()
                elif not exhausted:
                    nxt = next(queue, None)
                    if nxt is None:
                        exhausted = True
                        continue
                    item = (nxt[0], nxt[1], 0)
                else:
                    break
                running[pool.submit(_attempt, caller, scorers, item[0], item[1])] = item
            if not running:
                if exhausted and not again:
                    break
                sleep(min(pause, 0.5) if pause else 0.01)
                continue
            done, _ = wait(
                list(running), timeout=min(pause, 0.5) if pause else 0.5, return_when=FIRST_COMPLETED
            )
            for future in done:
                finish(future)
    except KeyboardInterrupt:
        _drain(running, finish)
        pool.shutdown(wait=False, cancel_futures=True)
        raise Interrupted(tally) from None
    pool.shutdown(wait=True)
    return tally


def _drain(
    running: dict[Future[tuple[CaseResult, int]], tuple[Case, int, int]],
    finish: Callable[[Future[tuple[CaseResult, int]]], None],
) -> None:
    """Let the calls in flight finish and record them; a second Ctrl-C abandons them."""
    try:
        for future in list(running):
            with contextlib.suppress(Exception):  # finish() below records whatever happened
                future.result(timeout=60)
            if future.done():
                finish(future)
    except KeyboardInterrupt:
        return
