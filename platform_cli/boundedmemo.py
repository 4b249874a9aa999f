"""A per-process memo with a bound: what every loader that remembers results within one process uses.

An org-wide `readiness scan` meets the same template files, rules and values in repo after repo, so loaders
remember what they worked out; a process that meets thousands of distinct ones must not grow without end.
Past `limit` entries the memo starts again empty: cheaper than tracking ages, and a forgotten entry only
costs the work of finding it again.
"""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class BoundedMemo(dict[K, V]):
    """A dict (lookups are plain dict lookups) whose `keep` empties it first when it holds `limit` entries."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def keep(self, key: K, value: V) -> V:
        """Remember `value` under `key` (forgetting everything first when full); returns `value`."""
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value
