"""Types for SQL text: per-dialect variants, migration definitions, and the qmark -> pyformat translation."""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from platform_cli.store.urls import Dialect


@dataclass(frozen=True)
class ByDialect:
    """One statement written twice, for where SQLite and PostgreSQL differ. None: nothing to run there."""

    sqlite: str | None
    postgresql: str | None

    def pick(self, dialect: Dialect) -> str | None:
        return self.sqlite if dialect == "sqlite" else self.postgresql


Statement = str | ByDialect


def statement_for(statement: Statement, dialect: Dialect) -> str | None:
    """The text of `statement` for `dialect` (a plain str is portable SQL)."""
    return statement if isinstance(statement, str) else statement.pick(dialect)


@dataclass(frozen=True)
class Migration:
    """One schema change: statements applied in order, in one transaction, recorded under `version`."""

    version: int
    name: str
    statements: Sequence[Statement]

    def statements_for(self, dialect: Dialect) -> list[str]:
        picked = (statement_for(statement, dialect) for statement in self.statements)
        return [text for text in picked if text is not None]

    def checksum(self, dialect: Dialect) -> str:
        """sha256 of the statements for `dialect`; whitespace-insensitive, so re-indenting is not an edit."""
        normalized = "\n".join(" ".join(text.split()) for text in self.statements_for(dialect))
        return hashlib.sha256(normalized.encode("utf-8")).hexdigest()

    @property
    def label(self) -> str:
        return f"migration {self.version} ({self.name})"


def check_migrations(migrations: Sequence[Migration]) -> None:
    """Versions must be 1, 2, 3, ... in order with unique names: a programming error otherwise."""
    for index, migration in enumerate(migrations, start=1):
        if migration.version != index:
            raise ValueError(
                f"migration versions must be 1..N in order; position {index} has {migration.label}"
            )
    names = [migration.name for migration in migrations]
    if len(set(names)) != len(names):
        raise ValueError(f"migration names must be unique: {names}")


# Quoted text, comments and dollar-quoted bodies are copied unchanged; a bare ? becomes %s and a bare % is
# doubled (psycopg treats % as the start of a placeholder wherever it appears when parameters are passed,
# even inside string literals, so % is doubled there too).
_TOKENS = re.compile(
    r"""
    (?P<quoted>'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|/\*.*?\*/|\$(?P<tag>[A-Za-z_]\w*)?\$.*?\$(?P=tag)?\$)
    | (?P<qmark>\?)
    | (?P<percent>%)
    """,
    re.VERBOSE | re.DOTALL,
)


def _pyformat_token(match: re.Match[str]) -> str:
    if match.group("qmark"):
        return "%s"
    if match.group("percent"):
        return "%%"
    return match.group("quoted").replace("%", "%%")


@functools.lru_cache(maxsize=1024)
def qmark_to_pyformat(sql: str) -> str:
    """Translate SQL written with ? placeholders (the project's one style) for psycopg (%s). Cached."""
    return _TOKENS.sub(_pyformat_token, sql)
