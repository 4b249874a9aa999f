"""Portfolios: several variants of one prompt sharing its traffic, per segment, recorded with history."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from platform_cli.errors import UserError
from platform_cli.prompts.cohorts import ALL_SEGMENTS, Allocation, pinned_version, plan
from platform_cli.prompts.config import check_label
from platform_cli.prompts.errors import UnknownPrompt
from platform_cli.prompts.labels import unknown_label
from platform_cli.store import Store
from platform_cli.store.engine import utc_timestamp

if TYPE_CHECKING:
    from platform_cli.store.prompts_records import AllocationRecord


@dataclass(frozen=True)
class AllocationChange:
    name: str
    segment: str
    before: Allocation | None
    after: Allocation
    changed: bool
    dry_run: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "prompt": self.name,
            "segment": self.segment,
            "before": self.before.shares() if self.before else None,
            "after": self.after.shares(),
            "changed": self.changed,
            "dry_run": self.dry_run,
        }


def allocation_of(record: AllocationRecord | None) -> Allocation | None:
    return None if record is None else Allocation.from_json(record.allocation)


def allocate(
    store: Store,
    name: str,
    targets: Mapping[str, int],
    *,
    segment: str | None = None,
    segments: tuple[str, ...] = (),
    author: str,
    reason: str = "",
    dry_run: bool = False,
) -> AllocationChange:
    """Set the variants' buckets for `segment` (None: every segment without its own allocation).

    Each variant must resolve now: vN a published version, any other name an existing label.
    """
    if not targets:
        raise UserError("name at least one --variant NAME=PERCENT, e.g. --variant v2=25")
    if segment is not None and segments and segment not in segments:
        raise UserError(
            f"segment '{segment}' is not declared in ai-feature.yaml (spec.segments: {', '.join(segments)})"
        )
    key = segment or ALL_SEGMENTS
    with store.transaction():
        if not dry_run:
            store.lock_prompt(name)
        if store.latest_prompt_version(name) is None:
            raise UnknownPrompt(
                f"prompt '{name}' has no published version; run `platform prompts publish {name}`"
            )
        for variant, buckets in targets.items():
            if buckets:
                _check_variant(store, name, variant)
        before = allocation_of(store.prompt_allocation(name, key))
        after = plan(before, targets)
        changed = before is None or before.to_json() != after.to_json()
        if changed and not dry_run:
            _lift_pinned(store, name, after, before, author)
            store.record_prompt_allocation(
                name,
                key,
                after.to_json(),
                changed_at=utc_timestamp(),
                changed_by=author,
                reason=reason.strip(),
            )
    return AllocationChange(name, key, before, after, changed, dry_run)


def _check_variant(store: Store, name: str, variant: str) -> None:
    version = pinned_version(variant)
    if version is not None:
        if store.prompt_version(name, version) is None:
            raise UserError(f"variant {variant}: prompt '{name}' has no version {version}; publish it first")
        return
    check_label(variant)
    if store.prompt_label(name, variant) is None:
        raise unknown_label(store, name, variant)


def _lift_pinned(store: Store, name: str, after: Allocation, before: Allocation | None, author: str) -> None:
    """A variant newly pinned to a version a rollback revoked serves it again on purpose: lift it."""
    held = {v.name for v in before.variants} if before else set()
    for variant in after.variants:
        version = pinned_version(variant.name)
        if version is not None and variant.name not in held:
            store.lift_revocation(name, version, at=utc_timestamp(), by=author)


def current_allocations(store: Store, name: str, at: str | None = None) -> dict[str, Allocation]:
    """Segment -> allocation in force (now, or at `at`) for every segment `name` was ever allocated in."""
    segments = sorted({record.segment for record in store.prompt_allocations(name)})
    out: dict[str, Allocation] = {}
    for segment in segments:
        allocation = allocation_of(store.prompt_allocation(name, segment, at))
        if allocation is not None:
            out[segment] = allocation
    return out
