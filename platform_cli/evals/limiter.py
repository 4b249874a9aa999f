"""Adaptive concurrency for eval runs: additive increase, multiplicative decrease on 429s (AIMD).

The runner keeps at most `limit` calls in flight. A call the provider rate-limited (HTTP 429, after the
provider's own retries, or an open circuit breaker) halves the limit and pauses new calls for the
Retry-After the provider asked for; a call that only got through after retries lowers it by a quarter.
Every `limit` clean answers raise it by one, back up to the ceiling given with `-j`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

MAX_PAUSE_S = 60.0
DEFAULT_PAUSE_S = 1.0


class AdaptiveLimiter:
    def __init__(self, ceiling: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        if ceiling < 1:
            raise ValueError("concurrency must be at least 1")
        self.ceiling = ceiling
        self._limit = float(ceiling)
        self._clock = clock
        self._paused_until = 0.0
        self._lock = threading.Lock()
        self.rate_limited = 0  # calls that came back rate-limited
        self.lowest = ceiling  # the lowest limit reached (reported with the run)

    @property
    def limit(self) -> int:
        return max(1, int(self._limit))

    def wait_s(self) -> float:
        """Seconds to hold new calls back (0 when they may start now)."""
        return max(0.0, self._paused_until - self._clock())

    def success(self, attempts: int = 1) -> None:
        """A call answered; `attempts` > 1 means the provider's retries were needed (slow down a little)."""
        with self._lock:
            if attempts > 1:
                self._decrease(0.75)
            else:
                self._limit = min(float(self.ceiling), self._limit + 1.0 / max(1.0, self._limit))

    def throttled(self, retry_after_s: float | None) -> None:
        """A call was rate-limited: halve the limit and pause for Retry-After (or a second)."""
        with self._lock:
            self.rate_limited += 1
            self._decrease(0.5)
            pause = min(
                MAX_PAUSE_S, retry_after_s if retry_after_s and retry_after_s > 0 else DEFAULT_PAUSE_S
            )
            self._paused_until = max(self._paused_until, self._clock() + pause)

    def _decrease(self, factor: float) -> None:
        self._limit = max(1.0, self._limit * factor)
        self.lowest = min(self.lowest, self.limit)
