"""Registry settings of one feature repo (from ai-feature.yaml) and opening its state store."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from platform_cli.errors import InvalidFile, UserError
from platform_cli.manifest import Manifest, load_manifest, resolve_state_url
from platform_cli.manifest.state import SecretLookup
from platform_cli.repo import MANIFEST_NAME
from platform_cli.store.urls import parse_url

if TYPE_CHECKING:
    from platform_cli.store import Store

DEFAULT_PROTECTED_LABELS = ("production",)
PROMPTS_DIR = "prompts"
LKG_DIR = ".platform/lkg"
REGISTRY_SCHEMA_VERSION = 2  # the migration that created the registry's tables
_LABEL = re.compile(r"^[a-z][a-z0-9_-]*$")
_VERSION_LIKE = re.compile(r"^v?[0-9]+$")


@dataclass(frozen=True)
class RegistrySettings:
    """What the prompt registry of one repo needs from its manifest: root, store, labels, providers."""

    root: Path
    state_url: str
    protected_labels: tuple[str, ...]
    providers: tuple[str, ...]
    segments: tuple[str, ...]

    @property
    def prompts_dir(self) -> Path:
        return self.root / PROMPTS_DIR

    @property
    def lkg_dir(self) -> Path:
        return self.root / LKG_DIR


def settings_for(manifest: Manifest, secret: SecretLookup | None = None) -> RegistrySettings:
    """`secret(NAME)` reads a declared secret that spec.state.url references (`${NAME}`); the layers above
    pass `platform_cli.secrets.state_url_secrets(manifest)` (this package does not import secrets)."""
    return RegistrySettings(
        root=manifest.root,
        state_url=resolve_state_url(manifest, secret=secret),
        protected_labels=_protected_labels(manifest),
        providers=tuple(p.name for p in manifest.providers),
        segments=tuple(manifest.segments),
    )


def _protected_labels(manifest: Manifest) -> tuple[str, ...]:
    """spec.prompts.protected_labels: a list of label names (the manifest schema leaves spec.prompts open)."""
    value = manifest.prompts.get("protected_labels")
    if value is None:
        return DEFAULT_PROTECTED_LABELS
    if isinstance(value, list) and all(isinstance(v, str) and _LABEL.match(v) for v in value):
        return tuple(value)
    json_path = ("spec", "prompts", "protected_labels")
    problem = manifest.loaded.problem(
        json_path,
        "expected a list of label names",
        "e.g. `protected_labels: [production]` (labels whose moves need --reason)",
    )
    raise InvalidFile(manifest.display, [problem], "AIFeature manifest")


def load_settings(
    root: Path, secrets: Callable[[Manifest], SecretLookup | None] | None = None
) -> RegistrySettings:
    """The registry settings of the repo at `root`; `secrets(manifest)` gives settings_for's `secret`."""
    manifest = load_manifest(root / MANIFEST_NAME)
    return settings_for(manifest, secrets(manifest) if secrets is not None else None)


def check_label(label: str) -> str:
    """A label name: lowercase letters, digits, _ and -; never version-like (v2 means version 2)."""
    if not _LABEL.match(label) or _VERSION_LIKE.match(label):
        raise UserError(
            f"label {label!r} is not a valid label name: use lowercase letters, digits, _ and -, starting "
            "with a letter, and not vN (that means version N), e.g. production, canary, staging"
        )
    return label


def existing_store(url: str) -> Store | None:
    """The store at `url` if it already holds the registry; None when it has never been written.

    Never creates a SQLite file or changes a schema: for reads (readiness facts, `--dry-run`).
    Raises StoreError when the store exists but cannot be reached.
    """
    parsed = parse_url(url)
    if parsed.dialect == "sqlite" and parsed.target != ":memory:" and not Path(parsed.target).is_file():
        return None
    from platform_cli.store import open_store  # only when there is a store to read

    store = open_store(url, migrate=False)
    if store.schema_version() < REGISTRY_SCHEMA_VERSION:
        store.close()
        return None
    return store
