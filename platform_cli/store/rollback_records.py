"""Records of rollbacks (journal, steps, audit log, revocations, overrides, drills, blast radius), with their
row readers.

Loaded by the first query that returns one: creating ~35 dataclasses was most of importing the store, and
a command reads the records of one or two parts at most."""

from __future__ import annotations

from dataclasses import dataclass, fields

from platform_cli.store.engine import Row


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
        return tuple(int(v) if isinstance(v, bool) else v for v in (getattr(self, n) for n in DRILL_FIELDS))


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


DRILL_FIELDS = [f.name for f in fields(DrillRecord)]


def read_rollback(row: Row) -> RollbackRecord:
    return RollbackRecord(*row)


def read_step(row: Row) -> StepRecord:
    return StepRecord(row[0], int(row[1]), row[2], row[3], int(row[4]), row[5], row[6], row[7])


def read_audit(row: Row) -> AuditEntry:
    return AuditEntry(int(row[0]), *row[1:])


def read_override(row: Row) -> OverrideRecord:
    return OverrideRecord(int(row[0]), *row[1:])


def read_drill(row: Row) -> DrillRecord:
    values = list(row)
    values[10] = bool(values[10])
    return DrillRecord(*values)
