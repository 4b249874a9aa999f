"""One integration target per secrets backend: the manifest entry, the environment, and a direct reader
that inspects the backend through its own API (OpenBao HTTP, boto3 by VersionStage, the .env file)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from secrets_support import BaoServer, MotoServer

from platform_cli.manifest import load_manifest
from platform_cli.secrets import open_backend, rotation
from platform_cli.secrets.checks import NoCheck
from platform_cli.secrets.envfile import parse_env
from platform_cli.secrets.model import RotationMeta
from platform_cli.secrets.status import SecretStatus, secrets_status

NAME = "PRIMARY_API_KEY"
BACKEND_KINDS = ["env-file", "vault", "aws"]


@dataclass
class Target:
    kind: str
    spec: dict[str, Any]
    env: dict[str, str]
    read: Callable[[Path, str], str | None]  # (repo root, stage) -> value, straight from the backend
    current_count: Callable[[Path], int]  # how many versions are labelled current


def make_target(request: pytest.FixtureRequest, kind: str) -> Target:
    unique = uuid.uuid4().hex[:10]
    spec: dict[str, Any] = {"name": NAME, "backend": kind, "rotation_days": 90, "owner": "team-demo"}
    if kind == "env-file":
        spec["path"] = ".env"

        def read_env(root: Path, stage: str) -> str | None:
            path = root / ".env"
            values = parse_env(path.read_text(encoding="utf-8")) if path.exists() else {}
            key = {"current": NAME, "pending": f"{NAME}__PENDING", "previous": f"{NAME}__PREVIOUS"}[stage]
            return values.get(key)

        def count_env(root: Path) -> int:
            text = (root / ".env").read_text(encoding="utf-8")
            return sum(1 for line in text.splitlines() if line.startswith(f"{NAME}="))

        return Target(kind, spec, {}, read_env, count_env)
    if kind == "vault":
        bao: BaoServer = request.getfixturevalue("bao")
        path = spec["path"] = f"ai/demo-{unique}/primary"

        def read_vault(root: Path, stage: str) -> str | None:
            if stage == "pending":
                found = bao.api("GET", f"secret/data/{path}.pending")
            elif stage == "current":
                found = bao.api("GET", f"secret/data/{path}")
            else:
                meta = bao.api("GET", f"secret/metadata/{path}")
                previous = (meta or {}).get("data", {}).get("custom_metadata", {}).get("previous_version")
                found = bao.api("GET", f"secret/data/{path}?version={previous}") if previous else None
            return None if found is None else str(found["data"]["data"]["value"])

        def count_vault(root: Path) -> int:
            return 1 if read_vault(root, "current") is not None else 0  # KV v2: the latest version

        return Target(kind, spec, bao.env(), read_vault, count_vault)
    moto: MotoServer = request.getfixturevalue("moto")
    secret_id = spec["path"] = f"ai/demo-{unique}/primary"
    client = moto.client()
    labels = {"current": "AWSCURRENT", "pending": "AWSPENDING", "previous": "AWSPREVIOUS"}

    def read_aws(root: Path, stage: str) -> str | None:
        try:
            found = client.get_secret_value(SecretId=secret_id, VersionStage=labels[stage])
        except client.exceptions.ResourceNotFoundException:
            return None
        return str(found["SecretString"])

    def count_aws(root: Path) -> int:
        try:
            stages = client.describe_secret(SecretId=secret_id).get("VersionIdsToStages", {})
        except client.exceptions.ResourceNotFoundException:
            return 0
        return sum(1 for labels_ in stages.values() if "AWSCURRENT" in labels_)

    return Target(kind, spec, moto.env(), read_aws, count_aws)


def env_for(target: Target) -> dict[str, str]:
    return {**os.environ, **target.env}


def seed(root: Path, target: Target, mint: Callable[[], str]) -> None:
    """A first rotation done in process (faster than the CLI), for tests about what happens next."""
    manifest = load_manifest(root / "ai-feature.yaml")
    backend = open_backend(manifest.secrets[0], root, env_for(target))
    meta = RotationMeta("team-demo", 90)
    report = rotation.rotate(backend, name=NAME, source=mint, check=NoCheck("seed"), meta=meta)
    assert report.outcome == "rotated"


def status_of(root: Path, target: Target) -> SecretStatus:
    (row,) = secrets_status(load_manifest(root / "ai-feature.yaml"), env=env_for(target))
    return row
