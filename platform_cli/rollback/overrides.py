"""Runtime overrides of one provider (another pinned model, or disabled), kept with history in the store.

Every runtime process reads them with the prompt registry's TTL (runtime/overrides.py). The manifest stays
the source of record: an override remembers the model the manifest named when it was set and applies only
while the manifest still names it, so the next deploy that changes the manifest ends it (readiness then
reports it as stale until it is cleared).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from platform_cli.manifest import Manifest
from platform_cli.store import Store
from platform_cli.store.rollback import OverrideRecord


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
