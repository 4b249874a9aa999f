"""SQL of the eval harness: runs, per-case results, baselines (with history), gate decisions."""

from __future__ import annotations

from platform_cli.store.sql.core import history_table as _history_table
from platform_cli.store.sql.core import placeholders as _marks
from platform_cli.store.statements import Migration

# --- evals: schema ------------------------------------------------------------------------------
# Per-case results live in the store (not only in the local JSONL run file) so that CI, on another
# machine, can compare a run with its baseline case by case, and `--resume` knows what finished.
EVALS_MIGRATION = Migration(
    5,
    "evals: runs, results, baselines, gate decisions",
    (
        """CREATE TABLE eval_runs (
            run_id         TEXT PRIMARY KEY,
            feature        TEXT NOT NULL,
            suite          TEXT NOT NULL,
            suite_hash     TEXT NOT NULL,
            prompt         TEXT NOT NULL,
            prompt_version INTEGER,
            prompt_hash    TEXT,
            selector       TEXT NOT NULL,
            provider       TEXT,
            model          TEXT,
            dataset_hash   TEXT NOT NULL,
            cases          INTEGER NOT NULL,
            repeats        INTEGER NOT NULL,
            status         TEXT NOT NULL CHECK (status IN ('running', 'finished', 'interrupted', 'failed')),
            started_at     TEXT NOT NULL,
            finished_at    TEXT,
            summary        TEXT,
            verdict        TEXT CHECK (verdict IS NULL OR verdict IN ('pass', 'fail')),
            gate           TEXT,
            run_file       TEXT,
            started_by     TEXT NOT NULL,
            offline        INTEGER NOT NULL
        )""",
        "CREATE INDEX eval_runs_by_suite ON eval_runs (suite, started_at)",
        "CREATE INDEX eval_runs_by_prompt ON eval_runs (prompt, prompt_hash, started_at)",
        """CREATE TABLE eval_results (
            run_id      TEXT NOT NULL REFERENCES eval_runs (run_id),
            case_id     TEXT NOT NULL,
            repeat      INTEGER NOT NULL,
            segment     TEXT,
            score       REAL NOT NULL,
            passed      INTEGER NOT NULL,
            output_hash TEXT,
            output      TEXT,
            scores      TEXT NOT NULL,
            latency_ms  REAL,
            cost_usd    REAL,
            cache_hit   INTEGER NOT NULL,
            error       TEXT,
            at          TEXT NOT NULL,
            PRIMARY KEY (run_id, case_id, repeat)
        )""",
        _history_table(
            """CREATE TABLE eval_baselines (
                {id},
                prompt         TEXT NOT NULL,
                suite          TEXT NOT NULL,
                run_id         TEXT NOT NULL REFERENCES eval_runs (run_id),
                prompt_version INTEGER,
                prompt_hash    TEXT,
                set_at         TEXT NOT NULL,
                set_by         TEXT NOT NULL,
                reason         TEXT NOT NULL
            )"""
        ),
        "CREATE INDEX eval_baselines_by_prompt ON eval_baselines (prompt, suite, id)",
        _history_table(
            """CREATE TABLE eval_gate_decisions (
                {id},
                kind           TEXT NOT NULL CHECK (kind IN ('promotion', 'model')),
                prompt         TEXT NOT NULL,
                version        INTEGER,
                label          TEXT,
                model          TEXT,
                runs           TEXT NOT NULL,
                outcome        TEXT NOT NULL CHECK (outcome IN ('passed', 'overridden')),
                reason         TEXT NOT NULL,
                behaviour_note TEXT NOT NULL,
                decided_at     TEXT NOT NULL,
                decided_by     TEXT NOT NULL
            )"""
        ),
        "CREATE INDEX eval_gate_decisions_by_prompt ON eval_gate_decisions (prompt, id)",
    ),
)

# --- evals: queries -----------------------------------------------------------------------------
RUN_COLUMNS = (
    "run_id, feature, suite, suite_hash, prompt, prompt_version, prompt_hash, selector, provider, model,"
    " dataset_hash, cases, repeats, status, started_at, finished_at, summary, verdict, gate, run_file,"
    " started_by, offline"
)
INSERT_RUN = f"INSERT INTO eval_runs ({RUN_COLUMNS}) VALUES ({_marks(RUN_COLUMNS)})"
SELECT_RUN = f"SELECT {RUN_COLUMNS} FROM eval_runs WHERE run_id = ?"
SELECT_RUNS_OF_SUITE = f"SELECT {RUN_COLUMNS} FROM eval_runs WHERE suite = ? ORDER BY started_at DESC LIMIT ?"
SELECT_LATEST_FINISHED_RUN = (
    f"SELECT {RUN_COLUMNS} FROM eval_runs WHERE suite = ? AND status = 'finished'"
    " ORDER BY started_at DESC, run_id DESC LIMIT 1"
)
SELECT_RUNS_OF_PROMPT_HASH = (
    f"SELECT {RUN_COLUMNS} FROM eval_runs WHERE prompt = ? AND prompt_hash = ? AND status = 'finished'"
    " ORDER BY started_at DESC"
)
SELECT_RECENT_RUNS = f"SELECT {RUN_COLUMNS} FROM eval_runs ORDER BY started_at DESC LIMIT ?"
UPDATE_RUN_STATUS = "UPDATE eval_runs SET status = ?, finished_at = ? WHERE run_id = ?"
UPDATE_RUN_RESUMED = "UPDATE eval_runs SET status = 'running', finished_at = NULL WHERE run_id = ?"
UPDATE_RUN_OUTCOME = (
    "UPDATE eval_runs SET status = ?, finished_at = ?, summary = ?, verdict = ?, gate = ? WHERE run_id = ?"
)
UPDATE_RUN_GATE = "UPDATE eval_runs SET verdict = ?, gate = ? WHERE run_id = ?"

RESULT_COLUMNS = (
    "run_id, case_id, repeat, segment, score, passed, output_hash, output, scores, latency_ms, cost_usd,"
    " cache_hit, error, at"
)
# A result already recorded wins: a resumed run never overwrites what finished.
INSERT_RESULT = (
    f"INSERT INTO eval_results ({RESULT_COLUMNS}) VALUES ({_marks(RESULT_COLUMNS)})"
    " ON CONFLICT (run_id, case_id, repeat) DO NOTHING"
)
SELECT_RESULTS = f"SELECT {RESULT_COLUMNS} FROM eval_results WHERE run_id = ? ORDER BY case_id, repeat"
SELECT_RESULTS_PAGE = (
    f"SELECT {RESULT_COLUMNS} FROM eval_results WHERE run_id = ? AND (case_id > ? OR (case_id = ? AND"
    " repeat > ?)) ORDER BY case_id, repeat LIMIT ?"
)
SELECT_FINISHED_KEYS = "SELECT case_id, repeat FROM eval_results WHERE run_id = ? AND error IS NULL"
DELETE_ERRORED_RESULTS = "DELETE FROM eval_results WHERE run_id = ? AND error IS NOT NULL"
COUNT_RESULTS = "SELECT count(*) FROM eval_results WHERE run_id = ?"

_BASELINE_COLUMNS = "prompt, suite, run_id, prompt_version, prompt_hash, set_at, set_by, reason"
INSERT_BASELINE = f"INSERT INTO eval_baselines ({_BASELINE_COLUMNS}) VALUES ({_marks(_BASELINE_COLUMNS)})"
SELECT_BASELINE = (
    f"SELECT id, {_BASELINE_COLUMNS} FROM eval_baselines WHERE prompt = ? AND suite = ?"
    " ORDER BY id DESC LIMIT 1"
)
SELECT_BASELINE_HISTORY = (
    f"SELECT id, {_BASELINE_COLUMNS} FROM eval_baselines WHERE prompt = ? ORDER BY id DESC LIMIT ?"
)
SELECT_BASELINES_OF_VERSION = (
    f"SELECT id, {_BASELINE_COLUMNS} FROM eval_baselines WHERE prompt = ? AND suite = ?"
    " AND prompt_version = ? ORDER BY id DESC LIMIT 1"
)

_DECISION_COLUMNS = (
    "kind, prompt, version, label, model, runs, outcome, reason, behaviour_note, decided_at, decided_by"
)
INSERT_DECISION = (
    f"INSERT INTO eval_gate_decisions ({_DECISION_COLUMNS}) VALUES ({_marks(_DECISION_COLUMNS)})"
)
SELECT_DECISIONS = (
    f"SELECT id, {_DECISION_COLUMNS} FROM eval_gate_decisions WHERE prompt = ? ORDER BY id DESC LIMIT ?"
)
