"""Retries with exponential backoff and full jitter that honour Retry-After, and a per-provider breaker."""

from __future__ import annotations

import email.utils
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

BreakerState = Literal["closed", "open", "half-open"]


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait between attempts at one provider.

    Without Retry-After the wait before retry n (1-based) is uniform in [0, min(max_delay_s,
    base_delay_s * 2**(n-1))] ("full jitter": retries from many clients do not line up). A Retry-After
    up to `max_retry_after_s` is honoured exactly (plus up to 10% jitter); a longer one is not waited
    for at all: the runtime moves on to the next provider instead of holding the request.
    """

    max_retries: int = 2
    base_delay_s: float = 0.25
    max_delay_s: float = 4.0
    max_retry_after_s: float = 10.0

    def delay(self, retry: int, retry_after_s: float | None, rng: random.Random) -> float | None:
        """Seconds to wait before retry number `retry` (1-based); None: do not retry."""
        if retry > self.max_retries:
            return None
        if retry_after_s is not None:
            if retry_after_s > self.max_retry_after_s:
                return None
            return retry_after_s + rng.uniform(0.0, 0.1 * retry_after_s)
        cap = min(self.max_delay_s, self.base_delay_s * (2 ** (retry - 1)))
        return rng.uniform(0.0, cap)

    @classmethod
    def from_options(cls, max_retries: int | None, options: Mapping[str, Any]) -> RetryPolicy:
        retry: Mapping[str, Any] = options.get("retry") or {}
        default = cls()
        return cls(
            max_retries=default.max_retries if max_retries is None else max_retries,
            base_delay_s=float(retry.get("base_delay_s", default.base_delay_s)),
            max_delay_s=float(retry.get("max_delay_s", default.max_delay_s)),
            max_retry_after_s=float(retry.get("max_retry_after_s", default.max_retry_after_s)),
        )


def parse_retry_after(headers: Mapping[str, str], now: Callable[[], float] = time.time) -> float | None:
    """Seconds the server asked us to wait: `retry-after-ms`, else `Retry-After` (seconds or HTTP date)."""
    lowered = {key.lower(): value for key, value in headers.items()}
    millis = lowered.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000.0)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now())


class CircuitBreaker:
    """Stops calling a provider that keeps failing, and probes it again after `reset_after_s`.

    closed: calls go through; `failure_threshold` consecutive failures open it.
    open: calls are refused at once (the runtime falls back) until `reset_after_s` has passed.
    half-open: ONE trial call goes through (others are refused); its success closes the breaker,
    its failure opens it again for another `reset_after_s`. Thread-safe; per process.
    """

    def __init__(
        self,
        failure_threshold: int = 5,
        reset_after_s: float = 30.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1 or reset_after_s < 0:
            raise ValueError("failure_threshold must be >= 1 and reset_after_s >= 0")
        self.failure_threshold = failure_threshold
        self.reset_after_s = reset_after_s
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False
        self.opened_count = 0

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> CircuitBreaker | None:
        """`options.circuit_breaker`: {failure_threshold, reset_after_s} or `false` to turn it off."""
        raw = options.get("circuit_breaker", {})
        if raw is False:
            return None
        settings: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        return cls(int(settings.get("failure_threshold", 5)), float(settings.get("reset_after_s", 30.0)))

    @property
    def state(self) -> BreakerState:
        with self._lock:
            return self._state()

    def _state(self) -> BreakerState:
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at >= self.reset_after_s:
            return "half-open"
        return "open"

    def retry_in_s(self) -> float:
        """Seconds until an open breaker lets a trial call through (0 when not open)."""
        with self._lock:
            if self._opened_at is None:
                return 0.0
            return max(0.0, self.reset_after_s - (self._clock() - self._opened_at))

    def available(self) -> bool:
        """Would a call be let through now (without reserving the half-open trial)?"""
        with self._lock:
            state = self._state()
            return state == "closed" or (state == "half-open" and not self._trial_running)

    def acquire(self) -> bool:
        """May a call go through now? In half-open state this reserves the single trial call."""
        with self._lock:
            state = self._state()
            if state == "closed":
                return True
            if state == "half-open" and not self._trial_running:
                self._trial_running = True
                return True
            return False

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._trial_running = False

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._trial_running or self._failures >= self.failure_threshold:
                if self._opened_at is None or self._trial_running:
                    self.opened_count += 1
                self._opened_at = self._clock()
                self._trial_running = False

    def release(self) -> None:
        """End a trial call that neither succeeded nor failed in a way that counts (e.g. a 400)."""
        with self._lock:
            self._trial_running = False
