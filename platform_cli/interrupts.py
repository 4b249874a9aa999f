"""SIGTERM and Ctrl-C while a command runs: raised as exceptions in the main thread, so every `finally`
(temporary folders, journals) runs, and never lost.

SIGTERM becomes `errors.Terminated` (Ctrl-C is Python's KeyboardInterrupt). A signal handler runs wherever the
main thread is; when that is a weakref or garbage-collection callback or a __del__ (an import's module-lock
callback, say), Python cannot propagate what it raises: it prints "Exception ignored" and the command runs on,
as if the signal had never come. While a command runs, `sys.unraisablehook` catches such a swallowed
exception and has it raised again a moment later from a one-shot SIGALRM timer, where it propagates (raised
from the hook itself, it would be ignored the same way). When the command ends the timer is disarmed and
SIGALRM put back, so a command that finished first has finished.
"""

from __future__ import annotations

import contextlib
import functools
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

from platform_cli.errors import Terminated

_REDELIVER_AFTER_S = 0.002

# The exception a callback swallowed, until it is raised again; the SIGALRM handler it replaced.
_lost: list[type[BaseException]] = []
_alarm_before: list[Any] = []


@contextlib.contextmanager
def command_signals() -> Iterator[None]:
    """While inside: SIGTERM raises Terminated, and a swallowed Terminated or KeyboardInterrupt is raised
    again. Only in the main thread (signal handlers can only be set there); elsewhere it does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    previous_hook = sys.unraisablehook
    sys.unraisablehook = functools.partial(_redeliver, previous_hook)
    try:
        yield
    finally:
        sys.unraisablehook = previous_hook
        _stop_redelivery()
        signal.signal(signal.SIGTERM, previous or signal.SIG_DFL)


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated()


def _redeliver(previous: Callable[[Any], object], unraisable: Any) -> None:
    """sys.unraisablehook inside `command_signals`: a swallowed Terminated or KeyboardInterrupt is raised
    again from a SIGALRM timer; anything else goes to the hook that was there before."""
    kind = unraisable.exc_type
    if kind is None or not issubclass(kind, (Terminated, KeyboardInterrupt)):
        previous(unraisable)
        return
    if not _lost:  # first time in this command: keep whatever SIGALRM did before
        _alarm_before[:] = [signal.signal(signal.SIGALRM, _raise_lost)]
    _lost[:] = [kind]
    signal.setitimer(signal.ITIMER_REAL, _REDELIVER_AFTER_S)


def _raise_lost(signum: int, frame: object) -> None:
    if _lost:
        raise _lost[-1]()


def _stop_redelivery() -> None:
    """At the end of a command: nothing swallowed is raised later, and SIGALRM is as it was."""
    if _lost:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, _alarm_before[0] if _alarm_before[0] is not None else signal.SIG_DFL)
        _lost.clear()
