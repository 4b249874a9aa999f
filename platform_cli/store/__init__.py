"""The state store: SQLite by default, PostgreSQL by URL, with versioned, transactional migrations.

Everything mutable at runtime (label pointers and history, response cache, conversation turns, usage
events, eval runs, rollback journal, drills, ...) lives here, behind one `Store` object:

    from platform_cli.store import open_store

    with open_store("sqlite:///.platform/state.db") as store:   # or postgresql://user:pw@host/db
        store.get_meta("store_id")

Layout:
- `sql/`            ALL SQL text, one module per part (core, prompts, runtime, ...), and MIGRATIONS.
- `statements.py`   SQL text types (`Migration`, `ByDialect`) and the `?` -> `%s` translation.
- `migrations.py`   the runner: one transaction per migration, cross-process lock, checksums, version checks.
- `engine.py`       the Engine contract; `sqlite_engine.py` / `postgres_engine.py` implement it (psycopg is
                    imported only when a postgresql:// URL is opened, by `store.open_engine`).
- `urls.py`         URL parsing and password redaction; `errors.py` StoreError / StoreConflict.
- `store.py`        `Store` (schema, transactions, query methods), `open_store` and `open_engine`.
- `<part>.py`       one part's query methods, a mixin of `Store` (prompts, runtime, evals, cost, rollback,
                    rollout); `<part>_records.py` its record classes and row readers, imported by the methods
                    that build one (creating ~35 dataclasses was most of importing the store). `<part>.py`
                    re-exports them lazily: `from platform_cli.store.runtime import UsageEvent` still works.
- `connections.py`  `StoreLink`: the connection policy of long-running code (per-thread reuse, back-off).

How to add a table (e.g. prompt labels):
1. Add a module `sql/<part>.py` holding the part's migration(s) and queries, and append the migration to
   `sql.MIGRATIONS` (in `sql/__init__.py`) with the next version number. Never edit or reorder a released
   one: its checksum is recorded in `schema_migrations` and a mismatch is refused.

       Migration(2, "prompt labels", (
           "CREATE TABLE prompt_labels (prompt TEXT NOT NULL, label TEXT NOT NULL, version TEXT NOT NULL,"
           " moved_at TEXT NOT NULL, PRIMARY KEY (prompt, label))",
           "CREATE INDEX prompt_labels_by_version ON prompt_labels (version)",
       )),

   Write portable SQL (TEXT timestamps from `engine.utc_timestamp()`, INTEGER booleans, RETURNING for
   generated keys); where the engines differ use `ByDialect(sqlite=..., postgresql=...)`.
2. Add the queries next to it in `sql/<part>.py` as constants with `?` placeholders:
   `SELECT_LABEL = "SELECT version FROM prompt_labels WHERE prompt = ? AND label = ?"`.
3. Add typed query methods on `Store` (`def label(self, prompt: str, label: str) -> str | None`) that run
   `self._db.execute(sql.SELECT_LABEL, (prompt, label))` (the mixin imports its own module:
   `from platform_cli.store.sql import labels as sql`); wrap multi-statement writes in
   `with self.transaction():`. A dataclass a query returns goes in `<part>_records.py`, imported inside
   the methods that build one (and named in the mixin module's `__all__`, imported there only under
   `if TYPE_CHECKING:`): every command that opens the store imports the mixin modules, but builds the
   records of one or two parts at most. When `store.py` grows past ~400 lines, move a domain's methods to
   a mixin module (`store/labels.py`) and add it to `Store`'s bases.
4. Test on both engines with the `store_url` fixture (tests/conftest.py); integrity errors surface as
   `StoreConflict`, every other driver error as `StoreError` (never a raw driver exception).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from platform_cli.lazynames import lazy_names
from platform_cli.store.errors import StoreConflict, StoreError
from platform_cli.store.urls import redact_url

if TYPE_CHECKING:
    from platform_cli.store.migrations import AppliedMigration
    from platform_cli.store.statements import ByDialect, Migration
    from platform_cli.store.store import Store, open_store

# Imported on first use: code that only redacts a URL or catches StoreError (readiness facts on a repo with
# no state yet, the read-only commands' error paths) must not pay for every table's query methods.
_WHERE = {
    "AppliedMigration": "migrations",
    "ByDialect": "statements",
    "Migration": "statements",
    "Store": "store",
    "open_store": "store",
}

__all__ = [
    "AppliedMigration",
    "ByDialect",
    "Migration",
    "Store",
    "StoreConflict",
    "StoreError",
    "open_store",
    "redact_url",
]


__getattr__ = lazy_names(__name__, _WHERE, globals())
