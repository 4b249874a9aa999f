"""SQL of guarded rollouts: the rollout walk, its append-only decision log, and online-scored samples.

A rollout (`rollouts`) walks one prompt version through its plan's steps; at most one is active per prompt.
Every decision a watch or a person makes (start, advance, hold, wait, breach, rollback, abort, complete)
is a row of `rollout_events`, append-only like the other audit logs. `online_samples` holds the live
answers the runtime sampled (written by its background writer, never on the request path) and, once a
scoring pass has run, their eval scores.
"""

from __future__ import annotations

from platform_cli.store.sql.core import history_table as _history_table
from platform_cli.store.sql.core import placeholders as _marks
from platform_cli.store.statements import ByDialect, Migration

_EVENTS_WHY = "the rollout decision log is append-only"
_STATUS_CHECK = "IN ('active', 'completed', 'rolled_back', 'aborted')"
_PG_APPEND_ONLY = f"""
CREATE FUNCTION rollout_append_only() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    RAISE EXCEPTION USING
        ERRCODE = 'integrity_constraint_violation',
        MESSAGE = TG_TABLE_NAME || ' is append-only: {_EVENTS_WHY}';
END
$body$"""
_REFUSE = f"BEGIN SELECT RAISE(ABORT, 'rollout_events is append-only: {_EVENTS_WHY}'); END"

# --- rollout: schema ----------------------------------------------------------------------------------
ROLLOUT_MIGRATION_NAME = "rollout: guarded rollouts, decision log, online-scored samples"
ROLLOUT_MIGRATION = Migration(
    9,
    ROLLOUT_MIGRATION_NAME,
    (
        f"""CREATE TABLE rollouts (
            rollout_id      TEXT PRIMARY KEY,
            feature         TEXT NOT NULL,
            prompt          TEXT NOT NULL,
            version         INTEGER NOT NULL,
            variant         TEXT NOT NULL,
            control_version INTEGER,
            steps           TEXT NOT NULL,
            holds           TEXT NOT NULL,
            step            INTEGER NOT NULL,
            step_started_at TEXT NOT NULL,
            status          TEXT NOT NULL CHECK (status {_STATUS_CHECK}),
            started_at      TEXT NOT NULL,
            started_by      TEXT NOT NULL,
            reason          TEXT NOT NULL,
            finished_at     TEXT,
            outcome         TEXT,
            rollback_id     TEXT
        )""",
        # One active rollout per prompt: a second `rollout start` must wait for (or abort) the first.
        "CREATE UNIQUE INDEX rollouts_one_active ON rollouts (prompt) WHERE status = 'active'",
        "CREATE INDEX rollouts_by_feature ON rollouts (feature, started_at)",
        _history_table(
            """CREATE TABLE rollout_events (
                {id},
                rollout_id TEXT NOT NULL REFERENCES rollouts (rollout_id),
                at         TEXT NOT NULL,
                kind       TEXT NOT NULL,
                step       INTEGER NOT NULL,
                actor      TEXT NOT NULL,
                summary    TEXT NOT NULL,
                detail     TEXT NOT NULL
            )"""
        ),
        "CREATE INDEX rollout_events_by_rollout ON rollout_events (rollout_id, id)",
        ByDialect(sqlite=None, postgresql=_PG_APPEND_ONLY),
        ByDialect(
            sqlite=f"CREATE TRIGGER rollout_events_no_update BEFORE UPDATE ON rollout_events {_REFUSE}",
            postgresql=(
                "CREATE TRIGGER rollout_events_append_only BEFORE UPDATE OR DELETE ON rollout_events"
                " FOR EACH ROW EXECUTE FUNCTION rollout_append_only()"
            ),
        ),
        ByDialect(
            sqlite=f"CREATE TRIGGER rollout_events_no_delete BEFORE DELETE ON rollout_events {_REFUSE}",
            postgresql=(
                "CREATE TRIGGER rollout_events_no_truncate BEFORE TRUNCATE ON rollout_events"
                " FOR EACH STATEMENT EXECUTE FUNCTION rollout_append_only()"
            ),
        ),
        _history_table(
            """CREATE TABLE online_samples (
                {id},
                at             TEXT NOT NULL,
                feature        TEXT NOT NULL,
                operation      TEXT NOT NULL,
                prompt         TEXT NOT NULL,
                prompt_version INTEGER NOT NULL,
                prompt_hash    TEXT NOT NULL,
                variant        TEXT,
                segment        TEXT,
                user_hash      TEXT,
                input          TEXT NOT NULL,
                output         TEXT NOT NULL,
                refusal        INTEGER NOT NULL,
                finish_reason  TEXT,
                latency_ms     REAL NOT NULL,
                provider       TEXT,
                model          TEXT,
                cost_usd       REAL,
                cache_hit      INTEGER NOT NULL,
                input_tokens   INTEGER NOT NULL,
                output_tokens  INTEGER NOT NULL,
                scored_at      TEXT,
                suite          TEXT,
                suite_hash     TEXT,
                score          REAL,
                passed         INTEGER,
                scores         TEXT,
                judge_cost_usd REAL
            )"""
        ),
        "CREATE INDEX online_samples_by_time ON online_samples (feature, prompt, at)",
        "CREATE INDEX online_samples_unscored ON online_samples (feature, id) WHERE scored_at IS NULL",
    ),
)

# --- rollout: the walk --------------------------------------------------------------------------------
ROLLOUT_COLUMNS = (
    "rollout_id", "feature", "prompt", "version", "variant", "control_version", "steps", "holds", "step",
    "step_started_at", "status", "started_at", "started_by", "reason", "finished_at", "outcome",
    "rollback_id",
)  # fmt: skip
_ROLLOUT = ", ".join(ROLLOUT_COLUMNS)
INSERT_ROLLOUT = f"INSERT INTO rollouts ({_ROLLOUT}) VALUES ({_marks(_ROLLOUT)})"
SELECT_ROLLOUT = f"SELECT {_ROLLOUT} FROM rollouts WHERE rollout_id = ?"
SELECT_ACTIVE_ROLLOUT = f"SELECT {_ROLLOUT} FROM rollouts WHERE prompt = ? AND status = 'active'"
SELECT_ACTIVE_ROLLOUTS = (
    f"SELECT {_ROLLOUT} FROM rollouts WHERE feature = ? AND status = 'active' ORDER BY started_at, prompt"
)
SELECT_ROLLOUTS = f"SELECT {_ROLLOUT} FROM rollouts WHERE feature = ? ORDER BY started_at DESC LIMIT ?"
SELECT_ROLLOUTS_OF_PROMPT = (
    f"SELECT {_ROLLOUT} FROM rollouts WHERE feature = ? AND prompt = ? ORDER BY started_at DESC LIMIT ?"
)
# Optimistic: a step moves only from the step the decision was made on (two watches cannot both advance).
ADVANCE_ROLLOUT = (
    "UPDATE rollouts SET step = ?, step_started_at = ?"
    " WHERE rollout_id = ? AND step = ? AND status = 'active'"
)
FINISH_ROLLOUT = (
    "UPDATE rollouts SET status = ?, finished_at = ?, outcome = ?, rollback_id = ?"
    " WHERE rollout_id = ? AND status = 'active'"
)

EVENT_COLUMNS = ("rollout_id", "at", "kind", "step", "actor", "summary", "detail")
_EVENT = ", ".join(EVENT_COLUMNS)
INSERT_EVENT = f"INSERT INTO rollout_events ({_EVENT}) VALUES ({_marks(_EVENT)}) RETURNING id"
SELECT_EVENTS = f"SELECT id, {_EVENT} FROM rollout_events WHERE rollout_id = ? ORDER BY id"
SELECT_LAST_EVENT = f"SELECT id, {_EVENT} FROM rollout_events WHERE rollout_id = ? ORDER BY id DESC LIMIT 1"

# --- rollout: online samples --------------------------------------------------------------------------
# Names of the columns the runtime writes (same-named fields of store.rollout.OnlineSample).
SAMPLE_COLUMNS = (
    "at", "feature", "operation", "prompt", "prompt_version", "prompt_hash", "variant", "segment",
    "user_hash", "input", "output", "refusal", "finish_reason", "latency_ms", "provider", "model",
    "cost_usd", "cache_hit", "input_tokens", "output_tokens",
)  # fmt: skip
_SAMPLE = ", ".join(SAMPLE_COLUMNS)
INSERT_SAMPLE = f"INSERT INTO online_samples ({_SAMPLE}) VALUES ({_marks(_SAMPLE)})"
SELECT_UNSCORED = (
    f"SELECT id, {_SAMPLE} FROM online_samples WHERE feature = ? AND scored_at IS NULL AND id > ?"
    " ORDER BY id LIMIT ?"
)
COUNT_UNSCORED = "SELECT count(*) FROM online_samples WHERE feature = ? AND scored_at IS NULL"
SET_SCORE = (
    "UPDATE online_samples SET scored_at = ?, suite = ?, suite_hash = ?, score = ?, passed = ?, scores = ?,"
    " judge_cost_usd = ? WHERE id = ? AND scored_at IS NULL"
)
# Scores of one prompt in [since, until): the eval_score guard's evidence, per cohort and segment.
SELECT_SCORES = (
    "SELECT coalesce(variant, '(none)'), coalesce(segment, '(none)'), substr(at, 1, 10), score"
    " FROM online_samples WHERE feature = ? AND prompt = ? AND at >= ? AND at < ? AND score IS NOT NULL"
    " ORDER BY id LIMIT ?"
)
SAMPLE_COUNTS = (
    "SELECT coalesce(variant, '(none)'), count(*), sum(CASE WHEN score IS NULL THEN 0 ELSE 1 END)"
    " FROM online_samples WHERE feature = ? AND prompt = ? AND at >= ? AND at < ? GROUP BY 1"
)
JUDGE_SPENT = (
    "SELECT sum(judge_cost_usd) FROM online_samples WHERE feature = ? AND scored_at >= ? AND scored_at < ?"
)

# --- rollout: cost per request as a distribution ------------------------------------------------------
# Priced answers of one prompt (no eval traffic, no failed calls) in log buckets 5% wide, with each
# bucket's exact sum: enough to bootstrap the mean cost per request without reading every row.
_COST_BUCKET = ByDialect(
    sqlite="CAST(floor(ln(max(cost_usd, 1e-12)) / 0.04879016416943205) AS INTEGER)",
    postgresql="CAST(floor(ln(greatest(cost_usd, 1e-12)::float8) / 0.04879016416943205) AS INTEGER)",
)
_COST_FILTER = (
    " FROM usage_events WHERE feature = ? AND prompt = ? AND at >= ? AND at < ? AND cost_usd IS NOT NULL"
    " AND error IS NULL AND coalesce(traffic, '') <> 'eval' GROUP BY 1, 2, 3, 4"
)
COST_HISTOGRAM = ByDialect(
    sqlite=(
        "SELECT coalesce(variant, '(none)'), coalesce(segment, '(none)'), substr(at, 1, 10),"
        f" {_COST_BUCKET.sqlite}, count(*), sum(cost_usd)" + _COST_FILTER
    ),
    postgresql=(
        "SELECT coalesce(variant, '(none)'), coalesce(segment, '(none)'), substr(at, 1, 10),"
        f" {_COST_BUCKET.postgresql}, count(*), sum(cost_usd::float8)" + _COST_FILTER
    ),
)
# Events the runtime left unpriced (price_version NULL), keyset-paged: a watch prices them before judging.
SELECT_NEVER_PRICED = (
    "SELECT id, model, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,"
    " reasoning_tokens, price_version, provider_kind FROM usage_events WHERE feature = ? AND prompt = ?"
    " AND at >= ? AND at < ? AND price_version IS NULL AND id > ? ORDER BY id LIMIT ?"
)
