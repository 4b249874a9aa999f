"""Plan a prompt rollback: which version is bad, which to go back to, what moves, and the blast radius.

The bad version is, unless named, the one canary traffic is on (a `canary` label or an allocated variant
serving a version production does not), else production's. The target is, unless named, production's
version for a canary, and for production the version production pointed at before it (the label history),
skipping versions an earlier rollback revoked.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from platform_cli.errors import UserError
from platform_cli.prompts.cohorts import CONTROL, pinned_version
from platform_cli.prompts.defaults import DEFAULT_LABEL
from platform_cli.prompts.portfolio import current_allocations
from platform_cli.rollback.blast import blast_radius
from platform_cli.store import Store
from platform_cli.store.rollback import RollbackRecord

CANARY_LABEL = "canary"
DEFAULT_POLICY = "quarantine"


@dataclass(frozen=True)
class LabelChange:
    label: str
    from_version: int
    to_version: int


@dataclass(frozen=True)
class AllocationEnd:
    """Variants serving the bad version in one segment's allocation ('*': every segment), set to 0%."""

    segment: str
    variants: tuple[str, ...]
    percent: float  # the share those variants held when planned


@dataclass(frozen=True)
class RollbackPlan:
    feature: str
    prompt: str
    bad_version: int
    target_version: int
    role: str  # production | canary | version (named with --from, serving through no label)
    history_policy: str
    labels: tuple[LabelChange, ...]
    allocations: tuple[AllocationEnd, ...]
    blast_radius: dict[str, Any]
    notes: tuple[str, ...] = ()
    served_by: tuple[str, ...] = field(default=())  # how the bad version was reaching users

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> RollbackPlan:
        data = json.loads(text)
        data["labels"] = tuple(LabelChange(**item) for item in data["labels"])
        data["allocations"] = tuple(
            AllocationEnd(item["segment"], tuple(item["variants"]), item["percent"])
            for item in data["allocations"]
        )
        data["notes"] = tuple(data.get("notes", ()))
        data["served_by"] = tuple(data.get("served_by", ()))
        return cls(**data)


@dataclass(frozen=True)
class NoOp:
    """Nothing to do: the rollback asked for was already done (`record`), and nothing moved since."""

    record: RollbackRecord
    why: str


def canaries(store: Store, prompt: str, production: int | None) -> dict[int, list[str]]:
    """Versions other than production's that take traffic now, each with how it is reached."""
    found: dict[int, list[str]] = {}
    labels = {record.label: record.version for record in store.prompt_labels(prompt)}
    canary = labels.get(CANARY_LABEL)
    if canary is not None and canary != production:
        found.setdefault(canary, []).append(f"label {CANARY_LABEL}")
    for segment, allocation in current_allocations(store, prompt).items():
        for variant in allocation.variants:
            version = pinned_version(variant.name)
            if version is None:
                version = labels.get(variant.name)
            if version is not None and version != production and variant.buckets:
                where = "every segment" if segment == "*" else f"segment {segment}"
                found.setdefault(version, []).append(
                    f"variant {variant.name} {variant.percent:g}% in {where}"
                )
    return found


def _versions_production_had(store: Store, prompt: str, bad: int) -> list[int]:
    """Versions production pointed at before it last moved to `bad`, newest first."""
    moves = [m for m in store.prompt_label_moves(prompt) if m.label == DEFAULT_LABEL]
    last_to_bad = max((i for i, m in enumerate(moves) if m.to_version == bad), default=None)
    if last_to_bad is None:
        return []
    history = [m.to_version for m in moves[:last_to_bad]]
    left = moves[
        last_to_bad
    ].from_version  # the version it left (the last one above, unless rows are missing)
    if left is not None:
        history.append(left)
    seen: list[int] = []
    for version in reversed(history):
        if version != bad and version not in seen:
            seen.append(version)
    return seen


def _revoked(store: Store, prompt: str, version: int) -> str | None:
    revocation = store.prompt_revocation(prompt, version)
    return revocation.rollback_id if revocation and revocation.lifted_at is None else None


def choose_versions(
    store: Store, prompt: str, *, bad: int | None = None, target: int | None = None
) -> tuple[int, int, str, list[str]]:
    """(bad, target, role, how the bad version is served). UserError when it cannot be decided."""
    if store.latest_prompt_version(prompt) is None:
        raise UserError(f"prompt '{prompt}' has no published version: there is nothing to roll back")
    production = store.prompt_label(prompt, DEFAULT_LABEL)
    serving = canaries(store, prompt, production)
    if bad is None:
        if len(serving) > 1:
            listed = "; ".join(f"v{v} ({', '.join(how)})" for v, how in sorted(serving.items()))
            raise UserError(
                f"prompt '{prompt}' has several canaries ({listed}); name the bad one with --from VERSION"
            )
        if serving:
            bad = next(iter(serving))
        elif production is None:
            raise UserError(
                f"prompt '{prompt}' has no production label and no canary: nothing serves a version to roll "
                "back; name it with --from VERSION"
            )
        else:
            bad = production
    elif store.prompt_version(prompt, bad) is None:
        raise UserError(f"--from {bad}: prompt '{prompt}' has no version {bad}")
    role = "production" if bad == production else "canary" if bad in serving else "version"
    how = serving.get(bad, []) + (["label production"] if bad == production else [])
    if target is None:
        target = _default_target(store, prompt, bad, role, production)
    elif store.prompt_version(prompt, target) is None:
        raise UserError(f"--to {target}: prompt '{prompt}' has no version {target}")
    if target == bad:
        raise UserError(f"--to {target} is the version being rolled back; name another one")
    revoked_by = _revoked(store, prompt, target)
    if revoked_by:
        raise UserError(
            f"--to {target}: v{target} was itself rolled back ({revoked_by}); name another version with --to"
        )
    return bad, target, role, how


def _default_target(store: Store, prompt: str, bad: int, role: str, production: int | None) -> int:
    if role != "production":
        if production is None:
            raise UserError(
                f"prompt '{prompt}' has no production label to go back to; name the target with --to VERSION"
            )
        return production
    for version in _versions_production_had(store, prompt, bad):
        if _revoked(store, prompt, version) is None:
            return version
    raise UserError(
        f"production of prompt '{prompt}' never pointed at another version before v{bad} (that was not "
        "itself "
        "rolled back); name the version to go back to with --to VERSION"
    )


def make_plan(
    store: Store,
    *,
    feature: str,
    prompt: str,
    history_policy: str | None,
    bad: int | None = None,
    target: int | None = None,
) -> RollbackPlan:
    """Decide the versions, the label moves and allocation ends, and count the blast radius."""
    bad, target, role, how = choose_versions(store, prompt, bad=bad, target=target)
    notes = []
    if history_policy is None:
        notes.append(f"spec.rollback.history is not set in ai-feature.yaml: using {DEFAULT_POLICY}")
    labels = tuple(
        LabelChange(record.label, bad, target)
        for record in store.prompt_labels(prompt)
        if record.version == bad
    )
    label_versions = {record.label: record.version for record in store.prompt_labels(prompt)}
    ends = []
    for segment, allocation in current_allocations(store, prompt).items():
        hit = [
            v for v in allocation.variants
            if v.name != CONTROL and (pinned_version(v.name) or label_versions.get(v.name)) == bad
        ]  # fmt: skip
        if hit:
            ends.append(AllocationEnd(segment, tuple(v.name for v in hit), sum(v.percent for v in hit)))
    return RollbackPlan(
        feature=feature,
        prompt=prompt,
        bad_version=bad,
        target_version=target,
        role=role,
        history_policy=history_policy or DEFAULT_POLICY,
        labels=labels,
        allocations=tuple(ends),
        blast_radius=blast_radius(store, prompt, bad),
        notes=tuple(notes),
        served_by=tuple(how),
    )


def repeated(store: Store, prompt: str, *, bad: int | None) -> NoOp | None:
    """The finished rollback this request repeats, when nothing moved since: then running it is a no-op."""
    if bad is not None:
        revoked_by = _revoked(store, prompt, bad)
        record = store.rollback_record(revoked_by) if revoked_by else None
        if record is not None and record.status == "done":
            return NoOp(record, f"v{bad} was already rolled back to v{record.to_version}")
        return None
    last = store.last_rollback(prompt)
    if last is None or last.status != "done" or last.finished_at is None:
        return None
    moved = any(m.moved_at > last.finished_at for m in store.prompt_label_moves(prompt))
    changed = any(a.changed_at > last.finished_at for a in store.prompt_allocations(prompt))
    if moved or changed:
        return None
    return NoOp(last, f"v{last.from_version} was rolled back to v{last.to_version} and nothing moved since")
