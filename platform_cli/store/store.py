"""`Store`: the one object the rest of platform-cli uses for mutable state; `open_store(url)` makes one."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from types import TracebackType

from platform_cli.store import migrations as runner
from platform_cli.store import sql
from platform_cli.store.cost import CostQueries
from platform_cli.store.engine import Engine
from platform_cli.store.evals import EvalQueries
from platform_cli.store.migrations import AppliedMigration
from platform_cli.store.prompts import PromptQueries
from platform_cli.store.rollback import RollbackQueries
from platform_cli.store.rollout import RolloutQueries
from platform_cli.store.runtime import RuntimeQueries
from platform_cli.store.statements import Migration, check_migrations
from platform_cli.store.urls import Dialect, StoreURL, parse_url


class Store(PromptQueries, RuntimeQueries, EvalQueries, CostQueries, RollbackQueries, RolloutQueries):
    """Schema management, transactions and the query methods of every part of platform-cli.

    Query methods run `self._db.execute(sql.SOME_QUERY, params)` and return plain values or dataclasses;
    they never build SQL text. Not thread-safe: open one Store per thread.
    """

    def __init__(self, engine: Engine, migrations: Sequence[Migration] = sql.MIGRATIONS) -> None:
        try:
            check_migrations(migrations)  # once per open: migrate() relies on it
        except BaseException:
            engine.close()
            raise
        self._db = engine
        self._migrations = tuple(migrations)

    @property
    def url(self) -> str:
        """The store URL with any password replaced by ***."""
        return self._db.url.redacted

    @property
    def dialect(self) -> Dialect:
        return self._db.dialect

    # --- schema -------------------------------------------------------------------------------------------
    def migrate(self) -> list[AppliedMigration]:
        """Apply pending migrations (each in its own transaction); return those applied by this call."""
        return runner.migrate(self._db, self._migrations)

    def applied(self) -> list[AppliedMigration]:
        """Migrations recorded in the database, oldest first."""
        return runner.read_applied(self._db)

    def pending(self) -> list[Migration]:
        """Migrations this code knows that the database has not applied yet."""
        return runner.pending(self.applied(), self._migrations)

    def schema_version(self) -> int:
        """Highest applied migration version; 0 for an empty database."""
        return max((record.version for record in self.applied()), default=0)

    def transaction(self) -> AbstractContextManager[None]:
        """`with store.transaction():` groups query methods atomically (nested blocks use savepoints)."""
        return self._db.transaction()

    # --- store_meta ---------------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self._db.fetchone(sql.SELECT_META, (key,))
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute(sql.UPSERT_META, (key, value))

    def meta(self) -> dict[str, str]:
        """All store_meta entries (`store_id`, `created_at`, ...)."""
        return {str(key): str(value) for key, value in self._db.fetchall(sql.SELECT_ALL_META)}

    # --- lifecycle ----------------------------------------------------------------------------------------
    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Store {self.url}>"


def open_store(url: str, *, migrate: bool = True, migrations: Sequence[Migration] | None = None) -> Store:
    """Open the state store at `url` and, unless `migrate=False`, bring its schema up to date.

    `url`: `sqlite:///relative.db`, `sqlite:////abs.db`, `sqlite:///:memory:`, `postgresql://...`.
    Raises StoreError (bad URL, unreachable server, failed migration, database newer than this code).
    """
    chosen = sql.MIGRATIONS if migrations is None else tuple(migrations)
    store = Store(open_engine(parse_url(url)), chosen)
    if migrate:
        try:
            store.migrate()
        except BaseException:
            store.close()
            raise
    return store


def open_engine(url: StoreURL) -> Engine:
    """Connect to the store at `url` (already parsed), importing only the driver it needs."""
    if url.dialect == "sqlite":
        from platform_cli.store.sqlite_engine import SQLiteEngine

        return SQLiteEngine(url)
    from platform_cli.store.postgres_engine import PostgresEngine

    return PostgresEngine(url)
