"""Apply schema migrations: one transaction each, under a cross-process lock, recorded with a checksum."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from platform_cli.store import sql
from platform_cli.store.engine import Engine, utc_timestamp
from platform_cli.store.errors import StoreError
from platform_cli.store.statements import Migration


@dataclass(frozen=True)
class AppliedMigration:
    """A row of schema_migrations."""

    version: int
    name: str
    checksum: str
    applied_at: str


def read_applied(engine: Engine) -> list[AppliedMigration]:
    """Migrations recorded in the database, oldest first (none for a fresh database)."""
    row = engine.fetchone(sql.SCHEMA_MIGRATIONS_EXISTS)
    if not row or not row[0]:
        return []
    return [AppliedMigration(*row) for row in engine.fetchall(sql.SELECT_APPLIED)]


def verify(engine: Engine, applied: Sequence[AppliedMigration], migrations: Sequence[Migration]) -> None:
    """Refuse a database this code cannot safely use: newer schema, unknown or edited migrations."""
    known = {migration.version: migration for migration in migrations}
    newest = max((record.version for record in applied), default=0)
    if newest > len(migrations):
        raise engine.error(
            f"the database is at schema version {newest}, newer than this platform-cli knows "
            f"(up to {len(migrations)}); upgrade platform-cli (pip install -U platform-cli) to use it"
        )
    for record in applied:
        migration = known.get(record.version)
        if migration is None:
            raise engine.error(
                f"the database records migration {record.version} ({record.name}), unknown here"
            )
        expected = migration.checksum(engine.dialect)
        if record.checksum != expected:
            raise engine.error(
                f"{migration.label} was applied with checksum {record.checksum[:12]} but this platform-cli "
                f"has {expected[:12]}: a released migration was edited; restore it and put the change in "
                "a new migration"
            )


def pending(applied: Sequence[AppliedMigration], migrations: Sequence[Migration]) -> list[Migration]:
    done = {record.version for record in applied}
    return [migration for migration in migrations if migration.version not in done]


def migrate(engine: Engine, migrations: Sequence[Migration]) -> list[AppliedMigration]:
    """Apply every pending migration in order; return the ones this call applied ([] when up to date).

    Safe to run from several processes at once: each migration runs in one transaction that first takes
    the migration lock and re-reads what is applied, so whoever comes second finds nothing left to do.
    `migrations` must have passed `check_migrations` (Store does that when it is made).
    """
    current = read_applied(engine)
    verify(engine, current, migrations)  # checked without the lock: an up-to-date store costs two reads
    if not pending(current, migrations):
        return []
    done: list[AppliedMigration] = []
    while True:
        with engine.transaction():
            lock = sql.MIGRATION_LOCK.pick(engine.dialect)
            if lock:
                engine.execute(lock, (sql.MIGRATION_LOCK_KEY,))
            current = read_applied(engine)
            if not current:
                engine.execute(sql.CREATE_SCHEMA_MIGRATIONS)
            verify(engine, current, migrations)
            todo = pending(current, migrations)
            if not todo:
                return done
            record = _apply(engine, todo[0])
        done.append(record)


def _apply(engine: Engine, migration: Migration) -> AppliedMigration:
    statements = migration.statements_for(engine.dialect)
    for number, text in enumerate(statements, start=1):
        try:
            engine.execute(text)
        except StoreError as error:
            detail = str(error).removeprefix(f"state store {engine.url}: ")
            raise engine.error(
                f"{migration.label} failed at statement {number} of {len(statements)} and was rolled back "
                f"(nothing of it was applied; later migrations were not attempted): {detail}"
            ) from None
    record = AppliedMigration(
        migration.version, migration.name, migration.checksum(engine.dialect), utc_timestamp()
    )
    engine.execute(sql.INSERT_APPLIED, (record.version, record.name, record.checksum, record.applied_at))
    return record
