"""Waivers (waivers.yaml in a feature repo): load and validate them, then apply them to findings."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Collection, Sequence
from dataclasses import replace
from pathlib import Path

from platform_cli.errors import InvalidFile, Problem
from platform_cli.readiness.model import Finding, Location, Waiver, WaiverNote
from platform_cli.readiness.policy_dirs import configured_policy_dirs
from platform_cli.resources import policies_dir
from platform_cli.yamlfile import LoadedYaml, load_yaml
from platform_cli.yamlschema import load_schema, schema_problems

WAIVERS_FILE = "waivers.yaml"
DEFAULT_MAX_DAYS = 90
MAX_DAYS_CEILING = 3650
PLATFORM_FILE = "platform.yaml"
WHAT = "waivers"


def max_days(extra_policy_dirs: Sequence[Path] = ()) -> int:
    """How far ahead a waiver may expire: the platform's setting, never the judged repo's.

    The shipped `policies/platform.yaml` sets it (90 days); a configured or given policy pack may lower it
    with its own `platform.yaml` (`waivers: {max_days: N}`), never raise it. An environment variable the
    repo's own CI could set is deliberately not read.
    """
    limit = _pack_limit(policies_dir() / PLATFORM_FILE)
    shipped = DEFAULT_MAX_DAYS if limit is None else limit
    lowered = [_pack_limit(d / PLATFORM_FILE) for d in (*configured_policy_dirs(), *extra_policy_dirs)]
    return min([shipped, *[days for days in lowered if days is not None]])


def _pack_limit(path: Path) -> int | None:
    if not path.is_file():
        return None
    loaded = load_yaml(path, what="platform settings")
    data = loaded.data if isinstance(loaded.data, dict) else {}
    waivers = data.get("waivers") if isinstance(data.get("waivers"), dict) else {}
    days = waivers.get("max_days") if waivers else None
    if days is None:
        return None
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_DAYS_CEILING:
        raise InvalidFile(
            loaded.display,
            [
                loaded.problem(
                    ("waivers", "max_days"),
                    f"{days!r} is not a number of days from 0 to {MAX_DAYS_CEILING}",
                    "write a whole number of days, e.g. 90",
                )
            ],
            "platform settings",
        )
    return days


def load_waivers(
    root: Path, *, rule_ids: Collection[str], today: dt.date, limit_days: int | None = None
) -> list[Waiver]:
    """The waivers of the repo at `root` (none when there is no waivers.yaml).

    Raises InvalidFile listing every problem: schema errors, an unknown rule id, two waivers for one rule,
    an `expires` more than `limit_days` (default: `max_days()`) ahead. Expired waivers load fine:
    applying them reports them.
    """
    path = root / WAIVERS_FILE
    if not path.is_file():
        return []
    loaded = load_yaml(path, what=WHAT)
    if loaded.data is None:  # an empty file waives nothing
        return []
    problems = schema_problems(loaded, load_schema("waivers"))
    if problems:
        raise InvalidFile(loaded.display, problems, WHAT)
    limit = max_days() if limit_days is None else limit_days
    waivers: list[Waiver] = []
    first_line: dict[str, int | None] = {}
    for index, entry in enumerate(loaded.data.get("waivers") or []):
        where: tuple[str | int, ...] = ("waivers", index)
        rule_id = entry["rule"]
        problems.extend(_entry_problems(loaded, where, entry, rule_ids, today, limit))
        if rule_id in first_line:
            problems.append(
                loaded.problem(
                    (*where, "rule"),
                    f"second waiver for '{rule_id}' (the first is on line {first_line[rule_id]})",
                    "keep one waiver per rule",
                )
            )
        first_line.setdefault(rule_id, loaded.line_of((*where, "rule")))
        waivers.append(
            Waiver(
                rule_id=rule_id,
                reason=entry["reason"],
                approver=entry["approver"],
                expires=entry["expires"],
                location=Location(WAIVERS_FILE, loaded.line_of((*where, "rule"))),
            )
        )
    if problems:
        raise InvalidFile(loaded.display, problems, WHAT)
    return waivers


def _entry_problems(
    loaded: LoadedYaml,
    where: tuple[str | int, ...],
    entry: dict[str, str],
    rule_ids: Collection[str],
    today: dt.date,
    limit: int,
) -> list[Problem]:
    problems: list[Problem] = []
    rule_id = entry["rule"]
    if rule_id not in rule_ids:
        close = difflib.get_close_matches(rule_id, list(rule_ids), n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'? " if close else ""
        problems.append(
            loaded.problem(
                (*where, "rule"),
                f"no readiness rule has the id '{rule_id}'",
                hint + "`platform policies list` shows the rule ids",
            )
        )
    try:
        expires = dt.date.fromisoformat(entry["expires"])
    except ValueError:
        message = f"'{entry['expires']}' is not a real date"
        return [
            *problems,
            loaded.problem((*where, "expires"), message, "write an existing date as YYYY-MM-DD"),
        ]
    latest = today + dt.timedelta(days=limit)
    if expires > latest:
        problems.append(
            loaded.problem(
                (*where, "expires"),
                f"expires {expires.isoformat()} is more than {limit} days ahead (latest allowed: "
                f"{latest.isoformat()})",
                f"waivers are short-lived: set expires to {latest.isoformat()} or earlier and renew it then",
            )
        )
    return problems


def is_expired(waiver: Waiver, today: dt.date) -> bool:
    """A waiver applies through its `expires` day and is expired from the day after."""
    return dt.date.fromisoformat(waiver.expires) < today


def apply_waivers(
    findings: Sequence[Finding], waivers: Sequence[Waiver], *, today: dt.date
) -> tuple[list[Finding], list[WaiverNote]]:
    """Waive failed findings that an unexpired waiver covers; note expired and unused waivers.

    An expired waiver never waives: its finding stays failed and the note fails the check. A waiver for
    a rule that did not fail is noted as unused (informational).
    """
    by_rule = {w.rule_id: w for w in waivers}
    failed = {f.rule.id for f in findings if f.failed}
    notes: list[WaiverNote] = []
    for waiver in waivers:
        if is_expired(waiver, today):
            head = f"waiver for {waiver.rule_id} expired on {waiver.expires}"
            if waiver.rule_id in failed:
                what = f"renew it or fix the rule (it still fails; approved by {waiver.approver})"
            else:
                what = f"remove it from {WAIVERS_FILE} (the rule passes now)"
            notes.append(WaiverNote(waiver, "expired", f"{head}: {what}"))
        elif waiver.rule_id not in failed:
            notes.append(
                WaiverNote(
                    waiver,
                    "unused",
                    f"waiver for {waiver.rule_id} matches nothing: the rule does not fail "
                    f"(remove it from {WAIVERS_FILE})",
                )
            )
    result: list[Finding] = []
    for finding in findings:
        match = by_rule.get(finding.rule.id)
        if finding.failed and match is not None and not is_expired(match, today):
            finding = replace(finding, status="waived", waiver=match)
        result.append(finding)
    return result, notes
