"""Store queries of guarded rollouts: the walk, its decision log, online samples and their scores."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from platform_cli.store.cost import PricedEvent
from platform_cli.store.engine import Engine, Row
from platform_cli.store.sql import rollout as sql

MAX_SCORE_ROWS = 500_000


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


_ROLLOUT_FIELDS = [f.name for f in fields(RolloutRecord)]
assert tuple(_ROLLOUT_FIELDS) == sql.ROLLOUT_COLUMNS, "RolloutRecord and sql.ROLLOUT_COLUMNS must agree"
assert set(sql.SAMPLE_COLUMNS) == {f.name for f in fields(OnlineSample)} - {"id"}


def _rollout(row: Row) -> RolloutRecord:
    values = dict(zip(_ROLLOUT_FIELDS, row, strict=True))
    for name in ("version", "step"):
        values[name] = int(values[name])
    return RolloutRecord(**values)


def _event(row: Row) -> RolloutEvent:
    rollout_id, at, kind, step, actor, summary, detail = row[1:]
    return RolloutEvent(str(rollout_id), str(at), str(kind), int(step), str(actor), str(summary), str(detail),
                        id=int(row[0]))  # fmt: skip


def _sample(row: Row) -> OnlineSample:
    values = dict(zip(["id", *sql.SAMPLE_COLUMNS], row, strict=True))
    values["refusal"], values["cache_hit"] = bool(values["refusal"]), bool(values["cache_hit"])
    return OnlineSample(**values)


def has_rollout_schema(store: Any) -> bool:
    """Whether `store` (a Store) has the rollout tables: one read without migrating may predate them."""
    return any(applied.name == sql.ROLLOUT_MIGRATION_NAME for applied in store.applied())


class RolloutQueries:
    """Mixed into `Store`."""

    _db: Engine

    # --- the walk -----------------------------------------------------------------------------------------
    def add_rollout(self, record: RolloutRecord) -> None:
        """Insert a new active rollout (StoreConflict when the prompt already has one)."""
        self._db.execute(sql.INSERT_ROLLOUT, tuple(getattr(record, name) for name in _ROLLOUT_FIELDS))

    def rollout(self, rollout_id: str) -> RolloutRecord | None:
        row = self._db.fetchone(sql.SELECT_ROLLOUT, (rollout_id,))
        return None if row is None else _rollout(row)

    def active_rollout(self, prompt: str) -> RolloutRecord | None:
        row = self._db.fetchone(sql.SELECT_ACTIVE_ROLLOUT, (prompt,))
        return None if row is None else _rollout(row)

    def active_rollouts(self, feature: str) -> list[RolloutRecord]:
        return [_rollout(row) for row in self._db.fetchall(sql.SELECT_ACTIVE_ROLLOUTS, (feature,))]

    def rollouts(self, feature: str, prompt: str | None = None, limit: int = 50) -> list[RolloutRecord]:
        """Rollouts of `feature` (of one prompt), newest first."""
        if prompt is None:
            rows = self._db.fetchall(sql.SELECT_ROLLOUTS, (feature, limit))
        else:
            rows = self._db.fetchall(sql.SELECT_ROLLOUTS_OF_PROMPT, (feature, prompt, limit))
        return [_rollout(row) for row in rows]

    def advance_rollout(self, rollout_id: str, *, from_step: int, to_step: int, at: str) -> bool:
        """Move an active rollout from `from_step` to `to_step`; False when it is not there any more."""
        cursor = self._db.execute(sql.ADVANCE_ROLLOUT, (to_step, at, rollout_id, from_step))
        return cursor.rowcount == 1

    def finish_rollout(
        self, rollout_id: str, *, status: str, at: str, outcome: str, rollback_id: str | None = None
    ) -> bool:
        """End an active rollout (completed | rolled_back | aborted); False when it had already ended."""
        cursor = self._db.execute(sql.FINISH_ROLLOUT, (status, at, outcome, rollback_id, rollout_id))
        return cursor.rowcount == 1

    # --- the decision log ---------------------------------------------------------------------------------
    def add_rollout_event(self, event: RolloutEvent) -> int:
        row = self._db.fetchone(sql.INSERT_EVENT, tuple(getattr(event, n) for n in sql.EVENT_COLUMNS))
        return 0 if row is None else int(row[0])

    def rollout_events(self, rollout_id: str) -> list[RolloutEvent]:
        return [_event(row) for row in self._db.fetchall(sql.SELECT_EVENTS, (rollout_id,))]

    def last_rollout_event(self, rollout_id: str) -> RolloutEvent | None:
        row = self._db.fetchone(sql.SELECT_LAST_EVENT, (rollout_id,))
        return None if row is None else _event(row)

    # --- online samples -----------------------------------------------------------------------------------
    def add_online_samples(self, samples: Sequence[OnlineSample]) -> None:
        """Insert sampled answers (in the caller's transaction: the writer's batch)."""
        if samples:
            self._db.executemany(sql.INSERT_SAMPLE, [sample.values() for sample in samples])

    def unscored_samples(self, feature: str, *, after_id: int = 0, limit: int = 500) -> list[OnlineSample]:
        rows = self._db.fetchall(sql.SELECT_UNSCORED, (feature, after_id, limit))
        return [_sample(row) for row in rows]

    def count_unscored_samples(self, feature: str) -> int:
        row = self._db.fetchone(sql.COUNT_UNSCORED, (feature,))
        return 0 if row is None else int(row[0])

    def set_sample_scores(self, scores: Sequence[SampleScore]) -> None:
        """Record scores (a sample already scored by another pass keeps its first score)."""
        if not scores:
            return
        rows = [
            (s.scored_at, s.suite, s.suite_hash, s.score, None if s.passed is None else int(s.passed),
             s.scores, s.judge_cost_usd, s.id)
            for s in scores
        ]  # fmt: skip
        with self._db.transaction():
            self._db.executemany(sql.SET_SCORE, rows)

    def sample_scores(
        self, feature: str, prompt: str, since: str, until: str, limit: int = MAX_SCORE_ROWS
    ) -> list[ScoreRow]:
        rows = self._db.fetchall(sql.SELECT_SCORES, (feature, prompt, since, until, limit))
        return [ScoreRow(str(v), str(s), str(d), float(score)) for v, s, d, score in rows]

    def sample_counts(self, feature: str, prompt: str, since: str, until: str) -> dict[str, tuple[int, int]]:
        """variant -> (sampled, scored) in [since, until)."""
        rows = self._db.fetchall(sql.SAMPLE_COUNTS, (feature, prompt, since, until))
        return {str(v): (int(n), int(scored or 0)) for v, n, scored in rows}

    def judge_spent(self, feature: str, since: str, until: str) -> float:
        """USD the judge scorer spent on samples scored in [since, until)."""
        row = self._db.fetchone(sql.JUDGE_SPENT, (feature, since, until))
        return 0.0 if row is None or row[0] is None else float(row[0])

    # --- cost evidence ------------------------------------------------------------------------------------
    def cost_histogram(self, feature: str, prompt: str, since: str, until: str) -> list[CostBucket]:
        rows = self._db.fetchall(sql.COST_HISTOGRAM, (feature, prompt, since, until))
        return [CostBucket(str(v), str(s), str(d), int(b), int(n), float(c)) for v, s, d, b, n, c in rows]

    def never_priced_events(
        self, feature: str, prompt: str, since: str, until: str, *, after_id: int = 0, limit: int = 5000
    ) -> list[PricedEvent]:
        """Events of `prompt` the runtime left unpriced (no price_version), `limit` at a time by id."""
        rows = self._db.fetchall(sql.SELECT_NEVER_PRICED, (feature, prompt, since, until, after_id, limit))
        return [
            PricedEvent(int(r[0]), r[1], int(r[2]), int(r[3]), int(r[4]), int(r[5]), int(r[6]), r[7], r[8])
            for r in rows
        ]
