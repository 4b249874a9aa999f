"""The `rollback` fact: the manifest's rollback settings and, from the SHARED state store, the drills,
unfinished rollbacks and active runtime overrides.

Drills are read from the store named by $PLATFORM_STATE_URL or spec.state.url (the one CI and every
replica share), never from a file in the repository: a drill that only happened on a laptop's own SQLite
file does not count for a repo whose manifest names a shared store. The store is opened without
creating or migrating it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from platform_cli.errors import PlatformError
from platform_cli.readiness.facts.base import Fact, RepoContext
from platform_cli.readiness.facts.support import MANIFEST_FILE, first_line, manifest_or_missing, today

DEFAULT_DRILL_MAX_AGE_DAYS = 30


def _age_days(finished_at: str, on: dt.date) -> int:
    return (on - dt.date.fromisoformat(finished_at[:10])).days


class RollbackCollector:
    """`rollback`: {history_policy, drill_max_age_days, store, store_exists, last_drill, last_passed_drill,
    drill_age_days, drill_fresh, unfinished: [{rollback_id, prompt, command}], active_overrides: [item]}.

    last_drill / last_passed_drill: {drill_id, prompt, scenario, finished_at, passed, duration_ms, failed}
    or None. drill_max_age_days defaults to 30 when the manifest leaves it out. active_overrides item:
    {provider, action, model, manifest_model, set_at, set_by, reason, applies}.
    """

    name = "rollback"

    def collect(self, ctx: RepoContext) -> Fact:
        from platform_cli.manifest import resolve_state_url
        from platform_cli.prompts.config import existing_store
        from platform_cli.rollback.overrides import active_overrides
        from platform_cli.rollback.schema import has_rollback_schema
        from platform_cli.store import redact_url

        manifest, missing = manifest_or_missing(ctx, self.name)
        if missing is not None:
            return missing
        spec = manifest.rollback
        max_age = (spec.drill_max_age_days if spec else None) or DEFAULT_DRILL_MAX_AGE_DAYS
        url = resolve_state_url(manifest)
        value: dict[str, Any] = {
            "history_policy": spec.history if spec else None,
            "drill_max_age_days": max_age,
            "store": redact_url(url),
            "store_exists": False,
            "last_drill": None,
            "last_passed_drill": None,
            "drill_age_days": None,
            "drill_fresh": False,
            "unfinished": [],
            "active_overrides": [],
        }
        line = first_line(manifest, ("spec", "rollback", "history"), ("spec", "rollback"), ("spec",))
        try:
            store = existing_store(url)
        except PlatformError as exc:
            return Fact.missing(self.name, f"cannot read the state store {redact_url(url)}: {exc}")
        if store is None:
            return Fact(self.name, value, file=MANIFEST_FILE, line=line)
        try:
            value["store_exists"] = True
            if has_rollback_schema(store):
                self._from_store(store, manifest, value, max_age, today(ctx))
                value["active_overrides"] = [o.as_dict() for o in active_overrides(store, manifest)]
        except PlatformError as exc:
            return Fact.missing(self.name, f"cannot read the state store {redact_url(url)}: {exc}")
        finally:
            store.close()
        return Fact(self.name, value, file=MANIFEST_FILE, line=line)

    @staticmethod
    def _from_store(store: Any, manifest: Any, value: dict[str, Any], max_age: int, on: dt.date) -> None:
        import json

        def drill(record: Any) -> dict[str, Any] | None:
            if record is None:
                return None
            failed = [c["name"] for c in json.loads(record.checks) if not c["passed"]]
            return {
                "drill_id": record.drill_id, "prompt": record.prompt, "scenario": record.scenario,
                "finished_at": record.finished_at, "passed": record.passed, "duration_ms": record.duration_ms,
                "failed": failed,
            }  # fmt: skip

        latest = store.drills(manifest.name, limit=1)
        value["last_drill"] = drill(latest[0] if latest else None)
        passed = store.last_passed_drill(manifest.name)
        value["last_passed_drill"] = drill(passed)
        if passed is not None:
            age = _age_days(passed.finished_at, on)
            value["drill_age_days"] = age
            value["drill_fresh"] = age <= max_age
        value["unfinished"] = [
            {
                "rollback_id": r.rollback_id,
                "prompt": r.prompt,
                "command": f"platform rollback resume {r.rollback_id}",
            }
            for r in store.running_rollbacks()
            if r.feature == manifest.name
        ]
