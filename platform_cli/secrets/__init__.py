"""Secrets: backends (env-file, Vault/OpenBao KV v2, AWS Secrets Manager), rotation, status, runtime reader.

    from platform_cli.secrets import SecretReader

    reader = SecretReader(manifest)              # cache_ttl_s=30.0
    key = reader.get("OPENAI_API_KEY")           # Secret: repr shows no value
    headers = {"Authorization": f"Bearer {key.reveal()}"}
    key.previous                                 # the previous key during the grace period, else None

Rotation (`rotation.rotate`) is one state machine over every backend: create pending -> set -> test ->
finish, journaled in the backend's own metadata, resumable after a crash at any step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from platform_cli.lazynames import lazy_names

if TYPE_CHECKING:
    from platform_cli.secrets.backend import BACKENDS, SecretBackend, open_backend
    from platform_cli.secrets.model import (
        Journal,
        RotationMeta,
        Secret,
        SecretNotFound,
        SecretState,
        SecretUnavailable,
        VersionInfo,
    )
    from platform_cli.secrets.reader import SecretReader, state_url_secrets

# Imported on first use: the readiness check and the read-only commands need one or two of these names
# (state_url_secrets, Secret), not every backend and the rotation machinery.
_WHERE = {
    "BACKENDS": "backend",
    "Journal": "model",
    "RotationMeta": "model",
    "Secret": "model",
    "SecretBackend": "backend",
    "SecretNotFound": "model",
    "SecretReader": "reader",
    "SecretState": "model",
    "SecretUnavailable": "model",
    "VersionInfo": "model",
    "open_backend": "backend",
    "state_url_secrets": "reader",
}

__all__ = [
    "BACKENDS",
    "Journal",
    "RotationMeta",
    "Secret",
    "SecretBackend",
    "SecretNotFound",
    "SecretReader",
    "SecretState",
    "SecretUnavailable",
    "VersionInfo",
    "open_backend",
    "state_url_secrets",
]


__getattr__ = lazy_names(__name__, _WHERE, globals())
