"""The generated repo's eval pipeline lines (GitHub Actions and GitLab CI) run as written.

Offline lines run on a day-0 repo (the fake provider). The gated lines of a repo whose primary is an
OpenAI-compatible endpoint run against a real loopback server speaking that wire format (its key set, as CI
would from a secret), with the job's own condition checked first.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from eval_repos import generated

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.llm_loopback import serve  # noqa: E402


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLATFORM_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PLATFORM_LOG_DIR"] = str(tmp_path / "logs")
    env.update(extra)
    return env


def _jobs(root: Path) -> tuple[dict[str, dict], dict[str, dict]]:  # type: ignore[type-arg]
    github = yaml.safe_load((root / ".github/workflows/ai-feature.yml").read_text())["jobs"]
    gitlab = {
        k: v for k, v in yaml.safe_load((root / ".gitlab-ci.yml").read_text()).items() if isinstance(v, dict)
    }
    return github, gitlab


def _eval_lines(steps: list[dict]) -> list[str]:  # type: ignore[type-arg]
    return [s["run"] for s in steps if "platform eval" in s.get("run", "")]


def _run_lines(root: Path, lines: list[str], env: dict[str, str]) -> None:
    assert lines
    for line in lines:
        done = subprocess.run(
            ["bash", "-c", line], cwd=root, env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"


@pytest.fixture
def loopback() -> Iterator[str]:
    server = serve(0.0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_offline_eval_lines_of_both_pipelines_run_as_written(tmp_path: Path) -> None:
    root = generated(tmp_path / "repo")
    github, gitlab = _jobs(root)
    offline = _eval_lines(github["evals-offline"]["steps"])
    assert offline == gitlab["evals-offline"]["script"][1:]  # the same lines in both
    _run_lines(root, offline, _env(tmp_path))
    for report in gitlab["evals-offline"]["artifacts"]["reports"]["junit"]:
        assert (root / report).read_text().startswith("<?xml")
    # day 0 with the fake provider: the gated job needs no key, so it runs its lines unconditionally
    gated = github["evals-gated"]["steps"]
    assert all("if" not in step for step in gated) and "rules" not in gitlab["evals-gated"]
    _run_lines(root, _eval_lines(gated), _env(tmp_path))
    assert (root / "eval-smoke.md").read_text().startswith("### ✅ Eval `smoke`: PASS")
    status = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True)
    assert status.stdout == ""  # reports and run files are ignored, nothing else changed


def test_gated_eval_lines_run_against_a_real_endpoint_when_its_key_is_set(
    tmp_path: Path, loopback: str
) -> None:
    root = generated(tmp_path / "repo", primary_provider="openai-compatible", primary_base_url=loopback)
    github, gitlab = _jobs(root)
    job = github["evals-gated"]
    assert job["env"]["PRIMARY_API_KEY"] == "${{ secrets.PRIMARY_API_KEY }}"
    steps = job["steps"]
    assert {s.get("if") for s in steps if "platform eval" in s.get("run", "")} == {
        "env.PRIMARY_API_KEY != ''"
    }
    assert gitlab["evals-gated"]["rules"] == [{"if": "$PRIMARY_API_KEY"}]
    lines = _eval_lines(steps)
    assert lines == gitlab["evals-gated"]["script"][1:]
    state = f"sqlite:///{tmp_path / 'shared.db'}"
    _run_lines(root, lines, _env(tmp_path, PRIMARY_API_KEY="sk-test-loopback", PLATFORM_STATE_URL=state))
    report = (root / "eval-smoke.md").read_text()
    assert "PASS" in report and "llama-3.1-8b-instruct-2024-07-23" in report
