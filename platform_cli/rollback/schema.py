"""Whether a store has the rollback tables: asked by readiness and the read-only commands, which must not
import the journal runner and planner to learn it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from platform_cli.store.sql.rollback import ROLLBACK_MIGRATION_NAME

if TYPE_CHECKING:
    from platform_cli.store import Store


def has_rollback_schema(store: Store) -> bool:
    """Whether the store has the rollback tables (a store opened without migrating may predate them)."""
    return any(applied.name == ROLLBACK_MIGRATION_NAME for applied in store.applied())
