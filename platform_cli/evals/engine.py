"""The run loop: ask every (case, repeat) concurrently, score each answer, hand results to the recorder.

Work is pulled lazily from the dataset stream and at most `limiter.limit` cases are in flight, so memory
does not grow with the dataset. Rate-limited calls are put back in the queue after the limiter's pause:
the case's own call, and a judge's (a scorer raising a rate-limited `CallError`), which share the one
limiter. A case whose judge was rate-limited keeps its answer and the scores already given, so only the
judge is asked again.
Ctrl-C stops new calls, lets the calls in flight finish (a second Ctrl-C abandons them), records every
finished result and raises `Interrupted`, so nothing that finished is lost. While the loop runs in the main
thread, the first Ctrl-C only sets a flag the loop reads between results: a KeyboardInterrupt raised in the
middle of recording one (after it left the set in flight, before the sink had it) would lose that answer.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from queue import Empty, SimpleQueue
from typing import NamedTuple, Protocol

from platform_cli.evals.limiter import AdaptiveLimiter
from platform_cli.evals.model import Answer, CallError, Case, CaseResult, Score, combine
from platform_cli.evals.scorers.base import Configured

MAX_ATTEMPTS = 8  # a case rate-limited this often is recorded as an error


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


class Partial(NamedTuple):
    """A case that has its answer but whose scoring was rate-limited: the scores given so far."""

    answer: Answer
    scores: tuple[Score, ...]


class Item(NamedTuple):
    case: Case
    repeat: int
    attempts: int = 0  # rate-limited tries so far
    partial: Partial | None = None


class Throttled(Exception):
    """A rate-limited call (the case's or a judge's): back off, then try `item` again."""

    def __init__(self, error: CallError, partial: Partial | None) -> None:
        super().__init__(str(error))
        self.error = error
        self.partial = partial


def result_of(
    case: Case, repeat: int, answer: Answer, scores: tuple[Score, ...], keep_output: bool = True
) -> CaseResult:
    value, passed = combine(scores)
    return CaseResult(
        case.id, repeat, case.segment, value, passed, scores, answer.text if keep_output else None,
        answer.latency_ms, answer.cost_usd, answer.cache_hit, None, case.tags,
    )  # fmt: skip


def error_result(case: Case, repeat: int, message: str) -> CaseResult:
    return CaseResult(case.id, repeat, case.segment, 0.0, False, (), None, error=message, tags=case.tags)


def _attempt(caller: Caller, scorers: Sequence[Configured], item: Item) -> tuple[CaseResult, int]:
    """Ask and score one case; (result, HTTP requests its answer took). Raises Throttled on a rate limit."""
    case, repeat, _, partial = item
    if partial is None:
        try:
            answer = caller(case, repeat)
        except CallError as error:
            if error.rate_limited:
                raise Throttled(error, None) from None
            return error_result(case, repeat, str(error)), 1
        partial = Partial(answer, ())
    answer, scores = partial.answer, list(partial.scores)
    for scorer in scorers[len(scores) :]:
        try:
            scores.append(scorer(answer, case))
        except CallError as error:  # a judge's call: retried like the case's, or the case is an error
            if error.rate_limited:
                raise Throttled(error, Partial(answer, tuple(scores))) from None
            return error_result(case, repeat, f"scorer {scorer.id}: {error}"), answer.attempts
    return result_of(case, repeat, answer, tuple(scores)), answer.attempts


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
    again: deque[Item] = deque()  # rate-limited, to be tried again
    running: dict[Future[tuple[CaseResult, int]], Item] = {}
    # finished futures, in the order they finished: one put and one get per case (waiting on all the
    # futures in flight instead cost a lock round on each of them for every case that finished)
    finished: SimpleQueue[Future[tuple[CaseResult, int]]] = SimpleQueue()
    pool = ThreadPoolExecutor(max_workers=limiter.ceiling, thread_name_prefix="eval-call")
    exhausted = False
    ctrl_c = _CtrlC()

    def finish(future: Future[tuple[CaseResult, int]]) -> None:
        item = running.pop(future)
        try:
            result, used = future.result()
        except Throttled as throttled:
            error = throttled.error
            limiter.throttled(error.retry_after_s)
            tally.retried += 1
            item = item._replace(partial=throttled.partial)
            if error.not_sent:  # the breaker will probe on its own: wait for it, it costs no attempt
                again.append(item)
                return
            if item.attempts + 1 >= MAX_ATTEMPTS:
                message = f"rate-limited {item.attempts + 1} times: {error}"
                result, used = error_result(item.case, item.repeat, message), 1
            else:
                again.append(item._replace(attempts=item.attempts + 1))
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
        ctrl_c.install()
        while True:
            if ctrl_c.pressed:
                raise KeyboardInterrupt
            pause = limiter.wait_s()
            while not pause and len(running) < limiter.limit:
                if again:
                    item = again.popleft()
                elif not exhausted:
                    nxt = next(queue, None)
                    if nxt is None:
                        exhausted = True
                        continue
                    item = Item(nxt[0], nxt[1])
                else:
                    break
                future = pool.submit(_attempt, caller, scorers, item)
                running[future] = item
                future.add_done_callback(finished.put)
            if not running:
                if exhausted and not again:
                    break
                sleep(min(pause, 0.5) if pause else 0.01)
                continue
            try:
                finish(finished.get(timeout=min(pause, 0.5) if pause else 0.5))
                while True:  # and every other one that finished meanwhile, before starting more
                    finish(finished.get_nowait())
            except Empty:
                pass
    except KeyboardInterrupt:
        ctrl_c.restore()  # a second Ctrl-C now interrupts the drain
        _drain(running, finish)
        pool.shutdown(wait=False, cancel_futures=True)
        raise Interrupted(tally) from None
    finally:
        ctrl_c.restore()
    pool.shutdown(wait=True)
    return tally


class _CtrlC:
    """SIGINT as a flag while installed (main thread only, and only over Python's default handler: a
    handler someone else installed is left alone, and so is a loop run from another thread)."""

    def __init__(self) -> None:
        self.pressed = False
        self._installed = False

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
            return
        signal.signal(signal.SIGINT, self._press)
        self._installed = True

    def _press(self, signum: int, frame: object) -> None:
        self.pressed = True

    def restore(self) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, signal.default_int_handler)
            self._installed = False


def _drain(
    running: dict[Future[tuple[CaseResult, int]], Item],
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
