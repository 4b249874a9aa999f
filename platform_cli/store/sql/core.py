"""SQL of the store itself: connection setup, transaction control, migration bookkeeping, store_meta."""

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


def history_table(create: str) -> ByDialect:
    """A history table keyed by an increasing id (the order moves were made in)."""
    return ByDialect(
        sqlite=create.replace("{id}", "id INTEGER PRIMARY KEY AUTOINCREMENT"),
        postgresql=create.replace("{id}", "id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"),
    )


def placeholders(columns: str) -> str:
    """`?, ?, ?` for a comma-separated column list."""
    return ", ".join("?" for _ in columns.split(","))


INITIAL_MIGRATION = Migration(
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
)
