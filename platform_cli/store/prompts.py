"""Store queries of the prompt registry: immutable versions, label pointers and moves, allocations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from platform_cli.store import sql
from platform_cli.store.engine import Engine, utc_timestamp
from platform_cli.store.sql import rollback as rollback_sql

if TYPE_CHECKING:
    from platform_cli.store.prompts_records import (
        AllocationRecord,
        LabelMove,
        LabelRecord,
        PromptVersionRecord,
    )

# The record classes are re-exported: importing them from here loads them on first use (see __getattr__).
__all__ = ["AllocationRecord", "LabelMove", "LabelRecord", "PromptQueries", "PromptVersionRecord"]


class PromptQueries:
    """Mixed into `Store`. Writers call `lock_prompt` first inside `store.transaction()`."""

    _db: Engine

    # --- prompts ------------------------------------------------------------------------------------------
    def lock_prompt(self, name: str) -> str:
        """Create the prompt's row if needed and lock it until the transaction ends; return its salt."""
        import secrets

        self._db.execute(sql.INSERT_PROMPT, (name, secrets.token_hex(8), utc_timestamp()))
        row = self._db.fetchone(sql.LOCK_PROMPT, (name,))
        assert row is not None  # inserted just above, and prompts rows are never deleted
        return str(row[0])

    def prompt_salt(self, name: str) -> str | None:
        row = self._db.fetchone(sql.SELECT_PROMPT_SALT, (name,))
        return None if row is None else str(row[0])

    def prompt_names(self) -> list[str]:
        return [str(row[0]) for row in self._db.fetchall(sql.SELECT_PROMPT_NAMES)]

    # --- versions -----------------------------------------------------------------------------------------
    def prompt_version(self, name: str, version: int) -> PromptVersionRecord | None:
        from platform_cli.store import prompts_records as records

        row = self._db.fetchone(sql.SELECT_PROMPT_VERSION, (name, version))
        return None if row is None else records.read_version(row)

    def prompt_version_by_hash(self, name: str, content_hash: str) -> PromptVersionRecord | None:
        from platform_cli.store import prompts_records as records

        row = self._db.fetchone(sql.SELECT_PROMPT_VERSION_BY_HASH, (name, content_hash))
        return None if row is None else records.read_version(row)

    def latest_prompt_version(self, name: str) -> PromptVersionRecord | None:
        from platform_cli.store import prompts_records as records

        row = self._db.fetchone(sql.SELECT_LATEST_PROMPT_VERSION, (name,))
        return None if row is None else records.read_version(row)

    def prompt_versions(self, name: str) -> list[PromptVersionRecord]:
        from platform_cli.store import prompts_records as records

        return [records.read_version(row) for row in self._db.fetchall(sql.SELECT_PROMPT_VERSIONS, (name,))]

    def insert_prompt_version(self, record: PromptVersionRecord) -> None:
        """Insert a new version (the table refuses updates and deletes; a taken number is a conflict)."""
        self._db.execute(
            sql.INSERT_PROMPT_VERSION,
            (
                record.prompt,
                record.version,
                record.content_hash,
                record.content,
                record.author,
                record.created_at,
                record.message,
            ),
        )

    # --- labels -------------------------------------------------------------------------------------------
    def prompt_label(self, name: str, label: str) -> int | None:
        row = self._db.fetchone(sql.SELECT_LABEL, (name, label))
        return None if row is None else int(row[0])

    def prompt_label_target(self, name: str, label: str) -> tuple[int, str] | None:
        """(version, content hash) the label points at, in one round trip; None if no such label."""
        row = self._db.fetchone(sql.SELECT_LABEL_TARGET, (name, label))
        return None if row is None else (int(row[0]), str(row[1]))

    def prompt_labels(self, name: str) -> list[LabelRecord]:
        from platform_cli.store import prompts_records as records

        rows = self._db.fetchall(sql.SELECT_LABELS, (name,))
        return [records.LabelRecord(str(r[0]), str(r[1]), int(r[2]), str(r[3]), str(r[4])) for r in rows]

    def move_prompt_label(self, move: LabelMove) -> None:
        """Point the label at `move.to_version` and record the move (call inside a transaction).

        Moving a label to a version a rollback revoked serves it again on purpose: the revocation is lifted
        (its cached answers and its turns are treated like any other version's from then on).
        """
        self._db.execute(
            rollback_sql.LIFT_REVOCATION, (move.moved_at, move.moved_by, move.prompt, move.to_version)
        )
        self._db.execute(
            sql.UPSERT_LABEL, (move.prompt, move.label, move.to_version, move.moved_at, move.moved_by)
        )
        self._db.execute(
            sql.INSERT_LABEL_MOVE,
            (
                move.prompt,
                move.label,
                move.from_version,
                move.to_version,
                move.moved_at,
                move.moved_by,
                move.reason,
            ),
        )

    def prompt_label_moves(self, name: str) -> list[LabelMove]:
        """Every move of every label of `name`, oldest first."""
        from platform_cli.store import prompts_records as records

        return [records.read_move(row) for row in self._db.fetchall(sql.SELECT_LABEL_MOVES, (name,))]

    def prompt_label_at(self, name: str, label: str, at: str) -> LabelMove | None:
        """The move that set where `label` pointed at time `at` (a store timestamp), or None."""
        from platform_cli.store import prompts_records as records

        row = self._db.fetchone(sql.SELECT_LABEL_AT, (name, label, at))
        return None if row is None else records.read_move(row)

    # --- allocations --------------------------------------------------------------------------------------
    def record_prompt_allocation(
        self, name: str, segment: str, allocation: str, *, changed_at: str, changed_by: str, reason: str
    ) -> None:
        self._db.execute(sql.INSERT_ALLOCATION, (name, segment, allocation, changed_at, changed_by, reason))

    def prompt_allocation(self, name: str, segment: str, at: str | None = None) -> AllocationRecord | None:
        """The allocation in force for (`name`, `segment`) now, or at time `at`."""
        from platform_cli.store import prompts_records as records

        if at is None:
            row = self._db.fetchone(sql.SELECT_CURRENT_ALLOCATION, (name, segment))
        else:
            row = self._db.fetchone(sql.SELECT_ALLOCATION_AT, (name, segment, at))
        return None if row is None else records.read_allocation(row)

    def prompt_allocations(self, name: str) -> list[AllocationRecord]:
        """Every allocation change of `name`, oldest first."""
        from platform_cli.store import prompts_records as records

        return [records.read_allocation(row) for row in self._db.fetchall(sql.SELECT_ALLOCATIONS, (name,))]


def __getattr__(name: str) -> Any:
    """A record class named in __all__ loads with its first use (see prompts_records); nothing else does
    (the import system asks modules for attributes such as __path__)."""
    if name in __all__:
        from platform_cli.store import prompts_records

        return getattr(prompts_records, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
