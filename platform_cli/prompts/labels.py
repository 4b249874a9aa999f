"""Labels: movable pointers at published versions; every move is recorded (who, when, from, to, why)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from platform_cli.errors import UserError
from platform_cli.prompts.config import check_label
from platform_cli.prompts.errors import UnknownLabel, UnknownPrompt, UnknownVersion
from platform_cli.store import Store
from platform_cli.store.engine import utc_timestamp

if TYPE_CHECKING:
    from platform_cli.store.prompts_records import LabelMove


@dataclass(frozen=True)
class Promotion:
    """A label move made (or, with dry_run, planned). `changed` is False when it already pointed there."""

    move: LabelMove
    changed: bool
    dry_run: bool = False

    def as_dict(self) -> dict[str, object]:
        return {**move_dict(self.move), "changed": self.changed, "dry_run": self.dry_run}


def move_dict(move: LabelMove) -> dict[str, object]:
    return {
        "prompt": move.prompt,
        "label": move.label,
        "from_version": move.from_version,
        "to_version": move.to_version,
        "moved_at": move.moved_at,
        "moved_by": move.moved_by,
        "reason": move.reason,
    }


def promote(
    store: Store,
    name: str,
    version: int,
    label: str,
    *,
    author: str,
    reason: str = "",
    protected: Collection[str] = ("production",),
    dry_run: bool = False,
) -> Promotion:
    """Point `label` at `version` of `name` and record the move; protected labels need a reason."""
    from platform_cli.store.prompts_records import LabelMove

    check_move(label, reason, protected)
    with store.transaction():
        if not dry_run:
            store.lock_prompt(name)
        if store.prompt_version(name, version) is None:
            latest = store.latest_prompt_version(name)
            if latest is None:
                raise UnknownPrompt(
                    f"prompt '{name}' has no published version; run `platform prompts publish {name}` first"
                )
            raise UnknownVersion(
                f"prompt '{name}' has no version {version} (published: 1..{latest.version}); "
                f"publish the file first with `platform prompts publish {name}`"
            )
        current = store.prompt_label(name, label)
        move = LabelMove(0, name, label, current, version, utc_timestamp(), author, reason.strip())
        if current == version:
            return Promotion(move, changed=False, dry_run=dry_run)
        if not dry_run:
            store.move_prompt_label(move)
    return Promotion(move, changed=True, dry_run=dry_run)


def check_move(label: str, reason: str, protected: Collection[str]) -> None:
    """A valid label name, and a reason when the label is protected (checked before anything else)."""
    check_label(label)
    if label in protected and not reason.strip():
        raise UserError(
            f"label '{label}' is protected (spec.prompts.protected_labels in ai-feature.yaml): "
            f'say why with --reason "..." (it is recorded in the label history)'
        )


def label_version(store: Store, name: str, label: str) -> int:
    """The version `label` points at; UnknownLabel (listing the labels there are) otherwise."""
    version = store.prompt_label(name, label)
    if version is not None:
        return version
    raise unknown_label(store, name, label)


def unknown_label(store: Store, name: str, label: str) -> UnknownLabel:
    known = [record.label for record in store.prompt_labels(name)]
    if not known and store.latest_prompt_version(name) is None:
        return UnknownLabel(
            f"prompt '{name}' has no label '{label}': it has no published version yet (run "
            f"`platform prompts publish {name}`, then `platform prompts promote {name} 1 --label {label}`)"
        )
    return UnknownLabel(
        f"prompt '{name}' has no label '{label}' (labels: {', '.join(known) or 'none'}); "
        f"point it at a version with `platform prompts promote {name} VERSION --label {label}`"
    )


def parse_time(text: str) -> str:
    """`--at` text -> store timestamp. A date is its midnight UTC; a time without an offset is UTC."""
    cleaned = text.strip().replace(" ", "T", 1)
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    try:
        moment = dt.datetime.fromisoformat(cleaned)
    except ValueError:
        raise UserError(
            f"--at {text!r}: not a time; write an ISO date or time, e.g. 2025-01-31 or "
            "2025-01-31T14:30:00Z (no offset means UTC)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return utc_timestamp(moment)


def labels_at(store: Store, name: str, at: str) -> dict[str, LabelMove | None]:
    """For every label `name` ever had: the move that set it as of `at` (None: it did not exist yet)."""
    labels = sorted({move.label for move in store.prompt_label_moves(name)})
    return {label: store.prompt_label_at(name, label, at) for label in labels}
