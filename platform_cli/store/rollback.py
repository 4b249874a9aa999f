"""Store queries of rollbacks: journal and steps, audit log, revoked versions, runtime overrides, drills,
and the blast-radius counts a rollback plan reads from the runtime's and the eval harness's tables."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, fields

from platform_cli.store.engine import Engine, Row
from platform_cli.store.sql import rollback as sql

SAMPLE_SIZE = 5
_SCRATCH_SCHEMA = re.compile(r"platform_drill_[0-9a-f]{8,32}")


@dataclass(frozen=True)
class RollbackRecord:
    """The journal header of one prompt rollback. `plan` and `blast_radius` are JSON text."""

    rollback_id: str
    feature: str
    prompt: str
    from_version: int
    to_version: int
    role: str  # production | canary | version: what the bad version was when the plan was made
    history_policy: str  # quarantine | flag | summarize
    reason: str
    actor: str
    plan: str
    blast_radius: str
    status: str  # running | done
    started_at: str
    finished_at: str | None = None


@dataclass(frozen=True)
class StepRecord:
    """One journal step: pending until the transaction that applied it also marked it done."""

    rollback_id: str
    position: int
    step: str
    status: str  # pending | done
    attempts: int
    started_at: str | None
    finished_at: str | None
    result: str | None  # JSON text: what the step changed


@dataclass(frozen=True)
class AuditEntry:
    """One entry of the append-only audit log. `record` is JSON text (blast radius, steps, before/after)."""

    id: int
    kind: str  # prompt | model | provider
    feature: str
    subject: str
    rollback_id: str | None
    actor: str
    at: str
    reason: str
    summary: str
    record: str


@dataclass(frozen=True)
class Revocation:
    """A rolled-back prompt version: while not lifted, its cache is dead and its turns follow `history`."""

    prompt: str
    version: int
    history: str
    rollback_id: str
    revoked_at: str
    lifted_at: str | None
    lifted_by: str | None


@dataclass(frozen=True)
class OverrideRecord:
    """A pinned runtime override of one provider: `model` (use another snapshot), `disable`, or `clear`."""

    id: int
    feature: str
    provider: str
    action: str
    model: str | None
    manifest_model: str  # the manifest's model when it was set: it applies only while that is unchanged
    set_at: str
    set_by: str
    reason: str


@dataclass(frozen=True)
class DrillRecord:
    """One rollback drill, run against a scratch copy of the state and recorded in the shared store."""

    drill_id: str
    feature: str
    prompt: str
    scenario: str
    history_policy: str
    scratch: str
    started_at: str
    finished_at: str
    duration_ms: float
    rollback_ms: float
    passed: bool
    checks: str  # JSON text: [{name, passed, detail}]
    actor: str

    def values(self) -> tuple[object, ...]:
        return tuple(int(v) if isinstance(v, bool) else v for v in (getattr(self, n) for n in _DRILL_FIELDS))


@dataclass(frozen=True)
class Footprint:
    """Rows a version left in one table: how many, when first and last, and a few ids to look at."""

    count: int
    first: str | None
    last: str | None
    samples: tuple[str, ...] = ()


@dataclass(frozen=True)
class TurnFootprint:
    turns: int
    conversations: int
    first: str | None
    last: str | None
    quarantined: int
    marked: int  # turns a rollback already acted on (quarantined, flagged or summarized)
    sample_conversations: tuple[str, ...]
    sample_turns: tuple[int, ...]


@dataclass(frozen=True)
class UsageFootprint:
    calls: int
    users: int
    first: str | None
    last: str | None
    input_tokens: int
    output_tokens: int
    cost_usd: float | None  # the priced calls' cost; None when no call was priced
    priced_calls: int
    unpriced_calls: int  # calls that used tokens and have no cost (never shown as $0)
    cache_hits: int
    errors: int
    eval_calls: int  # made by eval runs (usage_events.traffic = 'eval'), not by users


@dataclass(frozen=True)
class CohortServed:
    variant: str | None
    segment: str | None
    calls: int
    users: int


@dataclass(frozen=True)
class EvalRunRef:
    run_id: str
    suite: str
    status: str
    verdict: str | None
    started_at: str


_DRILL_FIELDS = [f.name for f in fields(DrillRecord)]


def _scratch_name(schema: str) -> str:
    if not _SCRATCH_SCHEMA.fullmatch(schema):
        raise ValueError(f"not a drill scratch schema name: {schema!r}")
    return schema


def _int(value: object) -> int:
    return 0 if value is None else int(value)  # type: ignore[call-overload]


def _rollback(row: Row) -> RollbackRecord:
    return RollbackRecord(*row)


def _step(row: Row) -> StepRecord:
    return StepRecord(row[0], int(row[1]), row[2], row[3], int(row[4]), row[5], row[6], row[7])


def _audit(row: Row) -> AuditEntry:
    return AuditEntry(int(row[0]), *row[1:])


def _override(row: Row) -> OverrideRecord:
    return OverrideRecord(int(row[0]), *row[1:])


def _drill(row: Row) -> DrillRecord:
    values = list(row)
    values[10] = bool(values[10])
    return DrillRecord(*values)


class RollbackQueries:
    """Mixed into `Store`."""

    _db: Engine

    # --- journal ------------------------------------------------------------------------------------------
    def insert_rollback(self, record: RollbackRecord, steps: Sequence[str]) -> None:
        """The journal header and its steps, all pending (call inside a transaction)."""
        self._db.execute(sql.INSERT_ROLLBACK, tuple(getattr(record, f.name) for f in fields(record)))
        self._db.executemany(
            sql.INSERT_STEP,
            [(record.rollback_id, position, step, "pending", 0, None, None, None)
             for position, step in enumerate(steps, start=1)],
        )  # fmt: skip

    def rollback_record(self, rollback_id: str) -> RollbackRecord | None:
        row = self._db.fetchone(sql.SELECT_ROLLBACK, (rollback_id,))
        return None if row is None else _rollback(row)

    def running_rollback(self, prompt: str) -> RollbackRecord | None:
        row = self._db.fetchone(sql.SELECT_RUNNING_ROLLBACK, (prompt,))
        return None if row is None else _rollback(row)

    def running_rollbacks(self) -> list[RollbackRecord]:
        return [_rollback(row) for row in self._db.fetchall(sql.SELECT_RUNNING_ROLLBACKS)]

    def last_rollback(self, prompt: str) -> RollbackRecord | None:
        row = self._db.fetchone(sql.SELECT_LAST_ROLLBACK, (prompt,))
        return None if row is None else _rollback(row)

    def rollback_records(self, *, limit: int = 50) -> list[RollbackRecord]:
        """Newest first."""
        return [_rollback(row) for row in self._db.fetchall(sql.SELECT_ROLLBACKS, (limit,))]

    def lock_rollback(self, rollback_id: str) -> str | None:
        """Lock the journal row until the transaction ends; return its status (None: no such rollback)."""
        row = self._db.fetchone(sql.LOCK_ROLLBACK, (rollback_id,))
        return None if row is None else str(row[0])

    def rollback_steps(self, rollback_id: str) -> list[StepRecord]:
        return [_step(row) for row in self._db.fetchall(sql.SELECT_STEPS, (rollback_id,))]

    def start_rollback_step(self, rollback_id: str, position: int, at: str) -> bool:
        """Count an attempt at a pending step; False when it is already done."""
        return self._db.execute(sql.START_STEP, (at, rollback_id, position)).rowcount == 1

    def finish_rollback_step(self, rollback_id: str, position: int, at: str, result: str) -> bool:
        """Mark a pending step done (in the transaction that applied it); False when it already was."""
        return self._db.execute(sql.FINISH_STEP, (at, result, rollback_id, position)).rowcount == 1

    def finish_rollback(self, rollback_id: str, at: str) -> None:
        self._db.execute(sql.FINISH_ROLLBACK, (at, rollback_id))

    # --- audit log ----------------------------------------------------------------------------------------
    def add_rollback_audit(self, entry: AuditEntry) -> None:
        values = tuple(getattr(entry, f.name) for f in fields(entry))[1:]
        self._db.execute(sql.INSERT_AUDIT, values)

    def rollback_audit(
        self, feature: str, *, subject: str | None = None, limit: int = 50
    ) -> list[AuditEntry]:
        """A feature's audit entries (of one prompt or provider when `subject` is given), newest first."""
        if subject is None:
            return [_audit(row) for row in self._db.fetchall(sql.SELECT_AUDIT, (feature, limit))]
        rows = self._db.fetchall(sql.SELECT_AUDIT_OF_SUBJECT, (feature, subject, limit))
        return [_audit(row) for row in rows]

    def rollback_audit_of(self, rollback_id: str) -> AuditEntry | None:
        row = self._db.fetchone(sql.SELECT_AUDIT_OF_ROLLBACK, (rollback_id,))
        return None if row is None else _audit(row)

    def rollback_audit_entry(self, entry_id: int) -> AuditEntry | None:
        row = self._db.fetchone(sql.SELECT_AUDIT_BY_ID, (entry_id,))
        return None if row is None else _audit(row)

    # --- revoked versions ---------------------------------------------------------------------------------
    def revoke_prompt_version(
        self, prompt: str, version: int, *, history: str, rollback_id: str, at: str
    ) -> None:
        self._db.execute(sql.UPSERT_REVOCATION, (prompt, version, history, rollback_id, at))

    def lift_revocation(self, prompt: str, version: int, *, at: str, by: str) -> int:
        """Serve `version` again (a label or pinned variant was moved to it on purpose)."""
        return self._db.execute(sql.LIFT_REVOCATION, (at, by, prompt, version)).rowcount

    def prompt_revocation(self, prompt: str, version: int) -> Revocation | None:
        row = self._db.fetchone(sql.SELECT_REVOCATION, (prompt, version))
        return None if row is None else Revocation(row[0], int(row[1]), *row[2:])

    def prompt_revocations(self, prompt: str) -> list[Revocation]:
        return [
            Revocation(r[0], int(r[1]), *r[2:]) for r in self._db.fetchall(sql.SELECT_REVOCATIONS, (prompt,))
        ]

    def version_revoked(self, prompt: str, version: int) -> bool:
        row = self._db.fetchone(sql.SELECT_VERSION_REVOKED, (prompt, version))
        return bool(row and row[0])

    def mark_turns(
        self, prompt: str, version: int, *, action: str, rollback_id: str, reason: str, at: str
    ) -> int:
        """Apply a history policy to every turn of `prompt` v`version` not acted on yet; return how many."""
        if action == "quarantine":
            params: tuple[object, ...] = (at, reason, rollback_id, prompt, version)
            return self._db.execute(sql.MARK_TURNS_QUARANTINED, params).rowcount
        return self._db.execute(sql.MARK_TURNS, (action, rollback_id, prompt, version)).rowcount

    # --- blast radius -------------------------------------------------------------------------------------
    def cache_footprint(self, prompt: str, version: int) -> Footprint:
        row = self._db.fetchone(sql.BLAST_CACHE, (prompt, version)) or (0, None, None)
        return Footprint(_int(row[0]), row[1], row[2])

    def turn_footprint(self, prompt: str, version: int, *, samples: int = SAMPLE_SIZE) -> TurnFootprint:
        row = self._db.fetchone(sql.BLAST_TURNS, (prompt, version)) or (0, 0, None, None, 0, 0)
        conversations = self._db.fetchall(sql.BLAST_SAMPLE_CONVERSATIONS, (prompt, version, samples))
        turns = self._db.fetchall(sql.BLAST_SAMPLE_TURNS, (prompt, version, samples))
        return TurnFootprint(
            _int(row[0]), _int(row[1]), row[2], row[3], _int(row[4]), _int(row[5]),
            tuple(str(r[0]) for r in conversations), tuple(int(r[0]) for r in turns),
        )  # fmt: skip

    def usage_footprint(self, prompt: str, version: int) -> UsageFootprint:
        row = self._db.fetchone(sql.BLAST_USAGE, (prompt, version)) or (0,) * 12
        return UsageFootprint(
            _int(row[0]), _int(row[1]), row[2], row[3], _int(row[4]), _int(row[5]),
            None if row[6] is None or not row[7] else float(row[6]), _int(row[7]), _int(row[8]),
            _int(row[9]), _int(row[10]), _int(row[11]),
        )  # fmt: skip

    def cohorts_served(self, prompt: str, version: int, *, limit: int = 50) -> list[CohortServed]:
        rows = self._db.fetchall(sql.BLAST_COHORTS, (prompt, version, limit))
        return [CohortServed(r[0], r[1], _int(r[2]), _int(r[3])) for r in rows]

    def eval_runs_of_version(self, prompt: str, version: int) -> list[EvalRunRef]:
        """Every eval run of `prompt` v`version`, newest first."""
        return [EvalRunRef(*row) for row in self._db.fetchall(sql.BLAST_EVAL_RUNS, (prompt, version))]

    def baseline_suites(self, prompt: str) -> list[str]:
        """Suites that ever had a baseline for `prompt`."""
        return [str(row[0]) for row in self._db.fetchall(sql.SELECT_BASELINE_SUITES, (prompt,))]

    # --- runtime overrides --------------------------------------------------------------------------------
    def add_runtime_override(self, record: OverrideRecord) -> None:
        values = tuple(getattr(record, f.name) for f in fields(record))[1:]
        self._db.execute(sql.INSERT_OVERRIDE, values)

    def current_overrides(self, feature: str) -> list[OverrideRecord]:
        """The latest override row of each provider of `feature` (including `clear` rows)."""
        return [_override(row) for row in self._db.fetchall(sql.SELECT_CURRENT_OVERRIDES, (feature,))]

    def override_history(self, feature: str, *, limit: int = 100) -> list[OverrideRecord]:
        """Newest first."""
        return [_override(row) for row in self._db.fetchall(sql.SELECT_OVERRIDE_HISTORY, (feature, limit))]

    # --- drills -------------------------------------------------------------------------------------------
    def prompt_row(self, name: str) -> tuple[str, str] | None:
        """(salt, created_at) of a prompt (a drill copies it: cohorts stay the same in the scratch copy)."""
        row = self._db.fetchone(sql.SELECT_PROMPT_ROW, (name,))
        return None if row is None else (str(row[1]), str(row[2]))

    def insert_prompt_row(self, name: str, salt: str, created_at: str) -> None:
        self._db.execute(sql.INSERT_PROMPT_ROW, (name, salt, created_at))

    def create_scratch_schema(self, schema: str) -> None:
        self._db.execute(sql.CREATE_SCRATCH_SCHEMA.format(schema=_scratch_name(schema)))

    def drop_scratch_schema(self, schema: str) -> None:
        self._db.execute(sql.DROP_SCRATCH_SCHEMA.format(schema=_scratch_name(schema)))

    def add_drill(self, record: DrillRecord) -> None:
        self._db.execute(sql.INSERT_DRILL, record.values())

    def drills(self, feature: str, *, limit: int = 20) -> list[DrillRecord]:
        """Newest first."""
        return [_drill(row) for row in self._db.fetchall(sql.SELECT_DRILLS, (feature, limit))]

    def last_passed_drill(self, feature: str) -> DrillRecord | None:
        row = self._db.fetchone(sql.SELECT_LAST_PASSED_DRILL, (feature,))
        return None if row is None else _drill(row)
