"""Records of guarded rollouts (the walk, its decision log, online samples, scores), with their row readers.

Loaded by the first query that returns one: creating ~35 dataclasses was most of importing the store, and
a command reads the records of one or two parts at most."""

from __future__ import annotations

from dataclasses import dataclass, fields

from platform_cli.store.engine import Row
from platform_cli.store.sql import rollout as sql


@dataclass(frozen=True)
class RolloutRecord:
    """One rollout of one prompt version. `steps` / `holds` are JSON text (percents; days per step)."""

    rollout_id: str
    feature: str
    prompt: str
    version: int
    variant: str  # the registry variant that carries the canary ('v<version>': pinned to it)
    control_version: int | None  # what production served when the rollout started
    steps: str
    holds: str
    step: int  # index into steps
    step_started_at: str
    status: str  # active | completed | rolled_back | aborted
    started_at: str
    started_by: str
    reason: str
    finished_at: str | None = None
    outcome: str | None = None  # why it finished (the breach, the abort reason, "completed")
    rollback_id: str | None = None


@dataclass(frozen=True)
class RolloutEvent:
    """One decision of the append-only log. `detail` is JSON text (guards, numbers, tests)."""

    rollout_id: str
    at: str
    kind: str  # start | advance | hold | wait | drift | stalled | breach | rollback | abort | complete
    step: int
    actor: str
    summary: str
    detail: str
    id: int = 0


@dataclass(frozen=True)
class OnlineSample:
    """A live answer sampled for scoring (written by the runtime's background writer)."""

    at: str
    feature: str
    operation: str
    prompt: str
    prompt_version: int
    prompt_hash: str
    variant: str | None
    segment: str | None
    user_hash: str | None
    input: str  # JSON text: the prompt variables (chat: with the message)
    output: str
    refusal: bool
    finish_reason: str | None
    latency_ms: float
    provider: str | None
    model: str | None
    cost_usd: float | None
    cache_hit: bool
    input_tokens: int
    output_tokens: int
    id: int = 0

    def values(self) -> tuple[object, ...]:
        row = (getattr(self, name) for name in sql.SAMPLE_COLUMNS)
        return tuple(int(v) if isinstance(v, bool) else v for v in row)


@dataclass(frozen=True)
class SampleScore:
    """What a scoring pass found for one sample."""

    id: int
    scored_at: str
    suite: str
    suite_hash: str
    score: float | None  # None: every scorer skipped it
    passed: bool | None
    scores: str  # JSON text: each scorer's verdict
    judge_cost_usd: float | None


@dataclass(frozen=True)
class ScoreRow:
    variant: str  # '(none)' when no allocation applied
    segment: str  # '(none)' when the call named none
    day: str
    score: float


@dataclass(frozen=True)
class CostBucket:
    """Priced answers of one cohort, segment and day in one 5%-wide cost bucket."""

    variant: str
    segment: str
    day: str
    bucket: int
    requests: int
    cost_usd: float


ROLLOUT_FIELDS = [f.name for f in fields(RolloutRecord)]
assert tuple(ROLLOUT_FIELDS) == sql.ROLLOUT_COLUMNS, "RolloutRecord and sql.ROLLOUT_COLUMNS must agree"
assert set(sql.SAMPLE_COLUMNS) == {f.name for f in fields(OnlineSample)} - {"id"}


def read_rollout(row: Row) -> RolloutRecord:
    values = dict(zip(ROLLOUT_FIELDS, row, strict=True))
    for name in ("version", "step"):
        values[name] = int(values[name])
    return RolloutRecord(**values)


def read_event(row: Row) -> RolloutEvent:
    rollout_id, at, kind, step, actor, summary, detail = row[1:]
    return RolloutEvent(str(rollout_id), str(at), str(kind), int(step), str(actor), str(summary), str(detail),
                        id=int(row[0]))  # fmt: skip


def read_sample(row: Row) -> OnlineSample:
    values = dict(zip(["id", *sql.SAMPLE_COLUMNS], row, strict=True))
    values["refusal"], values["cache_hit"] = bool(values["refusal"]), bool(values["cache_hit"])
    return OnlineSample(**values)
