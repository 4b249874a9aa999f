"""All SQL text of the state store: connection setup, migrations (DDL) and queries, for both engines.

Conventions, so one text runs on SQLite and PostgreSQL:
- Placeholders are `?` only (psycopg gets them translated to `%s`, cached). Do not use PostgreSQL's jsonb
  `?` operators; use `jsonb_exists()` instead.
- Timestamps are TEXT in ISO-8601 UTC with a `Z` (`store.engine.utc_timestamp()`), made in Python and passed
  as parameters; they sort correctly as text. Booleans are INTEGER 0/1, JSON is TEXT, ids are TEXT.
- Generated keys come back through `RETURNING`, never `lastrowid`.
- Where the engines differ, write the statement twice with `ByDialect(sqlite=..., postgresql=...)`.
- A released migration is never edited (its checksum is recorded); change the schema with a new one.
"""

from __future__ import annotations

from platform_cli.store.statements import ByDialect, Migration

# --- connection setup and transaction control (SQLite; psycopg issues its own BEGIN/SAVEPOINT) ----------
SQLITE_BUSY_TIMEOUT = "PRAGMA busy_timeout = {milliseconds:d}"
SQLITE_SETUP = (
    "PRAGMA foreign_keys = ON",
    # WAL commits need no fsync of the main file; NORMAL keeps the database consistent on power loss
    # (the last commits may be lost), which is the usual trade-off for WAL.
    "PRAGMA synchronous = NORMAL",
)
SQLITE_JOURNAL_WAL = "PRAGMA journal_mode = WAL"
# IMMEDIATE takes the write lock up front: a deferred transaction that reads then writes can fail with
# "database is locked" without waiting, when another writer got in between.
SQLITE_BEGIN = "BEGIN IMMEDIATE"
SQLITE_COMMIT = "COMMIT"
SQLITE_ROLLBACK = "ROLLBACK"
SQLITE_SAVEPOINT = "SAVEPOINT store_{depth:d}"
SQLITE_RELEASE = "RELEASE SAVEPOINT store_{depth:d}"
SQLITE_ROLLBACK_TO = "ROLLBACK TO SAVEPOINT store_{depth:d}"

# --- migration bookkeeping --------------------------------------------------------------------------------
# Serializes migrate() across processes on PostgreSQL, held until the migration's transaction ends.
# On SQLite, BEGIN IMMEDIATE already serializes writers.
MIGRATION_LOCK_KEY = 7_311_426_001  # any constant bigint unique to platform-cli
MIGRATION_LOCK = ByDialect(sqlite=None, postgresql="SELECT pg_advisory_xact_lock(?)")
SCHEMA_MIGRATIONS_EXISTS = ByDialect(
    sqlite="SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
    postgresql=(
        "SELECT count(*) FROM pg_catalog.pg_tables"
        " WHERE schemaname = current_schema() AND tablename = 'schema_migrations'"
    ),
)
CREATE_SCHEMA_MIGRATIONS = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    checksum   TEXT NOT NULL,
    applied_at TEXT NOT NULL
)"""
SELECT_APPLIED = "SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version"
INSERT_APPLIED = "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)"

# --- store_meta -------------------------------------------------------------------------------------------
SELECT_META = "SELECT value FROM store_meta WHERE key = ?"
SELECT_ALL_META = "SELECT key, value FROM store_meta ORDER BY key"
UPSERT_META = (
    "INSERT INTO store_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)

# --- prompt registry (issue 4): schema -----------------------------------------------------------------
# Published versions and every history row are append-only, enforced by triggers in the database itself,
# so no code path (nor a hand-written UPDATE) can change what was published or rewrite who moved a label.
_APPEND_ONLY_TABLES = ("prompt_versions", "prompt_label_moves", "prompt_allocations")
_APPEND_ONLY_WHY = "published prompt versions and their history never change"


def _sqlite_append_only(table: str) -> tuple[str, str]:
    refuse = f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {_APPEND_ONLY_WHY}'); END"
    return (
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} {refuse}",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} {refuse}",
    )


_PG_APPEND_ONLY_FUNCTION = f"""
CREATE FUNCTION prompt_registry_append_only() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    RAISE EXCEPTION USING
        ERRCODE = 'integrity_constraint_violation',
        MESSAGE = TG_TABLE_NAME || ' is append-only: {_APPEND_ONLY_WHY}';
END
$body$"""


def _pg_append_only(table: str) -> tuple[str, str]:
    return (
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}"
        " FOR EACH ROW EXECUTE FUNCTION prompt_registry_append_only()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}"
        " FOR EACH STATEMENT EXECUTE FUNCTION prompt_registry_append_only()",
    )


def _history_table(create: str) -> ByDialect:
    """A history table keyed by an increasing id (the order moves were made in)."""
    return ByDialect(
        sqlite=create.replace("{id}", "id INTEGER PRIMARY KEY AUTOINCREMENT"),
        postgresql=create.replace("{id}", "id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"),
    )


PROMPT_REGISTRY_MIGRATION = Migration(
    2,
    "prompt registry",
    (
        # One row per prompt name: its bucketing salt, and the row writers lock to serialize per prompt.
        "CREATE TABLE prompts (name TEXT PRIMARY KEY, salt TEXT NOT NULL, created_at TEXT NOT NULL)",
        """CREATE TABLE prompt_versions (
            prompt       TEXT NOT NULL REFERENCES prompts (name),
            version      INTEGER NOT NULL CHECK (version > 0),
            content_hash TEXT NOT NULL,
            content      TEXT NOT NULL,
            author       TEXT NOT NULL,
            created_at   TEXT NOT NULL,
            message      TEXT NOT NULL,
            PRIMARY KEY (prompt, version),
            UNIQUE (prompt, content_hash)
        )""",
        """CREATE TABLE prompt_labels (
            prompt   TEXT NOT NULL,
            label    TEXT NOT NULL,
            version  INTEGER NOT NULL,
            moved_at TEXT NOT NULL,
            moved_by TEXT NOT NULL,
            PRIMARY KEY (prompt, label),
            FOREIGN KEY (prompt, version) REFERENCES prompt_versions (prompt, version)
        )""",
        _history_table(
            """CREATE TABLE prompt_label_moves (
                {id},
                prompt       TEXT NOT NULL REFERENCES prompts (name),
                label        TEXT NOT NULL,
                from_version INTEGER,
                to_version   INTEGER NOT NULL,
                moved_at     TEXT NOT NULL,
                moved_by     TEXT NOT NULL,
                reason       TEXT NOT NULL,
                FOREIGN KEY (prompt, to_version) REFERENCES prompt_versions (prompt, version)
            )"""
        ),
        _history_table(
            """CREATE TABLE prompt_allocations (
                {id},
                prompt     TEXT NOT NULL REFERENCES prompts (name),
                segment    TEXT NOT NULL,
                allocation TEXT NOT NULL,
                changed_at TEXT NOT NULL,
                changed_by TEXT NOT NULL,
                reason     TEXT NOT NULL
            )"""
        ),
        "CREATE INDEX prompt_label_moves_by_time ON prompt_label_moves (prompt, label, moved_at)",
        "CREATE INDEX prompt_allocations_by_segment ON prompt_allocations (prompt, segment, id)",
        ByDialect(sqlite=None, postgresql=_PG_APPEND_ONLY_FUNCTION),
        *(
            ByDialect(sqlite=lite, postgresql=pg)
            for table in _APPEND_ONLY_TABLES
            for lite, pg in zip(_sqlite_append_only(table), _pg_append_only(table), strict=True)
        ),
    ),
)


# --- runtime (issue 5): schema ----------------------------------------------------------------------------
# Response cache, conversation turns and usage events. Every row carries the prompt version that produced
# it, so a rollback can purge (cache) or quarantine (turns) exactly what a bad version wrote.
RUNTIME_MIGRATION = Migration(
    3,
    "runtime: response cache, conversation turns, usage events",
    (
        """CREATE TABLE response_cache (
            cache_key      TEXT PRIMARY KEY,
            feature        TEXT NOT NULL,
            prompt         TEXT NOT NULL,
            prompt_version INTEGER NOT NULL,
            prompt_hash    TEXT NOT NULL,
            provider       TEXT NOT NULL,
            model          TEXT NOT NULL,
            response       TEXT NOT NULL,
            created_at     TEXT NOT NULL,
            expires_at     TEXT NOT NULL
        )""",
        "CREATE INDEX response_cache_by_version ON response_cache (prompt, prompt_version)",
        "CREATE INDEX response_cache_by_expiry ON response_cache (expires_at)",
        _history_table(
            """CREATE TABLE conversation_turns (
                {id},
                conversation_id   TEXT NOT NULL,
                exchange_id       TEXT NOT NULL,
                role              TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
                content           TEXT NOT NULL,
                feature           TEXT NOT NULL,
                prompt            TEXT NOT NULL,
                prompt_version    INTEGER NOT NULL,
                prompt_hash       TEXT NOT NULL,
                variant           TEXT,
                provider          TEXT NOT NULL,
                model             TEXT NOT NULL,
                user_hash         TEXT,
                created_at        TEXT NOT NULL,
                quarantined_at    TEXT,
                quarantine_reason TEXT
            )"""
        ),
        "CREATE INDEX conversation_turns_by_conversation ON conversation_turns (conversation_id, id)",
        "CREATE INDEX conversation_turns_by_version ON conversation_turns (prompt, prompt_version)",
        _history_table(
            """CREATE TABLE usage_events (
                {id},
                at                 TEXT NOT NULL,
                feature            TEXT NOT NULL,
                operation          TEXT NOT NULL CHECK (operation IN ('complete', 'chat')),
                prompt             TEXT NOT NULL,
                prompt_version     INTEGER,
                prompt_hash        TEXT,
                label              TEXT,
                variant            TEXT,
                segment            TEXT,
                user_hash          TEXT,
                conversation_id    TEXT,
                provider           TEXT,
                model              TEXT,
                input_tokens       INTEGER NOT NULL,
                output_tokens      INTEGER NOT NULL,
                cache_read_tokens  INTEGER NOT NULL,
                cache_write_tokens INTEGER NOT NULL,
                reasoning_tokens   INTEGER NOT NULL,
                latency_ms         REAL NOT NULL,
                finish_reason      TEXT,
                refusal            INTEGER NOT NULL,
                cache_hit          INTEGER NOT NULL,
                fallback_used      INTEGER NOT NULL,
                attempts           INTEGER NOT NULL,
                error              TEXT,
                cost_usd           REAL
            )"""
        ),
        "CREATE INDEX usage_events_by_time ON usage_events (feature, at)",
        "CREATE INDEX usage_events_by_prompt ON usage_events (prompt, prompt_version, at)",
    ),
)


# --- migrations: append only ------------------------------------------------------------------------------
MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "initial schema",
        (
            # Created by the runner before anything else too (it must exist to record this migration).
            CREATE_SCHEMA_MIGRATIONS,
            "CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            ByDialect(
                sqlite=(
                    "INSERT INTO store_meta (key, value) VALUES"
                    " ('store_id', lower(hex(randomblob(16)))),"
                    " ('created_at', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"
                ),
                postgresql=(
                    "INSERT INTO store_meta (key, value) VALUES"
                    " ('store_id', replace(gen_random_uuid()::text, '-', '')),"
                    """ ('created_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))"""
                ),
            ),
        ),
    ),
    PROMPT_REGISTRY_MIGRATION,
    RUNTIME_MIGRATION,
    # Which kind of provider actually answered (e.g. 'fake' for an openai entry served offline), so cost
    # reports can leave out answers that no real provider produced.
    Migration(4, "usage events: provider kind", ("ALTER TABLE usage_events ADD COLUMN provider_kind TEXT",)),
)

# --- prompt registry (issue 4): queries ----------------------------------------------------------------
INSERT_PROMPT = "INSERT INTO prompts (name, salt, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING"
# Taken at the start of every registry write: serializes publishes and moves of one prompt.
LOCK_PROMPT = ByDialect(
    sqlite="SELECT salt FROM prompts WHERE name = ?",  # BEGIN IMMEDIATE already holds the write lock
    postgresql="SELECT salt FROM prompts WHERE name = ? FOR UPDATE",
)
SELECT_PROMPT_SALT = "SELECT salt FROM prompts WHERE name = ?"
SELECT_PROMPT_NAMES = "SELECT name FROM prompts ORDER BY name"
_VERSION_COLUMNS = "prompt, version, content_hash, content, author, created_at, message"
SELECT_PROMPT_VERSION = f"SELECT {_VERSION_COLUMNS} FROM prompt_versions WHERE prompt = ? AND version = ?"
SELECT_PROMPT_VERSION_BY_HASH = (
    f"SELECT {_VERSION_COLUMNS} FROM prompt_versions WHERE prompt = ? AND content_hash = ?"
)
SELECT_LATEST_PROMPT_VERSION = (
    f"SELECT {_VERSION_COLUMNS} FROM prompt_versions WHERE prompt = ? ORDER BY version DESC LIMIT 1"
)
SELECT_PROMPT_VERSIONS = f"SELECT {_VERSION_COLUMNS} FROM prompt_versions WHERE prompt = ? ORDER BY version"
INSERT_PROMPT_VERSION = f"INSERT INTO prompt_versions ({_VERSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
SELECT_LABEL = "SELECT version FROM prompt_labels WHERE prompt = ? AND label = ?"
# The hot path of the runtime resolver: the label's version with its hash, in one round trip.
SELECT_LABEL_TARGET = (
    "SELECT l.version, v.content_hash FROM prompt_labels l"
    " JOIN prompt_versions v ON v.prompt = l.prompt AND v.version = l.version"
    " WHERE l.prompt = ? AND l.label = ?"
)
SELECT_LABELS = (
    "SELECT prompt, label, version, moved_at, moved_by FROM prompt_labels WHERE prompt = ? ORDER BY label"
)
UPSERT_LABEL = (
    "INSERT INTO prompt_labels (prompt, label, version, moved_at, moved_by) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (prompt, label) DO UPDATE SET version = excluded.version, moved_at = excluded.moved_at,"
    " moved_by = excluded.moved_by"
)
_MOVE_COLUMNS = "id, prompt, label, from_version, to_version, moved_at, moved_by, reason"
INSERT_LABEL_MOVE = (
    "INSERT INTO prompt_label_moves (prompt, label, from_version, to_version, moved_at, moved_by, reason)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)
SELECT_LABEL_MOVES = f"SELECT {_MOVE_COLUMNS} FROM prompt_label_moves WHERE prompt = ? ORDER BY moved_at, id"
# "Which version did LABEL point at, at time T": the last move at or before T.
SELECT_LABEL_AT = (
    f"SELECT {_MOVE_COLUMNS} FROM prompt_label_moves WHERE prompt = ? AND label = ? AND moved_at <= ?"
    " ORDER BY moved_at DESC, id DESC LIMIT 1"
)
_ALLOCATION_COLUMNS = "id, prompt, segment, allocation, changed_at, changed_by, reason"
INSERT_ALLOCATION = (
    "INSERT INTO prompt_allocations (prompt, segment, allocation, changed_at, changed_by, reason)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)
SELECT_CURRENT_ALLOCATION = (
    f"SELECT {_ALLOCATION_COLUMNS} FROM prompt_allocations WHERE prompt = ? AND segment = ?"
    " ORDER BY id DESC LIMIT 1"
)
SELECT_ALLOCATION_AT = (
    f"SELECT {_ALLOCATION_COLUMNS} FROM prompt_allocations"
    " WHERE prompt = ? AND segment = ? AND changed_at <= ? ORDER BY changed_at DESC, id DESC LIMIT 1"
)
SELECT_ALLOCATIONS = (
    f"SELECT {_ALLOCATION_COLUMNS} FROM prompt_allocations WHERE prompt = ? ORDER BY changed_at, id"
)


# --- runtime (issue 5): queries ---------------------------------------------------------------------------
def _marks(columns: str) -> str:
    return ", ".join("?" for _ in columns.split(","))


_CACHE_COLUMNS = (
    "cache_key, feature, prompt, prompt_version, prompt_hash, provider, model, response,"
    " created_at, expires_at"
)
SELECT_CACHED_RESPONSE = f"SELECT {_CACHE_COLUMNS} FROM response_cache WHERE cache_key = ? AND expires_at > ?"
UPSERT_CACHED_RESPONSE = (
    f"INSERT INTO response_cache ({_CACHE_COLUMNS}) VALUES ({_marks(_CACHE_COLUMNS)})"
    " ON CONFLICT (cache_key) DO UPDATE SET feature = excluded.feature, prompt = excluded.prompt,"
    " prompt_version = excluded.prompt_version, prompt_hash = excluded.prompt_hash,"
    " provider = excluded.provider, model = excluded.model, response = excluded.response,"
    " created_at = excluded.created_at, expires_at = excluded.expires_at"
)
DELETE_CACHED_RESPONSES_OF_VERSION = "DELETE FROM response_cache WHERE prompt = ? AND prompt_version = ?"
DELETE_EXPIRED_RESPONSES = "DELETE FROM response_cache WHERE expires_at <= ?"
COUNT_CACHED_RESPONSES_OF_VERSION = (
    "SELECT count(*) FROM response_cache WHERE prompt = ? AND prompt_version = ?"
)

_TURN_COLUMNS = (
    "conversation_id, exchange_id, role, content, feature, prompt, prompt_version, prompt_hash, variant,"
    " provider, model, user_hash, created_at"
)
INSERT_TURN = f"INSERT INTO conversation_turns ({_TURN_COLUMNS}) VALUES ({_marks(_TURN_COLUMNS)})"
_TURN_SELECT = f"SELECT id, {_TURN_COLUMNS}, quarantined_at, quarantine_reason FROM conversation_turns"
# The history the runtime sends: the conversation's last N turns that are not quarantined, oldest first.
SELECT_LIVE_TURNS = (
    f"SELECT * FROM ({_TURN_SELECT} WHERE conversation_id = ? AND quarantined_at IS NULL"
    " ORDER BY id DESC LIMIT ?) recent ORDER BY id"
)
SELECT_ALL_TURNS = f"{_TURN_SELECT} WHERE conversation_id = ? ORDER BY id"
QUARANTINE_TURNS_OF_VERSION = (
    "UPDATE conversation_turns SET quarantined_at = ?, quarantine_reason = ?"
    " WHERE prompt = ? AND prompt_version = ? AND quarantined_at IS NULL"
)

_USAGE_COLUMNS = (
    "at, feature, operation, prompt, prompt_version, prompt_hash, label, variant, segment, user_hash,"
    " conversation_id, provider, model, input_tokens, output_tokens, cache_read_tokens,"
    " cache_write_tokens, reasoning_tokens, latency_ms, finish_reason, refusal, cache_hit, fallback_used,"
    " attempts, error, cost_usd, provider_kind"
)
INSERT_USAGE_EVENT = f"INSERT INTO usage_events ({_USAGE_COLUMNS}) VALUES ({_marks(_USAGE_COLUMNS)})"
SELECT_USAGE_EVENTS = (
    f"SELECT id, {_USAGE_COLUMNS} FROM usage_events WHERE feature = ? AND at >= ? ORDER BY at, id LIMIT ?"
)
