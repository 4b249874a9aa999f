"""Time windows for cost commands: `--since/--until` as dates, timestamps or ages (`7d`, `12h`), in UTC."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from platform_cli.errors import UserError
from platform_cli.store.engine import utc_timestamp

_AGE = re.compile(r"^(\d+)([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@dataclass(frozen=True)
class Window:
    """[since, until) in UTC."""

    since: dt.datetime
    until: dt.datetime

    @property
    def since_ts(self) -> str:
        return utc_timestamp(self.since)

    @property
    def until_ts(self) -> str:
        return utc_timestamp(self.until)

    @property
    def days(self) -> float:
        return (self.until - self.since).total_seconds() / 86400.0

    def as_dict(self) -> dict[str, str]:
        return {"since": self.since_ts, "until": self.until_ts}


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def parse_moment(text: str, now: dt.datetime, option: str) -> dt.datetime:
    """`2026-11-01`, `2026-11-01T12:00:00Z`, or an age before `now` like `30d`, `12h`, `2w`, `90m`."""
    value = text.strip()
    age = _AGE.match(value)
    if age:
        return now - dt.timedelta(**{_UNITS[age.group(2)]: int(age.group(1))})
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UserError(
            f"{option} {text!r} is not a date: write YYYY-MM-DD, an ISO timestamp, or an age like 7d, 12h, 2w"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def window(
    since: str | None, until: str | None, *, now: dt.datetime | None = None, default_days: int = 30
) -> Window:
    """The window the options describe (default: the last `default_days` days up to now)."""
    current = now or now_utc()
    end = parse_moment(until, current, "--until") if until else current
    start = parse_moment(since, current, "--since") if since else end - dt.timedelta(days=default_days)
    if start >= end:
        raise UserError(f"--since ({start:%Y-%m-%d %H:%M}) must be before --until ({end:%Y-%m-%d %H:%M})")
    return Window(start, end)


def month_window(now: dt.datetime) -> Window:
    """The calendar month (UTC) holding `now`, from its first instant to its last."""
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    nxt = (start + dt.timedelta(days=32)).replace(day=1)
    return Window(start, nxt)
