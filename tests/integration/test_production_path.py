"""The production golden path end to end, on real servers, the way a team lives it:

1. `platform scaffold new-ai-feature` with the production preset, from platform-cli installed out of its
   built wheel (so the repo records how to install that same build);
2. on a "laptop" clone: publish the prompts into a real PostgreSQL (the team's shared store), run their eval
   suites and set the baselines, promote them, rehearse a rollback (a drill), and rotate both provider keys
   into a real OpenBao;
3. a fresh clone, in a fresh venv that has only the wheel (no source tree on the path), runs the job of its
   generated GitHub pipeline that holds the readiness gate, every `run:` line exactly as written, with the
   env the workflow sets (its secrets and variables given the servers' addresses), and reaches the level
   the pipeline requires (silver for production).

The vendors' APIs cannot be reached from here, so two things stand in for them: the key checks use
`--test-command true` (the rotation state machine, the backend and its metadata are real; only the vendor's
"is this key valid" call is skipped), and the laptop's eval runs (which the silver rules eval-fresh and
eval-baseline, and the promotion gate, need) are served by the offline fake (PLATFORM_OFFLINE=1): the runs,
scores, baselines and the gate are real and recorded in the shared store, the answers are the fake's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from github_workflow import job_with, run_step, run_steps
from secrets_support import BaoServer

ROOT = Path(__file__).resolve().parents[2]
PRESET = ROOT / "templates" / "ai-feature" / "tests" / "answers" / "multi-vendor-production.yml"
WORKFLOW = ".github/workflows/ai-feature.yml"
GATE = "platform readiness check"
KEYS = {
    "OPENAI_API_KEY": "sk-proj-laptop-rotated-0123456789abcdef",
    "ANTHROPIC_API_KEY": "sk-ant-laptop-0123456789",
}

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def _run(
    args: list[str], cwd: Path, env: dict[str, str], *, stdin: str | None = None, timeout: float = 900
) -> str:
    done = subprocess.run(
        args, cwd=cwd, env=env, input=stdin, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"{' '.join(args)} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _clean_env(home: Path, **extra: str) -> dict[str, str]:
    """What a fresh machine has: PATH, HOME, pip's own settings; nothing of platform-cli's, no PYTHONPATH."""
    keep = {k: v for k, v in os.environ.items() if k.startswith(("PIP_", "LANG", "LC_", "GIT_"))}
    return {**keep, "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), **extra}


def _scaffold_production(wheel_venv: Path, where: Path, name: str) -> tuple[str, Path]:
    """`platform scaffold new-ai-feature NAME` with the production preset from the wheel install; returns
    (the wheel's `platform`, a fresh HOME for the commands that follow)."""
    platform = str(wheel_venv / "bin" / "platform")
    home = where / "home"
    home.mkdir()
    command = [platform, "scaffold", "new-ai-feature", name, "--answers-file", str(PRESET), "--defaults"]
    _run([*command, "-q"], where, _clean_env(home))
    return platform, home


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out)]
    _run([*pip, str(ROOT)], cwd=out, env=dict(os.environ))
    return next(out.glob("platform_cli-*.whl"))


@pytest.fixture(scope="session")
def wheel_venv(tmp_path_factory: pytest.TempPathFactory, built_wheel: Path) -> Iterator[Path]:
    """A fresh venv with platform-cli installed from its wheel (and its dependencies from the index)."""
    where = tmp_path_factory.mktemp("venv") / "venv"
    home = tmp_path_factory.mktemp("venv-home")
    _run([sys.executable, "-m", "venv", str(where)], cwd=home, env=dict(os.environ))
    env = _clean_env(home, PIP_CACHE_DIR=os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip")))
    _run([str(where / "bin" / "python"), "-m", "pip", "install", "-q", f"{built_wheel}[postgres]"], home, env)
    yield where


def test_the_wheel_install_records_itself_as_the_spec_and_has_no_source_tree(
    wheel_venv: Path, built_wheel: Path, tmp_path: Path
) -> None:
    probe = (
        "import platform_cli, json\n"
        "from platform_cli.scaffold.install_spec import install_spec\n"
        "from platform_cli.resources import templates_dir\n"
        "print(json.dumps([platform_cli.__file__, install_spec().requirement, str(templates_dir())]))"
    )
    out = _run([str(wheel_venv / "bin" / "python"), "-c", probe], tmp_path, _clean_env(tmp_path))
    module, requirement, templates = json.loads(out)
    assert not module.startswith(str(ROOT)) and not templates.startswith(str(ROOT))
    assert requirement == f"platform-cli @ {built_wheel.as_uri()}"


def test_a_production_repo_goes_green_in_its_own_ci_against_shared_state(
    wheel_venv: Path, built_wheel: Path, postgres_url: str, bao: BaoServer, tmp_path: Path
) -> None:
    # 1. scaffold with the production preset, from the wheel install
    platform, home = _scaffold_production(wheel_venv, tmp_path, "origin")
    origin = tmp_path / "origin"
    workflow_text = (origin / WORKFLOW).read_text(encoding="utf-8")
    assert f"'platform-cli @ {built_wheel.as_uri()}'" in workflow_text  # installs this very build
    _run(
        ["git", "clone", "-q", "--bare", str(origin), str(tmp_path / "origin.git")],
        tmp_path,
        _clean_env(home),
    )

    # 2. the laptop: publish + promote into the team's PostgreSQL, rotate the keys into OpenBao
    _run(["git", "clone", "-q", str(tmp_path / "origin.git"), "laptop"], tmp_path, _clean_env(home))
    laptop = tmp_path / "laptop"
    team = _clean_env(home, PLATFORM_STATE_URL=postgres_url, **bao.env())
    offline = {**team, "PLATFORM_OFFLINE": "1"}  # the vendors cannot be reached from here (see above)
    _run([platform, "prompts", "publish", "-m", "first version"], laptop, team)
    for suite in ("smoke", "chat"):  # the eval gate: runs on v1, kept as the baselines, before promotion
        ran = _run([platform, "eval", "run", suite, "--version", "1", "--format", "json"], laptop, offline)
        run_id = json.loads(ran)["run"]["id"]
        _run(
            [platform, "eval", "baseline", "set", run_id, "--reason", "first evaluated version"], laptop, team
        )
    for prompt in ("summarize", "chat"):
        promote = ["prompts", "promote", prompt, "1", "--label", "production", "--reason", "evals passed"]
        _run([platform, *promote], laptop, team)
    _run([platform, "rollback", "drill"], laptop, team)  # rollback-ready: a drill in the shared store
    for name, key in KEYS.items():
        _run(
            [platform, "secrets", "rotate", name, "--stdin", "--test-command", "true"],
            laptop,
            team,
            stdin=key,
        )
    assert _run(["git", "status", "--porcelain"], laptop, team) == ""  # nothing of that lives in the repo

    # 3. CI: a fresh clone, the wheel venv, the pipeline's own lines with the env it sets
    _run(["git", "clone", "-q", str(tmp_path / "origin.git"), "ci"], tmp_path, _clean_env(home))
    ci = tmp_path / "ci"
    secrets = {"PLATFORM_STATE_URL": postgres_url, "VAULT_TOKEN": bao.token}
    variables = {"VAULT_ADDR": bao.addr}
    steps = run_steps(ci / WORKFLOW, GATE, secrets, variables)
    assert any(GATE in step.run for step in steps) and any("pytest" in step.run for step in steps)
    runner = _clean_env(
        home,
        PATH=f"{wheel_venv / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        CI="true",
        GITHUB_ACTIONS="true",
    )
    for step in steps:
        done = run_step(step, ci, runner, timeout=900)
        assert done.returncode == 0, f"{step.name}: {step.run}\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
        for value in (postgres_url.split("@")[0].split(":")[-1], bao.token, *KEYS.values()):
            assert value not in done.stdout + done.stderr, f"{step.name} printed a secret"
    assert (ci / "readiness.sarif").is_file()

    # the level the pipeline requires, read back as JSON, and nothing left untracked by the run
    report = json.loads(
        _run([platform, "readiness", "check", "--format", "json"], ci, {**runner, **steps[-1].env})
    )
    assert (report["required_level"], report["passed"]) == ("silver", True), report
    assert report["reached"] in ("silver", "gold")
    passed = {f["rule_id"] for f in report["findings"] if f["status"] == "pass"}
    assert {
        "state-shared",
        "no-fake-provider",
        "no-env-file-key",
        "prompt-label-production",
        "secrets-rotated",
        "rollback-ready",
    } <= (passed)
    assert _run(["git", "status", "--porcelain"], ci, runner) == ""  # *.egg-info and reports are ignored


def test_without_the_state_secret_ci_fails_naming_the_cause(
    wheel_venv: Path, postgres_url: str, bao: BaoServer, tmp_path: Path
) -> None:
    """The same pipeline with the PLATFORM_STATE_URL secret missing: the gate fails with the real cause."""
    _, home = _scaffold_production(wheel_venv, tmp_path, "repo")
    job_id, _, _ = job_with(tmp_path / "repo" / WORKFLOW, GATE)
    steps = [s for s in run_steps(tmp_path / "repo" / WORKFLOW, GATE, {"VAULT_TOKEN": bao.token},
                                  {"VAULT_ADDR": bao.addr}) if GATE in s.run]  # fmt: skip
    runner = _clean_env(home, PATH=f"{wheel_venv / 'bin'}:{os.environ.get('PATH', '')}", CI="true")
    done = run_step(steps[0], tmp_path / "repo", runner, timeout=300)
    assert done.returncode == 1, (job_id, done.stdout, done.stderr)
    assert "state-shared" in done.stdout and "${PLATFORM_STATE_URL}, which is not set" in done.stdout
