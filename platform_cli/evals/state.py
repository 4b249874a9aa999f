"""The state store for the eval commands: writes migrate it, reads never create or change it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from platform_cli.manifest import Manifest, load_manifest, resolve_state_url
from platform_cli.repo import MANIFEST_NAME
from platform_cli.store.urls import parse_url

if TYPE_CHECKING:
    from platform_cli.store import Store


def manifest_at(root: Path) -> Manifest:
    return load_manifest(root / MANIFEST_NAME)


def existing_evals_store(url: str) -> Store | None:
    """The store if it already holds the eval tables; None when it was never written (nothing created)."""
    parsed = parse_url(url)
    if parsed.dialect == "sqlite" and parsed.target != ":memory:" and not Path(parsed.target).is_file():
        return None
    from platform_cli.store import open_store  # only when there is a store to read
    from platform_cli.store.sql.evals import EVALS_MIGRATION

    store = open_store(url, migrate=False)
    if store.schema_version() < EVALS_MIGRATION.version:
        store.close()
        return None
    return store


@contextmanager
def evals_store(manifest: Manifest, *, write: bool) -> Iterator[Store | None]:
    from platform_cli.store import open_store

    url = resolve_state_url(manifest)
    store = open_store(url) if write else existing_evals_store(url)
    try:
        yield store
    finally:
        if store is not None:
            store.close()
