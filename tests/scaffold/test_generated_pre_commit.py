"""A generated repo ships a pre-commit config whose readiness hook takes the commit's changed files (the
fast path: no full check when nothing a rule reads changed), and real pre-commit runs it."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
import yaml

from platform_cli.cli.main import load_commands
from platform_cli.scaffold import new_feature

NOT_RE_CHECKED = "nothing the rules read changed"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("hooks") / "ticket-triage"
    new_feature(dest, {"name": "Ticket Triage", "eval_owner": "jane@example.com"})
    return dest


def _hooks(repo: Path) -> dict[str, dict[str, object]]:
    config = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    return {hook["id"]: hook for entry in config["repos"] for hook in entry["hooks"]}


def test_the_hooks_call_real_commands_the_readiness_one_with_the_changed_files(generated: Path) -> None:
    hooks = _hooks(generated)
    assert set(hooks) == {"platform-readiness", "platform-secret-scan"}
    root = load_commands()
    for hook_id, hook in hooks.items():
        words = shlex.split(str(hook["entry"]))
        assert words[0] == "platform"
        command: click.Command = root
        for word in words[1:]:
            assert isinstance(command, click.Group)
            found = command.get_command(click.Context(command), word)
            assert found is not None, f"{hook_id}: no command {word!r}"
            command = found
        takes_files = any(isinstance(p, click.Argument) and p.nargs == -1 for p in command.params)
        assert hook["pass_filenames"] is takes_files is (hook_id == "platform-readiness")
    tracked = subprocess.run(["git", "ls-files"], cwd=generated, capture_output=True, text=True, check=True)
    assert ".pre-commit-config.yaml" in tracked.stdout.splitlines()


def test_pre_commit_runs_the_readiness_hook_on_the_changed_files(generated: Path, tmp_path: Path) -> None:
    if shutil.which("pre-commit", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("pre-commit is not installed in this venv (the lint extra installs it)")
    repo = tmp_path / "repo"
    shutil.copytree(generated, repo, symlinks=True)
    (repo / "README.md").write_text("# Ticket Triage\n\nNew words.\n", encoding="utf-8")
    subprocess.run(["git", "add", "README.md"], cwd=repo, check=True, capture_output=True)
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
    }
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "pre-commit"), "run", "platform-readiness", "--verbose"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert NOT_RE_CHECKED in proc.stdout and "1 file(s)" in proc.stdout
    # a staged manifest edit is something the rules read: the whole check runs (and passes bronze)
    manifest = repo / "ai-feature.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    subprocess.run(["git", "add", "ai-feature.yaml"], cwd=repo, check=True, capture_output=True)
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "pre-commit"), "run", "platform-readiness", "--verbose"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert NOT_RE_CHECKED not in proc.stdout and "Level reached: bronze" in proc.stdout
