"""ai-feature.yaml: line-aware loading, schema and cross-field validation, and the typed model."""

from __future__ import annotations

from platform_cli.manifest.loader import SCHEMA_NAME, WHAT, load_manifest, manifest_problems
from platform_cli.manifest.model import (
    DEFAULT_STATE_URL,
    Budget,
    Manifest,
    ProviderSpec,
    RollbackSpec,
    Rollout,
    SecretSpec,
)
from platform_cli.manifest.state import (
    StateSource,
    absolute_sqlite_url,
    resolve_state_url,
    state_secret_references,
    state_source,
)

__all__ = [
    "DEFAULT_STATE_URL",
    "SCHEMA_NAME",
    "WHAT",
    "Budget",
    "Manifest",
    "ProviderSpec",
    "RollbackSpec",
    "Rollout",
    "SecretSpec",
    "StateSource",
    "absolute_sqlite_url",
    "load_manifest",
    "manifest_problems",
    "resolve_state_url",
    "state_secret_references",
    "state_source",
]
