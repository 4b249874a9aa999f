"""SQL of the prompt registry: versions, labels with their history, allocations (schema and queries)."""

from __future__ import annotations

from platform_cli.store.sql.core import history_table as _history_table
from platform_cli.store.statements import ByDialect, Migration

# --- prompt registry: schema -----------------------------------------------------------------
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


# --- prompt registry: queries ----------------------------------------------------------------
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
