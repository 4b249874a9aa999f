"""SQL of rollbacks: the journal, the audit log, revoked prompt versions, runtime overrides, drills.

A rollback is a journal (`rollbacks` + one `rollback_steps` row per step) that any process can resume; each
step commits together with its journal row, so a step is applied exactly once however often the process
dies. `rollback_audit` is append-only (triggers), like the prompt registry's history. A revoked version
(`prompt_revocations`) is what every runtime process reads on its next call: its cached answers are never
served or written again, and the history builder applies the rollback's history policy to its turns, even
to turns written by a process that had not yet seen the label move.
"""

from __future__ import annotations

from platform_cli.store.sql.core import history_table as _history_table
from platform_cli.store.sql.core import placeholders as _marks
from platform_cli.store.statements import ByDialect, Migration

HISTORY_POLICIES = ("quarantine", "flag", "summarize")
_POLICY_CHECK = "IN ('quarantine', 'flag', 'summarize')"
_AUDIT_WHY = "the rollback audit log is append-only"

_PG_AUDIT_APPEND_ONLY = f"""
CREATE FUNCTION rollback_append_only() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    RAISE EXCEPTION USING
        ERRCODE = 'integrity_constraint_violation',
        MESSAGE = TG_TABLE_NAME || ' is append-only: {_AUDIT_WHY}';
END
$body$"""


def _append_only(table: str) -> tuple[ByDialect, ...]:
    refuse = f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {_AUDIT_WHY}'); END"
    return (
        ByDialect(
            sqlite=f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} {refuse}",
            postgresql=(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}"
                " FOR EACH ROW EXECUTE FUNCTION rollback_append_only()"
            ),
        ),
        ByDialect(
            sqlite=f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} {refuse}",
            postgresql=(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}"
                " FOR EACH STATEMENT EXECUTE FUNCTION rollback_append_only()"
            ),
        ),
    )


# --- rollback: schema ---------------------------------------------------------------------------
ROLLBACK_MIGRATION_NAME = "rollback: journal, audit log, revocations, runtime overrides, drills"
ROLLBACK_MIGRATION = Migration(
    7,
    ROLLBACK_MIGRATION_NAME,
    (
        f"""CREATE TABLE rollbacks (
            rollback_id    TEXT PRIMARY KEY,
            feature        TEXT NOT NULL,
            prompt         TEXT NOT NULL,
            from_version   INTEGER NOT NULL,
            to_version     INTEGER NOT NULL,
            role           TEXT NOT NULL,
            history_policy TEXT NOT NULL CHECK (history_policy {_POLICY_CHECK}),
            reason         TEXT NOT NULL,
            actor          TEXT NOT NULL,
            plan           TEXT NOT NULL,
            blast_radius   TEXT NOT NULL,
            status         TEXT NOT NULL CHECK (status IN ('running', 'done')),
            started_at     TEXT NOT NULL,
            finished_at    TEXT
        )""",
        # At most one unfinished rollback per prompt: a second one must resume or wait for it.
        "CREATE UNIQUE INDEX rollbacks_one_running ON rollbacks (prompt) WHERE status = 'running'",
        "CREATE INDEX rollbacks_by_prompt ON rollbacks (prompt, started_at)",
        """CREATE TABLE rollback_steps (
            rollback_id TEXT NOT NULL REFERENCES rollbacks (rollback_id),
            position    INTEGER NOT NULL,
            step        TEXT NOT NULL,
            status      TEXT NOT NULL CHECK (status IN ('pending', 'done')),
            attempts    INTEGER NOT NULL,
            started_at  TEXT,
            finished_at TEXT,
            result      TEXT,
            PRIMARY KEY (rollback_id, position)
        )""",
        _history_table(
            """CREATE TABLE rollback_audit (
                {id},
                kind        TEXT NOT NULL CHECK (kind IN ('prompt', 'model', 'provider')),
                feature     TEXT NOT NULL,
                subject     TEXT NOT NULL,
                rollback_id TEXT,
                actor       TEXT NOT NULL,
                at          TEXT NOT NULL,
                reason      TEXT NOT NULL,
                summary     TEXT NOT NULL,
                record      TEXT NOT NULL
            )"""
        ),
        "CREATE INDEX rollback_audit_by_time ON rollback_audit (feature, at)",
        f"""CREATE TABLE prompt_revocations (
            prompt      TEXT NOT NULL,
            version     INTEGER NOT NULL,
            history     TEXT NOT NULL CHECK (history {_POLICY_CHECK}),
            rollback_id TEXT NOT NULL,
            revoked_at  TEXT NOT NULL,
            lifted_at   TEXT,
            lifted_by   TEXT,
            PRIMARY KEY (prompt, version)
        )""",
        _history_table(
            """CREATE TABLE runtime_overrides (
                {id},
                feature        TEXT NOT NULL,
                provider       TEXT NOT NULL,
                action         TEXT NOT NULL CHECK (action IN ('model', 'disable', 'clear')),
                model          TEXT,
                manifest_model TEXT NOT NULL,
                set_at         TEXT NOT NULL,
                set_by         TEXT NOT NULL,
                reason         TEXT NOT NULL
            )"""
        ),
        "CREATE INDEX runtime_overrides_by_provider ON runtime_overrides (feature, provider, id)",
        f"""CREATE TABLE rollback_drills (
            drill_id       TEXT PRIMARY KEY,
            feature        TEXT NOT NULL,
            prompt         TEXT NOT NULL,
            scenario       TEXT NOT NULL,
            history_policy TEXT NOT NULL CHECK (history_policy {_POLICY_CHECK}),
            scratch        TEXT NOT NULL,
            started_at     TEXT NOT NULL,
            finished_at    TEXT NOT NULL,
            duration_ms    REAL NOT NULL,
            rollback_ms    REAL NOT NULL,
            passed         INTEGER NOT NULL,
            checks         TEXT NOT NULL,
            actor          TEXT NOT NULL
        )""",
        "CREATE INDEX rollback_drills_by_feature ON rollback_drills (feature, finished_at)",
        # What a rollback did to a turn (quarantine also sets quarantined_at, which the runtime filters on).
        "ALTER TABLE conversation_turns ADD COLUMN history_action TEXT",
        "ALTER TABLE conversation_turns ADD COLUMN rollback_id TEXT",
        ByDialect(sqlite=None, postgresql=_PG_AUDIT_APPEND_ONLY),
        *_append_only("rollback_audit"),
        *_append_only("runtime_overrides"),
    ),
)

# --- rollback: what the runtime's queries add (store/sql/runtime.py) ----------------------------
# A row of `{table}` (response_cache or conversation_turns) produced by a version no revocation withdrew.
NOT_REVOKED = (
    "NOT EXISTS (SELECT 1 FROM prompt_revocations r WHERE r.prompt = {table}.prompt"
    " AND r.version = {table}.prompt_version AND r.lifted_at IS NULL)"
)
# What a rolled-back version's answer becomes in later histories under the `summarize` policy.
WITHDRAWN_ANSWER = "(An earlier answer in this conversation was withdrawn and is not shown.)"

# --- rollback: journal --------------------------------------------------------------------------
_ROLLBACK_COLUMNS = (
    "rollback_id, feature, prompt, from_version, to_version, role, history_policy, reason, actor, plan,"
    " blast_radius, status, started_at, finished_at"
)
INSERT_ROLLBACK = f"INSERT INTO rollbacks ({_ROLLBACK_COLUMNS}) VALUES ({_marks(_ROLLBACK_COLUMNS)})"
SELECT_ROLLBACK = f"SELECT {_ROLLBACK_COLUMNS} FROM rollbacks WHERE rollback_id = ?"
SELECT_RUNNING_ROLLBACK = f"SELECT {_ROLLBACK_COLUMNS} FROM rollbacks WHERE prompt = ? AND status = 'running'"
SELECT_RUNNING_ROLLBACKS = (
    f"SELECT {_ROLLBACK_COLUMNS} FROM rollbacks WHERE status = 'running' ORDER BY started_at"
)
SELECT_LAST_ROLLBACK = (
    f"SELECT {_ROLLBACK_COLUMNS} FROM rollbacks WHERE prompt = ? ORDER BY started_at DESC, rollback_id DESC"
    " LIMIT 1"
)
SELECT_ROLLBACKS = f"SELECT {_ROLLBACK_COLUMNS} FROM rollbacks ORDER BY started_at DESC LIMIT ?"
# Locks the journal row for the step being run (PostgreSQL); SQLite's BEGIN IMMEDIATE already holds the lock.
LOCK_ROLLBACK = ByDialect(
    sqlite="SELECT status FROM rollbacks WHERE rollback_id = ?",
    postgresql="SELECT status FROM rollbacks WHERE rollback_id = ? FOR UPDATE",
)
FINISH_ROLLBACK = "UPDATE rollbacks SET status = 'done', finished_at = ? WHERE rollback_id = ?"

_STEP_COLUMNS = "rollback_id, position, step, status, attempts, started_at, finished_at, result"
INSERT_STEP = f"INSERT INTO rollback_steps ({_STEP_COLUMNS}) VALUES ({_marks(_STEP_COLUMNS)})"
SELECT_STEPS = f"SELECT {_STEP_COLUMNS} FROM rollback_steps WHERE rollback_id = ? ORDER BY position"
START_STEP = (
    "UPDATE rollback_steps SET attempts = attempts + 1, started_at = ?"
    " WHERE rollback_id = ? AND position = ? AND status = 'pending'"
)
FINISH_STEP = (
    "UPDATE rollback_steps SET status = 'done', finished_at = ?, result = ?"
    " WHERE rollback_id = ? AND position = ? AND status = 'pending'"
)

# --- rollback: audit log ------------------------------------------------------------------------
_AUDIT_COLUMNS = "kind, feature, subject, rollback_id, actor, at, reason, summary, record"
INSERT_AUDIT = f"INSERT INTO rollback_audit ({_AUDIT_COLUMNS}) VALUES ({_marks(_AUDIT_COLUMNS)})"
SELECT_AUDIT = (
    f"SELECT id, {_AUDIT_COLUMNS} FROM rollback_audit WHERE feature = ? ORDER BY at DESC, id DESC LIMIT ?"
)
SELECT_AUDIT_OF_SUBJECT = (
    f"SELECT id, {_AUDIT_COLUMNS} FROM rollback_audit WHERE feature = ? AND subject = ?"
    " ORDER BY at DESC, id DESC LIMIT ?"
)
SELECT_AUDIT_OF_ROLLBACK = f"SELECT id, {_AUDIT_COLUMNS} FROM rollback_audit WHERE rollback_id = ?"
SELECT_AUDIT_BY_ID = f"SELECT id, {_AUDIT_COLUMNS} FROM rollback_audit WHERE id = ?"

# --- rollback: revoked versions -----------------------------------------------------------------
UPSERT_REVOCATION = (
    "INSERT INTO prompt_revocations (prompt, version, history, rollback_id, revoked_at, lifted_at, lifted_by)"
    " VALUES (?, ?, ?, ?, ?, NULL, NULL) ON CONFLICT (prompt, version) DO UPDATE SET"
    " history = excluded.history, rollback_id = excluded.rollback_id, revoked_at = excluded.revoked_at,"
    " lifted_at = NULL, lifted_by = NULL"
)
# A label moved (or a variant pinned) to a revoked version on purpose serves it again: lift the revocation.
LIFT_REVOCATION = (
    "UPDATE prompt_revocations SET lifted_at = ?, lifted_by = ?"
    " WHERE prompt = ? AND version = ? AND lifted_at IS NULL"
)
_REVOCATION_COLUMNS = "prompt, version, history, rollback_id, revoked_at, lifted_at, lifted_by"
SELECT_REVOCATION = f"SELECT {_REVOCATION_COLUMNS} FROM prompt_revocations WHERE prompt = ? AND version = ?"
SELECT_REVOCATIONS = f"SELECT {_REVOCATION_COLUMNS} FROM prompt_revocations WHERE prompt = ? ORDER BY version"
# The runtime's check before serving an answer it queued itself (not yet in the store).
SELECT_VERSION_REVOKED = (
    "SELECT count(*) FROM prompt_revocations WHERE prompt = ? AND version = ? AND lifted_at IS NULL"
)

# --- rollback: steps on runtime rows ------------------------------------------------------------
MARK_TURNS_QUARANTINED = (
    "UPDATE conversation_turns SET quarantined_at = ?, quarantine_reason = ?, history_action = 'quarantine',"
    " rollback_id = ? WHERE prompt = ? AND prompt_version = ? AND quarantined_at IS NULL"
)
MARK_TURNS = (
    "UPDATE conversation_turns SET history_action = ?, rollback_id = ?"
    " WHERE prompt = ? AND prompt_version = ? AND history_action IS NULL AND quarantined_at IS NULL"
)

# --- rollback: blast radius ---------------------------------------------------------------------
BLAST_CACHE = (
    "SELECT count(*), min(created_at), max(created_at) FROM response_cache"
    " WHERE prompt = ? AND prompt_version = ?"
)
BLAST_TURNS = (
    "SELECT count(*), count(DISTINCT conversation_id), min(created_at), max(created_at),"
    " sum(CASE WHEN quarantined_at IS NULL THEN 0 ELSE 1 END),"
    " sum(CASE WHEN history_action IS NULL THEN 0 ELSE 1 END)"
    " FROM conversation_turns WHERE prompt = ? AND prompt_version = ?"
)
BLAST_SAMPLE_CONVERSATIONS = (
    "SELECT conversation_id, max(id) AS last_id FROM conversation_turns"
    " WHERE prompt = ? AND prompt_version = ?"
    " GROUP BY conversation_id ORDER BY last_id DESC LIMIT ?"
)
BLAST_SAMPLE_TURNS = (
    "SELECT id FROM conversation_turns WHERE prompt = ? AND prompt_version = ? AND role = 'assistant'"
    " ORDER BY id DESC LIMIT ?"
)
# Unpriced = the call used tokens and has no cost: never shown as $0.
BLAST_USAGE = (
    "SELECT count(*), count(DISTINCT user_hash), min(at), max(at), sum(input_tokens), sum(output_tokens),"
    " sum(cost_usd), sum(CASE WHEN cost_usd IS NOT NULL THEN 1 ELSE 0 END),"
    " sum(CASE WHEN cost_usd IS NULL AND input_tokens + output_tokens > 0 THEN 1 ELSE 0 END),"
    " sum(cache_hit), sum(CASE WHEN error IS NULL THEN 0 ELSE 1 END),"
    " sum(CASE WHEN traffic = 'eval' THEN 1 ELSE 0 END)"
    " FROM usage_events WHERE prompt = ? AND prompt_version = ?"
)
BLAST_COHORTS = (
    "SELECT variant, segment, count(*), count(DISTINCT user_hash) FROM usage_events"
    " WHERE prompt = ? AND prompt_version = ? GROUP BY variant, segment ORDER BY count(*) DESC LIMIT ?"
)
BLAST_EVAL_RUNS = (
    "SELECT run_id, suite, status, verdict, started_at FROM eval_runs WHERE prompt = ? AND prompt_version = ?"
    " ORDER BY started_at DESC, run_id DESC"
)
SELECT_BASELINE_SUITES = "SELECT DISTINCT suite FROM eval_baselines WHERE prompt = ? ORDER BY suite"

# --- rollback: runtime overrides ----------------------------------------------------------------
_OVERRIDE_COLUMNS = "feature, provider, action, model, manifest_model, set_at, set_by, reason"
INSERT_OVERRIDE = f"INSERT INTO runtime_overrides ({_OVERRIDE_COLUMNS}) VALUES ({_marks(_OVERRIDE_COLUMNS)})"
# The latest row per provider: what the runtime applies ('clear' rows end an override).
SELECT_CURRENT_OVERRIDES = (
    f"SELECT o.id, {', '.join('o.' + c.strip() for c in _OVERRIDE_COLUMNS.split(','))}"
    " FROM runtime_overrides o WHERE o.feature = ? AND o.id = (SELECT max(i.id) FROM runtime_overrides i"
    " WHERE i.feature = o.feature AND i.provider = o.provider) ORDER BY o.provider"
)
SELECT_OVERRIDE_HISTORY = (
    f"SELECT id, {_OVERRIDE_COLUMNS} FROM runtime_overrides WHERE feature = ? ORDER BY id DESC LIMIT ?"
)

# --- rollback: drills ---------------------------------------------------------------------------
_DRILL_COLUMNS = (
    "drill_id, feature, prompt, scenario, history_policy, scratch, started_at, finished_at, duration_ms,"
    " rollback_ms, passed, checks, actor"
)
INSERT_DRILL = f"INSERT INTO rollback_drills ({_DRILL_COLUMNS}) VALUES ({_marks(_DRILL_COLUMNS)})"
SELECT_DRILLS = (
    f"SELECT {_DRILL_COLUMNS} FROM rollback_drills WHERE feature = ? ORDER BY finished_at DESC LIMIT ?"
)
SELECT_LAST_PASSED_DRILL = (
    f"SELECT {_DRILL_COLUMNS} FROM rollback_drills WHERE feature = ? AND passed = 1"
    " ORDER BY finished_at DESC LIMIT 1"
)

# --- rollback: scratch copies for drills --------------------------------------------------------
SELECT_PROMPT_ROW = "SELECT name, salt, created_at FROM prompts WHERE name = ?"
INSERT_PROMPT_ROW = "INSERT INTO prompts (name, salt, created_at) VALUES (?, ?, ?)"
# PostgreSQL: a drill's scratch copy lives in its own schema of the same database, dropped afterwards.
# The name is made by the drill (platform_drill_ + hex), never taken from input.
CREATE_SCRATCH_SCHEMA = "CREATE SCHEMA {schema}"
DROP_SCRATCH_SCHEMA = "DROP SCHEMA IF EXISTS {schema} CASCADE"
