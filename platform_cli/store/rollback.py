"""Store queries of rollbacks: journal and steps, audit log, revoked versions, runtime overrides, drills,
and the blast-radius counts a rollback plan reads from the runtime's and the eval harness's tables."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from platform_cli.store.engine import Engine
from platform_cli.store.sql import rollback as sql

if TYPE_CHECKING:
    from platform_cli.store.rollback_records import (
        AuditEntry,
        CohortServed,
        DrillRecord,
        EvalRunRef,
        Footprint,
        OverrideRecord,
        Revocation,
        RollbackRecord,
        StepRecord,
        TurnFootprint,
        UsageFootprint,
    )

# The record classes are re-exported: importing them from here loads them on first use (see __getattr__).
__all__ = [
    "SAMPLE_SIZE",
    "AuditEntry",
    "CohortServed",
    "DrillRecord",
    "EvalRunRef",
    "Footprint",
    "OverrideRecord",
    "Revocation",
    "RollbackQueries",
    "RollbackRecord",
    "StepRecord",
    "TurnFootprint",
    "UsageFootprint",
]

SAMPLE_SIZE = 5
_SCRATCH_SCHEMA = re.compile(r"platform_drill_[0-9a-f]{8,32}")


def _scratch_name(schema: str) -> str:
    if not _SCRATCH_SCHEMA.fullmatch(schema):
        raise ValueError(f"not a drill scratch schema name: {schema!r}")
    return schema


def _int(value: object) -> int:
    return 0 if value is None else int(value)  # type: ignore[call-overload]


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
        from platform_cli.store import rollback_records as records

        row = self._db.fetchone(sql.SELECT_ROLLBACK, (rollback_id,))
        return None if row is None else records.read_rollback(row)

    def running_rollback(self, prompt: str) -> RollbackRecord | None:
        from platform_cli.store import rollback_records as records

        row = self._db.fetchone(sql.SELECT_RUNNING_ROLLBACK, (prompt,))
        return None if row is None else records.read_rollback(row)

    def running_rollbacks(self) -> list[RollbackRecord]:
        rows = self._db.fetchall(sql.SELECT_RUNNING_ROLLBACKS)
        if not rows:  # the usual answer (a readiness check asks it): no record class to build
            return []
        from platform_cli.store import rollback_records as records

        return [records.read_rollback(row) for row in rows]

    def last_rollback(self, prompt: str) -> RollbackRecord | None:
        from platform_cli.store import rollback_records as records

        row = self._db.fetchone(sql.SELECT_LAST_ROLLBACK, (prompt,))
        return None if row is None else records.read_rollback(row)

    def rollback_records(self, *, limit: int = 50) -> list[RollbackRecord]:
        """Newest first."""
        from platform_cli.store import rollback_records as records

        return [records.read_rollback(row) for row in self._db.fetchall(sql.SELECT_ROLLBACKS, (limit,))]

    def lock_rollback(self, rollback_id: str) -> str | None:
        """Lock the journal row until the transaction ends; return its status (None: no such rollback)."""
        row = self._db.fetchone(sql.LOCK_ROLLBACK, (rollback_id,))
        return None if row is None else str(row[0])

    def rollback_steps(self, rollback_id: str) -> list[StepRecord]:
        from platform_cli.store import rollback_records as records

        return [records.read_step(row) for row in self._db.fetchall(sql.SELECT_STEPS, (rollback_id,))]

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
        from platform_cli.store import rollback_records as records

        if subject is None:
            return [records.read_audit(row) for row in self._db.fetchall(sql.SELECT_AUDIT, (feature, limit))]
        rows = self._db.fetchall(sql.SELECT_AUDIT_OF_SUBJECT, (feature, subject, limit))
        return [records.read_audit(row) for row in rows]

    def rollback_audit_of(self, rollback_id: str) -> AuditEntry | None:
        from platform_cli.store import rollback_records as records

        row = self._db.fetchone(sql.SELECT_AUDIT_OF_ROLLBACK, (rollback_id,))
        return None if row is None else records.read_audit(row)

    def rollback_audit_entry(self, entry_id: int) -> AuditEntry | None:
        from platform_cli.store import rollback_records as records

        row = self._db.fetchone(sql.SELECT_AUDIT_BY_ID, (entry_id,))
        return None if row is None else records.read_audit(row)

    # --- revoked versions ---------------------------------------------------------------------------------
    def revoke_prompt_version(
        self, prompt: str, version: int, *, history: str, rollback_id: str, at: str
    ) -> None:
        self._db.execute(sql.UPSERT_REVOCATION, (prompt, version, history, rollback_id, at))

    def lift_revocation(self, prompt: str, version: int, *, at: str, by: str) -> int:
        """Serve `version` again (a label or pinned variant was moved to it on purpose)."""
        return self._db.execute(sql.LIFT_REVOCATION, (at, by, prompt, version)).rowcount

    def prompt_revocation(self, prompt: str, version: int) -> Revocation | None:
        from platform_cli.store import rollback_records as records

        row = self._db.fetchone(sql.SELECT_REVOCATION, (prompt, version))
        return None if row is None else records.Revocation(row[0], int(row[1]), *row[2:])

    def prompt_revocations(self, prompt: str) -> list[Revocation]:
        from platform_cli.store import rollback_records as records

        return [
            records.Revocation(r[0], int(r[1]), *r[2:])
            for r in self._db.fetchall(sql.SELECT_REVOCATIONS, (prompt,))
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
        from platform_cli.store import rollback_records as records

        row = self._db.fetchone(sql.BLAST_CACHE, (prompt, version)) or (0, None, None)
        return records.Footprint(_int(row[0]), row[1], row[2])

    def turn_footprint(self, prompt: str, version: int, *, samples: int = SAMPLE_SIZE) -> TurnFootprint:
        from platform_cli.store import rollback_records as records

        row = self._db.fetchone(sql.BLAST_TURNS, (prompt, version)) or (0, 0, None, None, 0, 0)
        conversations = self._db.fetchall(sql.BLAST_SAMPLE_CONVERSATIONS, (prompt, version, samples))
        turns = self._db.fetchall(sql.BLAST_SAMPLE_TURNS, (prompt, version, samples))
        return records.TurnFootprint(
            _int(row[0]), _int(row[1]), row[2], row[3], _int(row[4]), _int(row[5]),
            tuple(str(r[0]) for r in conversations), tuple(int(r[0]) for r in turns),
        )  # fmt: skip

    def usage_footprint(self, prompt: str, version: int) -> UsageFootprint:
        from platform_cli.store import rollback_records as records

        row = self._db.fetchone(sql.BLAST_USAGE, (prompt, version)) or (0,) * 12
        return records.UsageFootprint(
            _int(row[0]), _int(row[1]), row[2], row[3], _int(row[4]), _int(row[5]),
            None if row[6] is None or not row[7] else float(row[6]), _int(row[7]), _int(row[8]),
            _int(row[9]), _int(row[10]), _int(row[11]),
        )  # fmt: skip

    def cohorts_served(self, prompt: str, version: int, *, limit: int = 50) -> list[CohortServed]:
        from platform_cli.store import rollback_records as records

        rows = self._db.fetchall(sql.BLAST_COHORTS, (prompt, version, limit))
        return [records.CohortServed(r[0], r[1], _int(r[2]), _int(r[3])) for r in rows]

    def eval_runs_of_version(self, prompt: str, version: int) -> list[EvalRunRef]:
        """Every eval run of `prompt` v`version`, newest first."""
        from platform_cli.store import rollback_records as records

        return [records.EvalRunRef(*row) for row in self._db.fetchall(sql.BLAST_EVAL_RUNS, (prompt, version))]

    def baseline_suites(self, prompt: str) -> list[str]:
        """Suites that ever had a baseline for `prompt`."""
        return [str(row[0]) for row in self._db.fetchall(sql.SELECT_BASELINE_SUITES, (prompt,))]

    # --- runtime overrides --------------------------------------------------------------------------------
    def add_runtime_override(self, record: OverrideRecord) -> None:
        values = tuple(getattr(record, f.name) for f in fields(record))[1:]
        self._db.execute(sql.INSERT_OVERRIDE, values)

    def current_overrides(self, feature: str) -> list[OverrideRecord]:
        """The latest override row of each provider of `feature` (including `clear` rows)."""
        rows = self._db.fetchall(sql.SELECT_CURRENT_OVERRIDES, (feature,))
        if not rows:  # the usual answer (a readiness check asks it): no record class to build
            return []
        from platform_cli.store import rollback_records as records

        return [records.read_override(row) for row in rows]

    def override_history(self, feature: str, *, limit: int = 100) -> list[OverrideRecord]:
        """Newest first."""
        from platform_cli.store import rollback_records as records

        return [
            records.read_override(row)
            for row in self._db.fetchall(sql.SELECT_OVERRIDE_HISTORY, (feature, limit))
        ]

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
        rows = self._db.fetchall(sql.SELECT_DRILLS, (feature, limit))
        if not rows:  # the readiness check of a repo that never drilled builds no rollback record class
            return []
        from platform_cli.store import rollback_records as records

        return [records.read_drill(row) for row in rows]

    def last_passed_drill(self, feature: str) -> DrillRecord | None:
        row = self._db.fetchone(sql.SELECT_LAST_PASSED_DRILL, (feature,))
        if row is None:
            return None
        from platform_cli.store import rollback_records as records

        return records.read_drill(row)


def __getattr__(name: str) -> Any:
    """A record class named in __all__ loads with its first use (see rollback_records); nothing else does
    (the import system asks modules for attributes such as __path__)."""
    if name in __all__:
        from platform_cli.store import rollback_records

        return getattr(rollback_records, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
