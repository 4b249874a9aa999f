"""Store queries of guarded rollouts: the walk, its decision log, online samples and their scores."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from platform_cli.store.engine import Engine
from platform_cli.store.sql import rollout as sql

if TYPE_CHECKING:
    from platform_cli.store.cost_records import PricedEvent
    from platform_cli.store.rollout_records import (
        CostBucket,
        OnlineSample,
        RolloutEvent,
        RolloutRecord,
        SampleScore,
        ScoreRow,
    )

# The record classes are re-exported: importing them from here loads them on first use (see __getattr__).
__all__ = [
    "MAX_SCORE_ROWS",
    "CostBucket",
    "OnlineSample",
    "RolloutEvent",
    "RolloutQueries",
    "RolloutRecord",
    "SampleScore",
    "ScoreRow",
    "has_rollout_schema",
]

MAX_SCORE_ROWS = 500_000


def has_rollout_schema(store: Any) -> bool:
    """Whether `store` (a Store) has the rollout tables: one read without migrating may predate them."""
    return any(applied.name == sql.ROLLOUT_MIGRATION_NAME for applied in store.applied())


class RolloutQueries:
    """Mixed into `Store`."""

    _db: Engine

    # --- the walk -----------------------------------------------------------------------------------------
    def add_rollout(self, record: RolloutRecord) -> None:
        """Insert a new active rollout (StoreConflict when the prompt already has one)."""
        from platform_cli.store import rollout_records as records

        self._db.execute(sql.INSERT_ROLLOUT, tuple(getattr(record, name) for name in records.ROLLOUT_FIELDS))

    def rollout(self, rollout_id: str) -> RolloutRecord | None:
        from platform_cli.store import rollout_records as records

        row = self._db.fetchone(sql.SELECT_ROLLOUT, (rollout_id,))
        return None if row is None else records.read_rollout(row)

    def active_rollout(self, prompt: str) -> RolloutRecord | None:
        row = self._db.fetchone(sql.SELECT_ACTIVE_ROLLOUT, (prompt,))
        if row is None:
            return None
        from platform_cli.store import rollout_records as records

        return records.read_rollout(row)

    def active_rollouts(self, feature: str) -> list[RolloutRecord]:
        rows = self._db.fetchall(sql.SELECT_ACTIVE_ROLLOUTS, (feature,))
        if not rows:  # the readiness check of a repo with no rollout builds no rollout record class
            return []
        from platform_cli.store import rollout_records as records

        return [records.read_rollout(row) for row in rows]

    def rollouts(self, feature: str, prompt: str | None = None, limit: int = 50) -> list[RolloutRecord]:
        """Rollouts of `feature` (of one prompt), newest first."""
        from platform_cli.store import rollout_records as records

        if prompt is None:
            rows = self._db.fetchall(sql.SELECT_ROLLOUTS, (feature, limit))
        else:
            rows = self._db.fetchall(sql.SELECT_ROLLOUTS_OF_PROMPT, (feature, prompt, limit))
        return [records.read_rollout(row) for row in rows]

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
        from platform_cli.store import rollout_records as records

        return [records.read_event(row) for row in self._db.fetchall(sql.SELECT_EVENTS, (rollout_id,))]

    def last_rollout_event(self, rollout_id: str) -> RolloutEvent | None:
        from platform_cli.store import rollout_records as records

        row = self._db.fetchone(sql.SELECT_LAST_EVENT, (rollout_id,))
        return None if row is None else records.read_event(row)

    # --- online samples -----------------------------------------------------------------------------------
    def add_online_samples(self, samples: Sequence[OnlineSample]) -> None:
        """Insert sampled answers (in the caller's transaction: the writer's batch)."""
        if samples:
            self._db.executemany(sql.INSERT_SAMPLE, [sample.values() for sample in samples])

    def unscored_samples(self, feature: str, *, after_id: int = 0, limit: int = 500) -> list[OnlineSample]:
        from platform_cli.store import rollout_records as records

        rows = self._db.fetchall(sql.SELECT_UNSCORED, (feature, after_id, limit))
        return [records.read_sample(row) for row in rows]

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
        from platform_cli.store import rollout_records as records

        rows = self._db.fetchall(sql.SELECT_SCORES, (feature, prompt, since, until, limit))
        return [records.ScoreRow(str(v), str(s), str(d), float(score)) for v, s, d, score in rows]

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
        from platform_cli.store import rollout_records as records

        rows = self._db.fetchall(sql.COST_HISTOGRAM, (feature, prompt, since, until))
        return [
            records.CostBucket(str(v), str(s), str(d), int(b), int(n), float(c)) for v, s, d, b, n, c in rows
        ]

    def never_priced_events(
        self, feature: str, prompt: str, since: str, until: str, *, after_id: int = 0, limit: int = 5000
    ) -> list[PricedEvent]:
        """Events of `prompt` the runtime left unpriced (no price_version), `limit` at a time by id."""
        from platform_cli.store import cost_records

        rows = self._db.fetchall(sql.SELECT_NEVER_PRICED, (feature, prompt, since, until, after_id, limit))
        return [
            cost_records.PricedEvent(
                int(r[0]), r[1], int(r[2]), int(r[3]), int(r[4]), int(r[5]), int(r[6]), r[7], r[8]
            )
            for r in rows
        ]


def __getattr__(name: str) -> Any:
    """A record class named in __all__ loads with its first use (see rollout_records); nothing else does
    (the import system asks modules for attributes such as __path__)."""
    if name in __all__:
        from platform_cli.store import rollout_records

        return getattr(rollout_records, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
