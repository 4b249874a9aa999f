"""Retry policy, Retry-After parsing and the circuit breaker, driven by a clock the test moves."""

from __future__ import annotations

import email.utils
import random

import pytest

from platform_cli.providers import CircuitBreaker, FakeProvider, ProviderError, Resilient, RetryPolicy
from platform_cli.providers import parse_retry_after as parse

MESSAGES = [{"role": "user", "content": "hello"}]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_backoff_is_full_jitter_under_an_exponential_cap() -> None:
    policy = RetryPolicy(max_retries=5, base_delay_s=0.5, max_delay_s=3.0)
    rng = random.Random(1)
    for retry, cap in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 3.0), (5, 3.0)]:
        delays = [policy.delay(retry, None, rng) for _ in range(200)]
        assert all(d is not None and 0 <= d <= cap for d in delays)
        assert max(d for d in delays if d is not None) > cap * 0.8  # really spread over the range
    assert policy.delay(6, None, rng) is None  # retries exhausted


def test_retry_after_is_honoured_up_to_a_limit() -> None:
    policy = RetryPolicy(max_retries=2, max_retry_after_s=10)
    rng = random.Random(0)
    delay = policy.delay(1, 4.0, rng)
    assert delay is not None and 4.0 <= delay <= 4.4
    assert policy.delay(1, 11.0, rng) is None  # longer than we hold a request: fall back instead


def test_parse_retry_after_forms() -> None:
    assert parse({"Retry-After": "7"}) == 7.0
    assert parse({"retry-after": "0.5"}) == 0.5
    assert parse({"retry-after-ms": "250", "Retry-After": "9"}) == 0.25
    assert parse({"Retry-After": "soon"}) is None
    assert parse({}) is None
    date = email.utils.formatdate(1_000_030, usegmt=True)
    assert parse({"Retry-After": date}, now=lambda: 1_000_000.0) == pytest.approx(30.0)
    assert parse({"Retry-After": "-3"}) == 0.0


def test_breaker_closed_open_half_open_closed() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failure_threshold=3, reset_after_s=10, clock=clock)
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.state == "closed"
    breaker.record_success()  # consecutive failures only
    for _ in range(3):
        assert breaker.acquire()
        breaker.record_failure()
    assert breaker.state == "open" and not breaker.acquire() and not breaker.available()
    assert breaker.retry_in_s() == 10

    clock.now += 10
    assert breaker.state == "half-open" and breaker.available()
    assert breaker.acquire()  # the single trial
    assert not breaker.acquire() and not breaker.available()  # nobody else while it runs
    breaker.record_failure()
    assert breaker.state == "open" and breaker.opened_count == 2

    clock.now += 10
    assert breaker.acquire()
    breaker.record_success()
    assert breaker.state == "closed" and breaker.acquire()


def test_breaker_options() -> None:
    assert CircuitBreaker.from_options({"circuit_breaker": False}) is None
    configured = CircuitBreaker.from_options(
        {"circuit_breaker": {"failure_threshold": 2, "reset_after_s": 1}}
    )
    assert configured is not None and (configured.failure_threshold, configured.reset_after_s) == (2, 1.0)
    default = CircuitBreaker.from_options({})
    assert default is not None and default.failure_threshold == 5  # on by default
    with pytest.raises(ValueError):
        CircuitBreaker(0)


def test_resilient_retries_retryable_faults_and_counts_attempts() -> None:
    waits: list[float] = []
    flaky = FakeProvider("p", "m", seed=3, error_rate=0.5)
    guarded = Resilient(flaky, RetryPolicy(max_retries=10), CircuitBreaker(50), sleep=waits.append)
    for _ in range(20):
        completion = guarded.complete(MESSAGES, {})
        assert completion.attempts >= 1
    assert flaky.calls == 20 + len(waits)  # every failed attempt was retried after one recorded wait
    assert waits


def test_resilient_does_not_retry_deterministic_failures() -> None:
    waits: list[float] = []
    guarded = Resilient(FakeProvider("p", "m", fail=True), RetryPolicy(max_retries=3), CircuitBreaker(1),
                        sleep=waits.append)  # fmt: skip
    for _ in range(3):
        with pytest.raises(ProviderError) as caught:
            guarded.complete(MESSAGES, {})
        assert caught.value.kind == "injected" and caught.value.attempts == 1
    assert waits == [] and guarded.state == "closed"  # not a health signal


def test_breaker_opened_by_retries_reports_the_real_cause() -> None:
    guarded = Resilient(FakeProvider("p", "m", error_rate=1.0), RetryPolicy(max_retries=5), CircuitBreaker(2),
                        sleep=lambda s: None)  # fmt: skip
    with pytest.raises(ProviderError) as caught:
        guarded.complete(MESSAGES, {})
    assert caught.value.kind == "server" and caught.value.attempts == 2
    assert guarded.state == "open"
