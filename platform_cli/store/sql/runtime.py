"""SQL of the feature runtime: response cache, conversation turns, usage events (schema and queries)."""

from __future__ import annotations

from platform_cli.store.sql import rollback as _rollback
from platform_cli.store.sql.core import history_table as _history_table
from platform_cli.store.sql.core import placeholders as _marks
from platform_cli.store.statements import Migration

# --- runtime: schema ----------------------------------------------------------------------------
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


USAGE_PROVIDER_KIND_MIGRATION = Migration(
    4, "usage events: provider kind", ("ALTER TABLE usage_events ADD COLUMN provider_kind TEXT",)
)

# --- runtime: queries ---------------------------------------------------------------------------
# Column lists as tuples: the Store's row classes (store/runtime.py) map fields to columns BY NAME, and a
# test checks each tuple against its dataclass, so a column added here and forgotten there fails loudly.
CACHE_COLUMNS = (
    "cache_key", "feature", "prompt", "prompt_version", "prompt_hash", "provider", "model", "response",
    "created_at", "expires_at",
)  # fmt: skip
_CACHE_COLUMNS = ", ".join(CACHE_COLUMNS)
# A rolled-back version's answers are never served, nor written again by a process that queued them
# before the rollback (the row's prompt and version are passed twice: as values, then for the check).
SELECT_CACHED_RESPONSE = (
    f"SELECT {_CACHE_COLUMNS} FROM response_cache WHERE cache_key = ? AND expires_at > ?"
    f" AND {_rollback.NOT_REVOKED.format(table='response_cache')}"
)
UPSERT_CACHED_RESPONSE = (
    f"INSERT INTO response_cache ({_CACHE_COLUMNS}) SELECT {_marks(_CACHE_COLUMNS)}"
    " WHERE NOT EXISTS (SELECT 1 FROM prompt_revocations r WHERE r.prompt = ? AND r.version = ?"
    " AND r.lifted_at IS NULL)"
    " ON CONFLICT (cache_key) DO UPDATE SET feature = excluded.feature, prompt = excluded.prompt,"
    " prompt_version = excluded.prompt_version, prompt_hash = excluded.prompt_hash,"
    " provider = excluded.provider, model = excluded.model, response = excluded.response,"
    " created_at = excluded.created_at, expires_at = excluded.expires_at"
)
DELETE_CACHED_RESPONSES_OF_VERSION = "DELETE FROM response_cache WHERE prompt = ? AND prompt_version = ?"
# Bounded: at most `limit` rows per statement (the oldest first, by the expiry index), so a purge never
# holds the write lock for long however much expired meanwhile.
DELETE_EXPIRED_RESPONSES = (
    "DELETE FROM response_cache WHERE cache_key IN"
    " (SELECT cache_key FROM response_cache WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)"
)
COUNT_EXPIRED_RESPONSES = "SELECT count(*) FROM response_cache WHERE expires_at <= ?"
COUNT_CACHED_RESPONSES_OF_VERSION = (
    "SELECT count(*) FROM response_cache WHERE prompt = ? AND prompt_version = ?"
)

TURN_COLUMNS = (
    "conversation_id", "exchange_id", "role", "content", "feature", "prompt", "prompt_version",
    "prompt_hash", "variant", "provider", "model", "user_hash", "created_at",
)  # fmt: skip
TURN_STATE_COLUMNS = ("quarantined_at", "quarantine_reason")  # set later by a rollback, never inserted
_TURN_COLUMNS = ", ".join(TURN_COLUMNS)
INSERT_TURN = f"INSERT INTO conversation_turns ({_TURN_COLUMNS}) VALUES ({_marks(_TURN_COLUMNS)})"
_TURN_SELECT = f"SELECT id, {_TURN_COLUMNS}, {', '.join(TURN_STATE_COLUMNS)} FROM conversation_turns"
# The history the runtime sends: the conversation's last N turns that are not quarantined, oldest first.
# A turn of a version a rollback revoked follows that rollback's policy even when it was written after the
# rollback (by a process still on the old label within its TTL): quarantine leaves it out, summarize
# replaces the answer by the placeholder passed as the first parameter.
_ACTION = "COALESCE(t.history_action, r.history)"
_LIVE_CONTENT = (
    f"CASE WHEN t.role = 'assistant' AND {_ACTION} = 'summarize' THEN ? ELSE t.content END AS content"
)
SELECT_LIVE_MESSAGES = (  # only what a history sends: the role and the (possibly masked) content
    f"SELECT role, content FROM (SELECT t.id, t.role, {_LIVE_CONTENT} FROM conversation_turns t"
    " LEFT JOIN prompt_revocations r ON r.prompt = t.prompt AND r.version = t.prompt_version"
    " AND r.lifted_at IS NULL"
    f" WHERE t.conversation_id = ? AND t.quarantined_at IS NULL AND COALESCE({_ACTION}, '') <> 'quarantine'"
    " ORDER BY t.id DESC LIMIT ?) recent ORDER BY id"
)
SELECT_ALL_TURNS = f"{_TURN_SELECT} WHERE conversation_id = ? ORDER BY id"
QUARANTINE_TURNS_OF_VERSION = (
    "UPDATE conversation_turns SET quarantined_at = ?, quarantine_reason = ?"
    " WHERE prompt = ? AND prompt_version = ? AND quarantined_at IS NULL"
)

USAGE_COLUMNS = (
    "at", "feature", "operation", "prompt", "prompt_version", "prompt_hash", "label", "variant", "segment",
    "user_hash", "conversation_id", "provider", "model", "input_tokens", "output_tokens",
    "cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "latency_ms", "finish_reason", "refusal",
    "cache_hit", "fallback_used", "attempts", "error", "cost_usd", "provider_kind", "price_version",
    "malformed", "traffic", "eval_run_id",
)  # fmt: skip
_USAGE_COLUMNS = ", ".join(USAGE_COLUMNS)
INSERT_USAGE_EVENT = f"INSERT INTO usage_events ({_USAGE_COLUMNS}) VALUES ({_marks(_USAGE_COLUMNS)})"
SELECT_USAGE_EVENTS = (
    f"SELECT id, {_USAGE_COLUMNS} FROM usage_events WHERE feature = ? AND at >= ? ORDER BY at, id LIMIT ?"
)
