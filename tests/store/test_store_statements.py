"""Placeholder translation, per-dialect statements, migration checksums and definition checks."""

from __future__ import annotations

import pytest

from platform_cli.store import ByDialect, Migration, sql
from platform_cli.store.statements import check_migrations, qmark_to_pyformat, statement_for


@pytest.mark.parametrize(
    ("qmark", "pyformat"),
    [
        ("SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = %s AND b = %s"),
        ("SELECT 7 % 3, ?", "SELECT 7 %% 3, %s"),
        ("SELECT '?', 'it''s ?', ?", "SELECT '?', 'it''s ?', %s"),
        ("SELECT x FROM t WHERE x LIKE '%?%' AND y = ?", "SELECT x FROM t WHERE x LIKE '%%?%%' AND y = %s"),
        ('SELECT "odd?col" FROM t WHERE k = ?', 'SELECT "odd?col" FROM t WHERE k = %s'),
        ("SELECT ? -- why?\n", "SELECT %s -- why?\n"),
        ("SELECT /* a ? b */ ?", "SELECT /* a ? b */ %s"),
        ("SELECT $$ ? $$, $fn$ ? $fn$, ?", "SELECT $$ ? $$, $fn$ ? $fn$, %s"),
        ("SELECT 1", "SELECT 1"),
    ],
)
def test_qmark_to_pyformat(qmark: str, pyformat: str) -> None:
    assert qmark_to_pyformat(qmark) == pyformat


def test_translation_is_cached() -> None:
    text = "SELECT ? AS cached_probe"
    before = qmark_to_pyformat.cache_info().hits
    qmark_to_pyformat(text)
    qmark_to_pyformat(text)
    assert qmark_to_pyformat.cache_info().hits >= before + 1


def test_by_dialect_picks_one_text() -> None:
    both = ByDialect(sqlite="SELECT 1", postgresql=None)
    assert statement_for(both, "sqlite") == "SELECT 1"
    assert statement_for(both, "postgresql") is None
    assert statement_for("SELECT 2", "postgresql") == "SELECT 2"
    migration = Migration(1, "m", ("CREATE TABLE a (x INTEGER)", both))
    assert migration.statements_for("postgresql") == ["CREATE TABLE a (x INTEGER)"]
    assert migration.statements_for("sqlite") == ["CREATE TABLE a (x INTEGER)", "SELECT 1"]


def test_checksum_ignores_whitespace_but_not_edits() -> None:
    base = Migration(2, "widgets", ("CREATE TABLE widgets (id INTEGER)",))
    reindented = Migration(2, "widgets", ("\n  CREATE  TABLE widgets\n    (id INTEGER)\n",))
    edited = Migration(2, "widgets", ("CREATE TABLE widgets (id TEXT)",))
    assert base.checksum("sqlite") == reindented.checksum("sqlite")
    assert base.checksum("sqlite") != edited.checksum("sqlite")
    assert len(base.checksum("sqlite")) == 64


@pytest.mark.parametrize(
    ("migrations", "message"),
    [
        ((Migration(2, "a", ()),), "position 1 has migration 2"),
        ((Migration(1, "a", ()), Migration(3, "b", ())), "position 2 has migration 3"),
        ((Migration(1, "a", ()), Migration(2, "a", ())), "names must be unique"),
    ],
)
def test_migration_definitions_are_checked(migrations: tuple[Migration, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_migrations(migrations)


def test_shipped_migrations_are_well_formed() -> None:
    check_migrations(sql.MIGRATIONS)
    assert sql.MIGRATIONS[0].name == "initial schema"
    for migration in sql.MIGRATIONS:
        for dialect in ("sqlite", "postgresql"):
            assert migration.statements_for(dialect), f"{migration.label} is empty on {dialect}"
