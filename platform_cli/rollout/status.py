"""`rollout status`: where each rollout is, every guard's state with its test and minimum sample size, the
canary's week-over-week trends, the online-scoring coverage, and the last decisions."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from platform_cli.rollout import drift, guards
from platform_cli.rollout.settings import TESTS, RolloutSettings
from platform_cli.rollout.walk import hold_of, moment, phase_of, record_dict
from platform_cli.rollout.watch import assess
from platform_cli.store import Store
from platform_cli.store.engine import utc_timestamp
from platform_cli.store.rollout import RolloutRecord

RECENT_EVENTS = 10


def method(settings: RolloutSettings) -> dict[str, Any]:
    """How guards decide, in words (also in the README)."""
    return {
        "comparison": "canary cohort vs control over the same window (the current step), per segment and "
        "pooled; eval traffic excluded",
        "breach": "the whole interval of (canary - control) lies beyond the allowance on the worse side; "
        "allowance = max(absolute, relative x control)",
        "confidence": f"{settings.confidence:g} one-sided, family-wise over every comparison of one decision "
        "(Bonferroni)",
        "tests": dict(TESTS),
        "evidence": "each cohort needs the guard's min_samples in a segment before it is judged; a segment "
        f"with less than {settings.min_segment_share:.0%} of control's traffic can breach but does not hold "
        "up an advance",
        "trends": drift.method(),
    }


def rollout_status(
    store: Store, settings: RolloutSettings, record: RolloutRecord, now: dt.datetime
) -> dict[str, Any]:
    data: dict[str, Any] = {"rollout": record_dict(record)}
    events = store.rollout_events(record.rollout_id)
    data["events"] = [
        {"at": e.at, "kind": e.kind, "step": e.step, "actor": e.actor, "summary": e.summary}
        for e in events[-RECENT_EVENTS:]
    ]
    if record.status != "active":
        last = next((e for e in reversed(events) if e.kind in ("rollback", "abort", "complete")), None)
        data["finished"] = None if last is None else {"summary": last.summary, **json.loads(last.detail)}
        return data
    elapsed = now - moment(record.step_started_at)
    data["elapsed_days"] = round(elapsed.total_seconds() / 86400, 4)
    data["hold_days"] = round(hold_of(record).total_seconds() / 86400, 4)
    if phase_of(record) == "soaking":
        results, trends = assess(store, record, settings, now)
        data["guards"] = [r.as_dict() | {"text": guards.describe(r)} for r in results]
        data["guard_state"] = _overall(results)
        data["trends"] = [t.as_dict() for t in trends]
        data["drifting"] = [t.metric for t in trends if t.drifting]
    counts = store.sample_counts(record.feature, record.prompt, record.step_started_at, utc_timestamp(now))
    data["online_samples"] = {
        variant: {"sampled": sampled, "scored": scored}
        for variant, (sampled, scored) in sorted(counts.items())
    }
    return data


def guard_state(
    store: Store, settings: RolloutSettings, record: RolloutRecord, now: dt.datetime
) -> tuple[str, list[str]]:
    """(holding | evidence short | breach, or the phase when not soaking; the drifting guards)."""
    if phase_of(record) != "soaking":
        return phase_of(record), []
    results, trends = assess(store, record, settings, now)
    return _overall(results), [t.metric for t in trends if t.drifting]


def _overall(results: list[guards.GuardResult]) -> str:
    if any(r.state == "breach" for r in results):
        return "breach"
    if any(r.required and r.state in ("short", "no-data") for r in results):
        return "evidence short"
    return "holding"


def status(
    store: Store, settings: RolloutSettings, feature: str, prompt: str | None, now: dt.datetime
) -> dict[str, Any]:
    """Active rollouts of the feature (or the latest rollout of `prompt`), with the method stated."""
    if prompt is None:
        records = store.active_rollouts(feature)
    else:
        active = store.active_rollout(prompt)
        records = [active] if active is not None else store.rollouts(feature, prompt, limit=1)
    return {
        "feature": feature,
        "now": utc_timestamp(now),
        "settings": settings.as_dict(),
        "method": method(settings),
        "rollouts": [rollout_status(store, settings, record, now) for record in records],
    }
