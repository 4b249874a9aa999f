"""Small hand-made feature repos for the fact-collector tests: a manifest dict, files, real git."""

from __future__ import annotations

import copy
import datetime as dt
import subprocess
from pathlib import Path
from typing import Any

import yaml

from platform_cli.readiness.facts.base import Fact, FactCollector, RepoContext

TODAY = dt.date(2026, 11, 27)

BASE_MANIFEST: dict[str, Any] = {
    "apiVersion": "platform/v1",
    "kind": "AIFeature",
    "metadata": {"name": "demo", "owner": "team-demo", "eval_owner": "jane.doe@example.com"},
    "spec": {
        "lifecycle": "experimental",
        "oncall": {"rotation": "demo-primary"},
        "providers": [
            {
                "name": "primary",
                "kind": "fake",
                "model": "fake-chat-2025-01-01",
                "oncall_owner": "jane.doe@example.com",
            }
        ],
        "budget": {"monthly_usd": 100, "per_request_usd": 0.01, "alert_at": [0.5, 0.8, 1.0]},
        "rollout": {
            "steps": [1, 5, 25, 100],
            "soak_days": 42,
            "guard_metrics": ["eval_score", "cost_per_request", "refusal_rate", "p95_latency"],
        },
    },
}


def manifest(**spec_updates: Any) -> dict[str, Any]:
    """A copy of BASE_MANIFEST with spec keys replaced (a value of None removes the key)."""
    data = copy.deepcopy(BASE_MANIFEST)
    for key, value in spec_updates.items():
        if value is None:
            data["spec"].pop(key, None)
        else:
            data["spec"][key] = value
    return data


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True)
    return done.stdout


def make_repo(
    root: Path,
    data: dict[str, Any] | None = None,
    files: dict[str, str] | None = None,
    *,
    use_git: bool = True,
) -> Path:
    """Write ai-feature.yaml (unless data is None) and `files`, then `git init` and commit everything."""
    root.mkdir(parents=True, exist_ok=True)
    if data is not None:
        (root / "ai-feature.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    for rel, text in (files or {}).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if use_git:
        git(root, "init", "-q", "-b", "main")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "init")
    return root


def collect(collector: FactCollector, root: Path, **extra: Any) -> Fact:
    return collector.collect(RepoContext(root, extra={"today": TODAY, **extra}))


def line_containing(root: Path, rel: str, needle: str, after: str = "") -> int:
    """1-based number of the first line of `rel` containing `needle` (after the first line with `after`)."""
    lines = (root / rel).read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i, line in enumerate(lines) if i >= start and needle in line) + 1
