"""Baselines: per prompt and suite, the run new runs are compared with; every change is kept as history.

`restore_baseline(store, prompt, suite, version)` is what a rollback calls: the baseline goes back to the
one that was set from a run of the version being restored (recorded as a new history entry).
"""

from __future__ import annotations

from dataclasses import dataclass

from platform_cli.errors import UserError
from platform_cli.store import Store
from platform_cli.store.engine import utc_timestamp
from platform_cli.store.evals import BaselineRecord, EvalRunRecord


@dataclass(frozen=True)
class BaselineChange:
    record: BaselineRecord
    previous: BaselineRecord | None
    dry_run: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "prompt": self.record.prompt, "suite": self.record.suite, "run": self.record.run_id,
            "prompt_version": self.record.prompt_version, "previous_run": self.previous.run_id
            if self.previous else None, "set_by": self.record.set_by, "reason": self.record.reason,
            "dry_run": self.dry_run,
        }  # fmt: skip


def finished_run(store: Store, run_id: str) -> EvalRunRecord:
    run = store.eval_run(run_id)
    if run is None:
        raise UserError(f"no eval run {run_id!r} in the state store (see `platform eval runs`)")
    if run.status != "finished":
        raise UserError(
            f"eval run {run_id} is {run.status}: only a finished run can be a baseline "
            f"(resume it with `platform eval run --resume {run_id}`)"
        )
    return run


def set_baseline(
    store: Store, run_id: str, *, author: str, reason: str = "", dry_run: bool = False
) -> BaselineChange:
    """Make a finished run the baseline of its prompt's suite (history kept)."""
    run = finished_run(store, run_id)
    with store.transaction():
        previous = store.eval_baseline(run.prompt, run.suite)
        record = BaselineRecord(
            0, run.prompt, run.suite, run.run_id, run.prompt_version, run.prompt_hash, utc_timestamp(),
            author, reason.strip(),
        )  # fmt: skip
        if not dry_run:
            store.add_eval_baseline(record)
    return BaselineChange(record, previous, dry_run)


def restore_baseline(
    store: Store, prompt: str, suite: str, version: int, *, author: str, reason: str, dry_run: bool = False
) -> BaselineChange | None:
    """Point the suite's baseline back at the last one set from a run of `version` (None: there was none)."""
    earlier = store.eval_baseline_of_version(prompt, suite, version)
    if earlier is None:
        return None
    return set_baseline(store, earlier.run_id, author=author, reason=reason, dry_run=dry_run)
