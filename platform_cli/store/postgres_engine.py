"""PostgreSQL engine over psycopg 3 (imported here only): autocommit connection, explicit transactions."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from platform_cli.store.engine import Cursor, Engine, Params
from platform_cli.store.errors import StoreConflict, StoreError
from platform_cli.store.statements import Statement, qmark_to_pyformat
from platform_cli.store.urls import StoreURL

if TYPE_CHECKING:
    import psycopg

CONNECT_TIMEOUT_SECONDS = 10
INSTALL_HINT = "PostgreSQL state stores need psycopg: pip install 'platform-cli[postgres]'"


class PostgresEngine(Engine):
    dialect = "postgresql"

    def __init__(self, url: StoreURL) -> None:
        super().__init__(url)
        try:
            import psycopg
        except ImportError:
            raise StoreError(f"state store {url}: {INSTALL_HINT}") from None
        self._psycopg = psycopg
        try:
            given = psycopg.conninfo.conninfo_to_dict(url.target)
            extra: dict[str, Any] = {}
            if "connect_timeout" not in given:
                extra["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
            if "application_name" not in given:
                extra["application_name"] = "platform-cli"
            # autocommit: reads never leave a transaction open; transaction() opens one explicitly.
            self._conn: psycopg.Connection[tuple[Any, ...]] = psycopg.connect(
                url.target, autocommit=True, **extra
            )
        except psycopg.Error as error:
            # `from None`: the driver's exception may carry the connection string.
            raise self.error(
                f"cannot connect ({_first_line(error)}); check the URL and that the server is up"
            ) from None

    def execute(self, statement: Statement, params: Params = ()) -> Cursor:
        text = statement if isinstance(statement, str) else self.text(statement)
        try:
            # Always pass a sequence, so psycopg always reads %% the way qmark_to_pyformat wrote it.
            return self._conn.execute(qmark_to_pyformat(text), tuple(params))
        except self._psycopg.errors.IntegrityError as error:
            raise self.error(_first_line(error), StoreConflict) from None
        except self._psycopg.Error as error:
            raise self.error(_first_line(error)) from None

    def executemany(self, statement: Statement, rows: Iterable[Params]) -> None:
        text = statement if isinstance(statement, str) else self.text(statement)
        try:
            with self._conn.cursor() as cursor:
                cursor.executemany(qmark_to_pyformat(text), [tuple(row) for row in rows])
        except self._psycopg.errors.IntegrityError as error:
            raise self.error(_first_line(error), StoreConflict) from None
        except self._psycopg.Error as error:
            raise self.error(_first_line(error)) from None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        try:
            # psycopg's transaction(): BEGIN, or a SAVEPOINT when nested; rolls back on any exception.
            with self._conn.transaction():
                yield
        except self._psycopg.Error as error:
            raise self.error(_first_line(error)) from None

    def close(self) -> None:
        self._conn.close()


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
