"""The one clock: real UTC time, or the moment $PLATFORM_NOW names, so tests and simulations inject time.

`PLATFORM_NOW=2026-03-01T12:00:00Z` makes every store timestamp (usage events, label moves, allocations,
rollout steps) read that moment instead of the real clock; nothing sleeps through a soak window. Commands
that judge elapsed time (rollout watch) refuse an injected moment later than the real clock, so a soak
cannot be skipped by setting a clock ahead, and record that the clock was injected.
"""

from __future__ import annotations

import datetime as dt
import functools
import os

from platform_cli.errors import UserError

ENV = "PLATFORM_NOW"


def injected() -> str | None:
    """The injected moment as written ($PLATFORM_NOW), or None when the real clock is used."""
    return os.environ.get(ENV) or None


def now() -> dt.datetime:
    """The current moment in UTC: $PLATFORM_NOW when set, else the real clock."""
    text = os.environ.get(ENV)
    return parse(text, ENV) if text else dt.datetime.now(dt.timezone.utc)


def real_now() -> dt.datetime:
    """The real clock, whatever is injected."""
    return dt.datetime.now(dt.timezone.utc)


def utc_today() -> dt.date:
    """Today's date in UTC on the real clock: the day the readiness gate judges ages and expiries on (eval
    runs, drills, rotations, waivers, allowlist pragmas, model retirements). Every timestamp in the store is
    UTC, so a local date would age an eval run started late in the UTC day by a day too many east of
    Greenwich, and let a waiver outlive its date west of it."""
    return real_now().date()


@functools.lru_cache(maxsize=64)
def parse(text: str, option: str = "--now") -> dt.datetime:
    """An ISO date or timestamp (no offset means UTC) as an aware UTC datetime; UserError otherwise."""
    cleaned = text.strip().replace(" ", "T", 1)
    if cleaned[-1:] in ("Z", "z"):
        cleaned = cleaned[:-1] + "+00:00"
    try:
        moment = dt.datetime.fromisoformat(cleaned)
    except ValueError:
        raise UserError(
            f"{option} {text!r}: not a moment; write an ISO date or timestamp, e.g. 2026-03-01T12:00:00Z"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc)
