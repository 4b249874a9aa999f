"""Helpers the readiness output formats share: status marks, ANSI color, message/location pairing, levels."""

from __future__ import annotations

from dataclasses import dataclass

from platform_cli.readiness.model import LEVELS, Finding, Level, Location, Report, Status

MARKS: dict[Status, str] = {"pass": "✓", "fail": "✗", "waived": "~", "unknown": "?"}

_ANSI = {"green": "32", "red": "31", "yellow": "33", "bold": "1", "dim": "2"}
STATUS_COLORS: dict[Status, str] = {"pass": "green", "fail": "red", "waived": "yellow", "unknown": "red"}


def paint(text: str, color: str, *, enabled: bool) -> str:
    """Wrap `text` in an ANSI SGR code when `enabled`; the core never imports click for this."""
    if not enabled:
        return text
    return f"\x1b[{_ANSI[color]}m{text}\x1b[0m"


@dataclass(frozen=True)
class Entry:
    """One message of a finding and the location it points at (None when nothing is known)."""

    message: str
    location: Location | None


def entries(finding: Finding) -> list[Entry]:
    """Pair each message with its location.

    The engine keeps `locations` parallel to `messages` (one per offending item); a single location
    applies to every message; with none, messages have no location. A mismatch (should not happen)
    pairs by index and leaves the rest unlocated rather than guessing.
    """
    messages = finding.messages or (finding.rule.title,)
    locs = finding.locations
    if len(locs) == 1:
        return [Entry(m, locs[0]) for m in messages]
    return [Entry(m, locs[i] if i < len(locs) else None) for i, m in enumerate(messages)]


def location_text(location: Location | None) -> str:
    """`file:line` (or `file:line:col`, or just `file`); empty when unknown."""
    if location is None:
        return ""
    text = location.file
    if location.line is not None:
        text += f":{location.line}"
        if location.column is not None:
            text += f":{location.column}"
    return text


def level_name(level: Level | None) -> str:
    return "none" if level is None else level


def next_level(report: Report) -> Level | None:
    """The level above the one reached; None when gold is reached."""
    rank = -1 if report.reached is None else LEVELS.index(report.reached)
    return LEVELS[rank + 1] if rank + 1 < len(LEVELS) else None


def blockers(report: Report, level: Level) -> list[Finding]:
    """Failed error-severity findings at `level` or below: warnings are reported but do not block."""
    return [f for f in report.blocking(level) if f.rule.severity == "error"]


def levels_to_show(report: Report) -> list[Level]:
    """Levels whose blockers a report should list: the next level, and every level up to the required one."""
    nxt = next_level(report)
    if nxt is None:
        return []
    top = max(LEVELS.index(nxt), LEVELS.index(report.required_level))
    return list(LEVELS[LEVELS.index(nxt) : top + 1])


def verdict(report: Report) -> str:
    """`reached silver (required silver): passed` — one phrase reused by several formats."""
    outcome = "passed" if report.passed else "FAILED"
    return f"reached {level_name(report.reached)} (required {report.required_level}): {outcome}"


def summary_line(report: Report) -> str:
    counts = report.counts()
    return f"{counts['passed']} passed, {counts['failed']} failed, {counts['waived']} waived"


def waiver_text(finding: Finding) -> str:
    """`reason (approved by X, expires DATE)` for a waived finding; empty when there is no waiver."""
    w = finding.waiver
    if w is None:
        return ""
    return f"{w.reason} (approved by {w.approver}, expires {w.expires})"


def one_line(text: str) -> str:
    """Collapse all whitespace (newlines included) into single spaces."""
    return " ".join(text.split())
