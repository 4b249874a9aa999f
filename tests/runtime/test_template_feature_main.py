"""The generated feature's `python -m <pkg>.feature`: offline with PLATFORM_OFFLINE=1; without keys, exit 2.

A real repo rendered from the template with real providers (OpenAI, Anthropic behind Vault) and shared
state, run in a subprocess with no keys and no Vault, the way its README says (a throwaway local store):
the entry point must say what to do in one line, never a traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from platform_cli.resources import templates_dir
from platform_cli.scaffold import new_feature

ANSWERS = templates_dir() / "ai-feature" / "tests" / "answers" / "multi-vendor-production.yml"


def _run(repo: Path, *, offline: bool) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PLATFORM_", "VAULT_", "OPENAI", "ANTHROPIC"))
    }
    env.update(PYTHONPATH=str(repo / "src"), PYTHONDONTWRITEBYTECODE="1", PLATFORM_LOG_DIR=str(repo / "logs"))
    env["PLATFORM_STATE_URL"] = "sqlite:///.platform/state.db"  # as the README's offline line says
    if offline:
        env["PLATFORM_OFFLINE"] = "1"
    command = [sys.executable, "-m", "billing_assistant.feature", "I was charged twice."]
    return subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=60)


def test_the_entry_point_runs_offline_and_without_keys_exits_2_with_a_hint(tmp_path: Path) -> None:
    repo = tmp_path / "billing-assistant"
    new_feature(repo, yaml.safe_load(ANSWERS.read_text(encoding="utf-8")))

    offline = _run(repo, offline=True)
    assert offline.returncode == 0, offline.stderr
    assert offline.stderr == ""  # observed: a RuntimeWarning (the module was imported twice)
    assert "-- prompt summarize@v1 via primary (the offline fake standing in for gpt-5.1-2025-11-13)" in (
        offline.stdout
    )

    no_keys = _run(repo, offline=False)
    assert no_keys.returncode == 2 and no_keys.stdout == ""
    assert "Traceback" not in no_keys.stderr
    errors = [line for line in no_keys.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "every provider failed" in errors[0]
    assert "hint: run offline with PLATFORM_OFFLINE=1" in no_keys.stderr
    hint = next(line for line in no_keys.stderr.splitlines() if line.startswith("hint: "))
    assert hint.endswith("`platform secrets rotate NAME --stdin`")  # observed: cut off mid-sentence

    readme = (repo / "README.md").read_text(encoding="utf-8")
    offline = "PLATFORM_OFFLINE=1 PLATFORM_STATE_URL=sqlite:///.platform/state.db"
    assert f'{offline} python -m billing_assistant.feature "' in readme
    assert "Every command below works offline" not in readme


def test_the_package_docstring_names_the_feature_once(tmp_path: Path) -> None:
    repo = tmp_path / "ticket-triage"
    new_feature(repo, {"name": "Ticket Triage", "eval_owner": "jane@example.com"})
    init = (repo / "src" / "ticket_triage" / "__init__.py").read_text(encoding="utf-8")
    assert init.startswith('"""Ticket Triage: an AI feature')  # observed: "Ticket Triage: Ticket Triage: ..."
    other = tmp_path / "other"
    new_feature(
        other, {"name": "Ticket Triage", "eval_owner": "j@example.com", "description": "Routes tickets"}
    )
    assert (
        (other / "src" / "ticket_triage" / "__init__.py").read_text().startswith('"""Ticket Triage: Routes')
    )
