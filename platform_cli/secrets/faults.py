"""Fault injection for the rotation tests: `PLATFORM_ROTATION_CRASH_AFTER=<point>` kills the process there.

Each point is reached right after the named step is durable in the backend, so a test can kill a real
rotation subprocess at every step and check that re-running the same command converges. Never set it in
production: it exists so "a crash at any step is resumed" is measured, not assumed.
"""

from __future__ import annotations

import os

CRASH_ENV = "PLATFORM_ROTATION_CRASH_AFTER"
CRASH_EXIT_CODE = 86
# begin: journal written, no value yet; create: pending stored; set / test: marked; promote: inside
# finish, after the new current is in place but before cleanup; finish: rotation complete.
CRASH_POINTS = ("begin", "create", "set", "test", "promote", "finish")


def crash_point(name: str) -> None:
    """Exit immediately, without cleanup or flushing, when the crash hook names this point."""
    if os.environ.get(CRASH_ENV) == name:
        os._exit(CRASH_EXIT_CODE)
