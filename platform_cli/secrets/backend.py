"""The one contract every secrets backend meets, and `open_backend` that picks one for a declared secret.

A backend object is bound to one secret. Every write is idempotent on the rotation token so the state
machine in `rotation.py` can resume after a crash at any point by calling the same methods again.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from platform_cli.errors import UserError
from platform_cli.manifest.model import SecretSpec
from platform_cli.secrets.model import RotationMeta, SecretState, Serving, Stage

BACKENDS = ("env-file", "vault", "aws")


class SecretBackend(Protocol):
    """One secret in one backend. No method returns a value except `read`, and no error message holds one."""

    kind: str
    location: str  # where the secret lives, for messages (never a credential)

    def describe(self) -> SecretState:
        """Versions, ages, metadata and any rotation in progress."""
        ...

    def read(self, stage: Stage) -> str | None:
        """The value of the current, pending or previous version (None when there is none)."""
        ...

    def serving(self) -> Serving:
        """What the runtime serves (`SecretReader`): current, and previous during its grace period, read
        with as few requests as the backend allows (the reader calls this on every cache refresh)."""
        ...

    def begin(self, token: str, meta: RotationMeta, *, initial: bool) -> None:
        """Record that rotation `token` started (creating the secret's container if the backend needs one)."""
        ...

    def put_pending(self, token: str, value: str) -> None:
        """Store `value` as the pending version of rotation `token` (a no-op when it is already stored)."""
        ...

    def mark(self, token: str, step: str) -> None:
        """Record the last completed step of rotation `token`."""
        ...

    def promote(self, token: str, grace_until: dt.datetime, now: dt.datetime) -> None:
        """Pending becomes current, current becomes previous; clears the journal. Idempotent."""
        ...

    def discard(self, token: str) -> None:
        """Remove the pending version of rotation `token` and clear the journal; current is untouched."""
        ...

    def rollback(self, now: dt.datetime) -> None:
        """Previous becomes current (the rolled-back version becomes previous, with no grace period)."""
        ...


def open_backend(spec: SecretSpec, root: Path, env: Mapping[str, str] | None = None) -> SecretBackend:
    """The backend for a declared secret, configured from the environment (`env`, default os.environ):

    - env-file: `path` (default `.env`) relative to the repository root.
    - vault: VAULT_ADDR (or BAO_ADDR), VAULT_TOKEN (or BAO_TOKEN), optional VAULT_NAMESPACE, VAULT_CACERT and
      PLATFORM_VAULT_MOUNT (the KV v2 mount, default `secret`); `path` inside the mount.
    - aws: the usual AWS variables (AWS_REGION, credentials, AWS_ENDPOINT_URL); `path` is the secret id
      (default: the secret's name).
    """
    environ = os.environ if env is None else env
    if spec.backend == "env-file":
        from platform_cli.secrets.envfile import EnvFileBackend

        return EnvFileBackend(spec.name, root / (spec.path or ".env"), display=spec.path or ".env")
    if spec.backend == "vault":
        from platform_cli.secrets.vault import VaultBackend

        return VaultBackend.from_env(spec.name, spec.path or spec.name.lower(), environ)
    if spec.backend == "aws":
        from platform_cli.secrets.aws import AwsBackend

        return AwsBackend.from_env(spec.name, spec.path or spec.name, environ)
    raise UserError(f"secret {spec.name}: unknown backend {spec.backend!r} (expected one of {BACKENDS})")
