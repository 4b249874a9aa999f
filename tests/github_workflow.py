"""Run a generated GitHub Actions job's `run:` lines locally, exactly as written, with the env it sets.

Only what the generated workflows use is supported, and anything else fails loudly: `${{ secrets.NAME }}`,
`${{ vars.NAME }}` and `${{ vars.NAME || 'literal' }}` in `env:` (workflow, job and step level); `uses:`
steps (checkout, setup-python, upload-sarif) are the runner's own and are skipped. Lines run in bash with
`-e -o pipefail`, as GitHub runs them.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_OPERAND = re.compile(r"^(secrets|vars)\.([A-Za-z_][A-Za-z0-9_]*)$|^'((?:[^']|'')*)'$")


@dataclass(frozen=True)
class Step:
    name: str
    run: str
    env: dict[str, str]
    working_directory: str | None


def evaluate(text: str, secrets: Mapping[str, str], variables: Mapping[str, str]) -> str:
    """`text` with every `${{ ... }}` replaced the way GitHub would (`a || b`: the first non-empty)."""

    def operand(token: str) -> str:
        match = _OPERAND.match(token.strip())
        if match is None:
            raise ValueError(f"unsupported workflow expression operand: {token!r}")
        context, name, literal = match.groups()
        if literal is not None:
            return literal.replace("''", "'")
        return (secrets if context == "secrets" else variables).get(name, "")

    def replace(match: re.Match[str]) -> str:
        for part in match.group(1).split("||"):
            value = operand(part)
            if value:
                return value
        return ""

    return _EXPRESSION.sub(replace, text)


def job_with(workflow: Path, needle: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(job id, job, workflow) of the job that has a `run:` step containing `needle`."""
    data: dict[str, Any] = yaml.safe_load(workflow.read_text(encoding="utf-8"))
    for job_id, job in data["jobs"].items():
        if any(needle in str(step.get("run", "")) for step in job.get("steps", [])):
            return job_id, job, data
    raise AssertionError(f"{workflow}: no job runs {needle!r}")


def run_steps(
    workflow: Path, needle: str, secrets: Mapping[str, str], variables: Mapping[str, str]
) -> list[Step]:
    """The `run:` steps of the job that runs `needle`, with their env evaluated (workflow < job < step)."""
    _, job, data = job_with(workflow, needle)
    base = {**(data.get("env") or {}), **(job.get("env") or {})}
    steps = []
    for index, step in enumerate(job["steps"]):
        if "run" not in step:
            continue
        env = {
            k: evaluate(str(v), secrets, variables) for k, v in {**base, **(step.get("env") or {})}.items()
        }
        steps.append(
            Step(step.get("name") or f"step {index}", step["run"], env, step.get("working-directory"))
        )
    return steps


def run_step(
    step: Step, cwd: Path, env: Mapping[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    """Run one step's script as GitHub does (bash -e -o pipefail), in `cwd` (or its working-directory)."""
    where = cwd / step.working_directory if step.working_directory else cwd
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", step.run],
        cwd=where,
        env={**env, **step.env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
