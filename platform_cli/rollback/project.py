"""A feature repo as the rollback commands see it: its manifest, rollback settings and shared store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from platform_cli.manifest import Manifest, load_manifest, resolve_state_url
from platform_cli.repo import MANIFEST_NAME
from platform_cli.store import Store, open_store


@dataclass(frozen=True)
class Project:
    manifest: Manifest
    state_url: str

    @property
    def root(self) -> Path:
        return self.manifest.root

    @property
    def feature(self) -> str:
        return self.manifest.name

    @property
    def history_policy(self) -> str | None:
        return self.manifest.rollback.history if self.manifest.rollback else None

    @property
    def drill_max_age_days(self) -> int | None:
        return self.manifest.rollback.drill_max_age_days if self.manifest.rollback else None


def load_project(root: Path) -> Project:
    manifest = load_manifest(root / MANIFEST_NAME)
    return Project(manifest, resolve_state_url(manifest))


@contextmanager
def project_store(project: Project, *, write: bool) -> Iterator[Store | None]:
    """The shared store; for reads and dry runs None when it was never written (nothing is created)."""
    from platform_cli.prompts.config import existing_store

    store = open_store(project.state_url) if write else existing_store(project.state_url)
    try:
        yield store
    finally:
        if store is not None:
            store.close()
