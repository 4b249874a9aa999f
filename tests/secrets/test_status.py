"""Status from backend metadata: ok, overdue, missing, unknown (with the reason), never a network call
for an unconfigured backend."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from secrets_support import free_port, write_repo

from platform_cli.manifest import load_manifest
from platform_cli.secrets.status import secrets_status

NOW = dt.datetime(2026, 11, 27, 12, tzinfo=dt.timezone.utc)


def _spec(name: str, backend: str, **extra: object) -> dict[str, object]:
    return {"name": name, "backend": backend, "rotation_days": 30, "owner": "team-demo", **extra}


def test_states_from_backend_metadata(tmp_path: Path) -> None:
    specs = [
        _spec("FRESH_KEY", "env-file"),
        _spec("OLD_KEY", "env-file"),
        _spec("HAND_MADE_KEY", "env-file"),
        _spec("NEVER_SET_KEY", "env-file"),
        _spec("VAULT_KEY", "vault", path="ai/demo/x"),
        _spec("AWS_KEY", "aws", path="ai/demo/y"),
    ]
    root = write_repo(tmp_path / "repo", secrets_=specs, kind="fake")
    (root / ".env").write_text("FRESH_KEY=a\nOLD_KEY=b\nHAND_MADE_KEY=c\n", encoding="utf-8")
    records = {
        "FRESH_KEY": {"current_created": "2026-11-20T12:00:00Z"},
        "OLD_KEY": {"current_created": "2026-09-01T00:00:00Z"},
    }
    (root / ".env.meta.json").write_text(json.dumps({"version": 1, "secrets": records}), encoding="utf-8")
    env = {"VAULT_ADDR": f"http://127.0.0.1:{free_port()}", "VAULT_TOKEN": "t"}  # nothing listens there
    rows = {r.name: r for r in secrets_status(load_manifest(root / "ai-feature.yaml"), now=NOW, env=env)}

    fresh = rows["FRESH_KEY"]
    assert (fresh.state, fresh.age_days, fresh.due, fresh.overdue) == ("ok", 7, "2026-12-20", False)
    old = rows["OLD_KEY"]
    assert (old.state, old.age_days, old.overdue) == ("overdue", 87, True)
    assert (
        old.reason == "OLD_KEY is 87 days old, past its 30-day rotation period: "
        "run `platform secrets rotate OLD_KEY --stdin`"
    )
    assert rows["HAND_MADE_KEY"].state == "overdue" and "age is unknown" in rows["HAND_MADE_KEY"].reason
    assert rows["NEVER_SET_KEY"].state == "missing"
    assert rows["NEVER_SET_KEY"].reason == (
        "NEVER_SET_KEY has never been set in env-file .env: "
        "run `platform secrets rotate NEVER_SET_KEY --stdin`"
    )
    vault = rows["VAULT_KEY"]
    assert vault.state == "unknown" and vault.reason.startswith("vault at http://127.0.0.1:")
    assert "unreachable (ConnectionError)" in vault.reason
    aws = rows["AWS_KEY"]
    assert aws.state == "unknown" and "no AWS region is set (export AWS_REGION=...)" in aws.reason


def test_vault_without_address_says_what_to_set(tmp_path: Path) -> None:
    root = write_repo(tmp_path / "repo", secrets_=[_spec("VAULT_KEY", "vault")], kind="fake")
    (row,) = secrets_status(load_manifest(root / "ai-feature.yaml"), now=NOW, env={})
    assert row.state == "unknown"
    assert row.reason.startswith("secret VAULT_KEY is in vault but VAULT_ADDR is not set")
