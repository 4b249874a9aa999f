"""`Resilient`: one provider behind its retry policy and circuit breaker; the runtime only calls these."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from platform_cli.providers.base import Completion, Provider, ProviderError
from platform_cli.providers.resilience import BreakerState, CircuitBreaker, RetryPolicy


class Resilient:
    """Calls `inner` with retries (backoff + jitter, Retry-After honoured) guarded by a breaker.

    Retryable failures (timeouts, 429, 5xx, malformed bodies, dropped connections) are retried up to
    `policy.max_retries` times and each counts against the breaker; others (400, 401) are raised at once.
    `sleep` and `rng` are injectable so tests can record the waits instead of sleeping through them.
    """

    def __init__(
        self,
        inner: Provider,
        policy: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.inner = inner
        self.policy = policy or RetryPolicy()
        self.breaker = breaker
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.waits: list[float] = []  # every backoff wait, for diagnostics and tests

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def kind(self) -> str:
        return self.inner.kind

    @property
    def model(self) -> str:
        return self.inner.model

    @property
    def state(self) -> BreakerState:
        return "closed" if self.breaker is None else self.breaker.state

    def available(self) -> bool:
        return self.breaker is None or self.breaker.available()

    def __repr__(self) -> str:
        return f"Resilient({self.inner!r}, breaker={self.state})"

    def complete(self, messages: Sequence[Mapping[str, str]], params: Mapping[str, Any]) -> Completion:
        attempts = 0
        last: ProviderError | None = None
        while True:
            if self.breaker is not None and not self.breaker.acquire():
                if last is not None:  # opened by our own failures: report the real cause
                    raise last
                wait = self.breaker.retry_in_s()
                raise ProviderError(
                    self.name,
                    f"circuit breaker open after repeated failures; next probe in {wait:.1f}s",
                    kind="breaker_open",
                    retryable=False,
                    attempts=attempts,
                )
            attempts += 1
            try:
                completion = self.inner.complete(messages, params)
            except ProviderError as error:
                error.attempts = attempts
                if self.breaker is not None:
                    if error.retryable:
                        self.breaker.record_failure()
                    else:
                        self.breaker.release()
                if not error.retryable:
                    raise
                delay = self.policy.delay(attempts, error.retry_after_s, self._rng)
                if delay is None:
                    raise
                last = error
                self.waits.append(delay)
                self._sleep(delay)
                continue
            if self.breaker is not None:
                self.breaker.record_success()
            # a new object only when it changes (the usual first-try answer is returned as it is)
            return completion if completion.attempts == attempts else replace(completion, attempts=attempts)
