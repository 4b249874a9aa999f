"""Reading the rollback audit log and journal: full records, and a history of rollbacks, overrides, drills."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from platform_cli.errors import UserError
from platform_cli.manifest import Manifest
from platform_cli.rollback.overrides import active_overrides
from platform_cli.store import Store
from platform_cli.store.rollback import AuditEntry, StepRecord


def step_dict(step: StepRecord) -> dict[str, Any]:
    data = asdict(step)
    data["result"] = json.loads(step.result) if step.result else None
    return data


def audit_dict(entry: AuditEntry) -> dict[str, Any]:
    data = asdict(entry)
    data["record"] = json.loads(entry.record)
    return data


def find_audit(store: Store, ref: str) -> AuditEntry:
    """An audit entry by its number (`12` or `#12`) or by the rollback id it records."""
    entry = None
    number = ref.lstrip("#")
    if number.isdigit():
        entry = store.rollback_audit_entry(int(number))
    else:
        entry = store.rollback_audit_of(ref)
        if entry is None and store.rollback_record(ref) is not None:
            raise UserError(
                f"rollback {ref} is unfinished, so it has no audit record yet; finish it with "
                f"`platform rollback resume {ref}`"
            )
    if entry is None:
        raise UserError(f"no audit entry {ref!r} in the state store (see `platform rollback history`)")
    return entry


def history(
    store: Store, manifest: Manifest, *, subject: str | None = None, limit: int = 50
) -> dict[str, Any]:
    """Unfinished rollbacks, active overrides, audit entries (newest first) and drills (or one subject's)."""
    feature = manifest.name
    running = [asdict(r) for r in store.running_rollbacks() if r.feature == feature]
    entries = store.rollback_audit(feature, subject=subject, limit=limit)
    if subject is not None:
        running = [r for r in running if r["prompt"] == subject]
    drills = [asdict(d) for d in store.drills(feature, limit=limit)]
    if subject is not None:
        drills = [d for d in drills if d["prompt"] == subject]
    for item in running:
        item.pop("plan"), item.pop("blast_radius")
    return {
        "unfinished": running,
        "entries": [{k: v for k, v in asdict(e).items() if k != "record"} for e in entries],
        "drills": drills,
        "overrides": [
            o.as_dict() for o in active_overrides(store, manifest) if subject in (None, o.record.provider)
        ],
    }
