"""Model and provider rollback without a deploy: pinned overrides with history, kept in the shared store.

`platform rollback model PROVIDER --to MODEL` pins another snapshot for one provider;
`platform rollback provider NAME --disable` takes a provider out of the fallback chain. Every runtime
process reads the overrides with the prompt registry's TTL (runtime/overrides.py). The manifest stays the
source of record: an override remembers the model the manifest named when it was set and applies only
while the manifest still names it, so the next deploy that changes the manifest ends it (readiness then
reports it as stale until it is cleared). Every change is a new row (history) and an audit entry.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from platform_cli.clock import utc_today
from platform_cli.errors import Refused, UserError
from platform_cli.manifest import Manifest
from platform_cli.manifest.model import ProviderSpec
from platform_cli.store.engine import utc_timestamp

if TYPE_CHECKING:
    from platform_cli.store import Store
    from platform_cli.store.rollback_records import OverrideRecord


@dataclass(frozen=True)
class ActiveOverride:
    """An override in force in the store, and whether it applies to the manifest as it is now."""

    record: OverrideRecord
    manifest_now: str | None  # the model the manifest names for the provider today (None: not declared)

    @property
    def applies(self) -> bool:
        return self.manifest_now is not None and self.manifest_now == self.record.manifest_model

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self.record)
        data.pop("id"), data.pop("feature")
        return {**data, "manifest_now": self.manifest_now, "applies": self.applies}


def active_overrides(store: Store, manifest: Manifest) -> list[ActiveOverride]:
    """The feature's overrides that are not cleared, with whether each still applies to the manifest."""
    models = {spec.name: spec.model for spec in manifest.providers}
    return [
        ActiveOverride(record, models.get(record.provider))
        for record in store.current_overrides(manifest.name)
        if record.action != "clear"
    ]


def record_json(record: OverrideRecord, previous: OverrideRecord | None) -> str:
    data = {"override": asdict(record), "previous": asdict(previous) if previous else None}
    return json.dumps(data, separators=(",", ":"), sort_keys=True)


@dataclass(frozen=True)
class OverrideChange:
    """What `platform rollback model|provider` wrote (or would write): the new row and the one it replaces."""

    record: OverrideRecord
    previous: OverrideRecord | None
    changed: bool
    dry_run: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "override": asdict(self.record),
            "previous": asdict(self.previous) if self.previous else None,
            "changed": self.changed,
            "dry_run": self.dry_run,
        }


def _spec(manifest: Manifest, provider: str) -> ProviderSpec:
    for spec in manifest.providers:
        if spec.name == provider:
            return spec
    names = ", ".join(spec.name for spec in manifest.providers)
    raise UserError(f"no provider {provider!r} in {manifest.display} (spec.providers: {names})")


def check_snapshot(spec: ProviderSpec, model: str) -> None:
    """Only an id the model table lists as a pinned snapshot this provider's vendor serves, not retired."""
    from platform_cli.models import judge, load_model_table

    table = load_model_table()
    verdict = judge(table, spec.kind, model, spec.base_url)
    if verdict.status != "snapshot":
        raise UserError(f"--to {model}: {verdict.explain(table)}")
    retires = verdict.entry.retires if verdict.entry else None
    if retires is not None and retires <= utc_today():
        replacement = verdict.entry.replacement if verdict.entry else None
        hint = f"; its replacement is {replacement}" if replacement else ""
        raise UserError(f"--to {model}: the vendor retired it on {retires.isoformat()}{hint}")


OPERATIONS = ("pin", "unpin", "disable", "enable")


def _state(record: OverrideRecord | None, spec: ProviderSpec) -> str:
    """model | disable | clear: what is in force for the provider (an override of an older model: clear)."""
    return record.action if record is not None and record.manifest_model == spec.model else "clear"


def _before_disable(store: Store, manifest: Manifest, spec: ProviderSpec) -> OverrideRecord | None:
    """The row in force before the provider was last disabled (what --enable restores)."""
    rows = [o for o in store.override_history(manifest.name, limit=1000) if o.provider == spec.name]
    for newer, older in itertools.pairwise(rows):
        if newer.action == "disable" and older.action != "disable":
            return older if _state(older, spec) == "model" else None
    return None


def set_override(
    store: Store,
    manifest: Manifest,
    provider: str,
    *,
    operation: str,
    model: str | None = None,
    reason: str,
    actor: str,
    dry_run: bool = False,
) -> OverrideChange:
    """`pin` `model` for `provider`, `unpin` it, `disable` the provider, or `enable` it again (which
    restores the pin it had before it was disabled). Only a change writes a row and an audit entry."""
    from platform_cli.store.rollback_records import AuditEntry, OverrideRecord

    if operation not in OPERATIONS:
        raise ValueError(f"unknown override operation {operation!r}")
    if not reason.strip():
        raise UserError('say why with --reason "..." (it is recorded in the audit log)')
    spec = _spec(manifest, provider)
    if operation == "pin":
        if model is None or model == spec.model:
            raise UserError(
                f"--to {model} is the model {manifest.display} already names for {provider}: to end a "
                f"pin use `platform rollback model {provider} --clear`"
            )
        check_snapshot(spec, model)
    with store.transaction():
        current = {o.provider: o for o in store.current_overrides(manifest.name)}
        previous = current.get(provider)
        state = _state(previous, spec)
        if state == "disable" and operation in ("pin", "unpin"):
            raise Refused(
                f"provider {provider} is disabled: enable it first (`platform rollback provider {provider} "
                "--enable`, which restores its pin), then change its model"
            )
        action, pinned, changed = "clear", None, False
        if operation == "pin":
            action, pinned = "model", model
            changed = not (state == "model" and previous is not None and previous.model == model)
        elif operation == "unpin":
            changed = state == "model"
        elif operation == "disable":
            action, changed = "disable", state != "disable"
            others = [s for s in manifest.providers if s.name != provider]
            if changed and all(_state(current.get(s.name), s) == "disable" for s in others):
                raise Refused(
                    f"disabling {provider} would leave {manifest.name} no provider to call; pin another "
                    f"model with `platform rollback model {provider} --to MODEL` instead"
                )
        elif state == "disable":  # enable
            restored = _before_disable(store, manifest, spec)
            action, pinned, changed = ("model", restored.model, True) if restored else ("clear", None, True)
        record = OverrideRecord(
            0, manifest.name, provider, action, pinned, spec.model, utc_timestamp(), actor, reason.strip()
        )
        if changed and not dry_run:
            store.add_runtime_override(record)
            store.add_rollback_audit(
                AuditEntry(0, "model" if operation in ("pin", "unpin") else "provider", manifest.name,
                           provider, None, actor, record.set_at, record.reason,
                           summary(operation, record), record_json(record, previous))
            )  # fmt: skip
    return OverrideChange(record, previous, changed, dry_run)


def summary(operation: str, record: OverrideRecord) -> str:
    name = f"provider {record.provider}"
    if operation == "pin":
        return f"{name}: model pinned to {record.model} (manifest: {record.manifest_model})"
    if operation == "unpin":
        return f"{name}: model pin ended (back to the manifest's {record.manifest_model})"
    if operation == "disable":
        return f"{name}: disabled (out of the fallback chain)"
    again = f", pinned to {record.model} as before" if record.action == "model" else ""
    return f"{name}: enabled again{again}"
