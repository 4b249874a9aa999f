"""cookiecutter repos update like cruft: `.cruft.json` records commit and answers; old and new re-render."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from platform_cli.cli.main import run


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def cookie_repo_template(tmp_path: Path) -> Path:
    root = tmp_path / "svc-template"
    inner = root / "{{cookiecutter.project_slug}}"
    inner.mkdir(parents=True)
    (root / "cookiecutter.json").write_text(
        json.dumps(
            {
                "project_name": "Demo Service",
                "project_slug": "{{ cookiecutter.project_name.lower().replace(' ', '-') }}",
            }
        )
    )
    (inner / "README.md").write_text("# {{ cookiecutter.project_name }}\n\nIntro.\n\n## Usage\n\nRun it.\n")
    (inner / "Makefile").write_text("test:\n\tpytest\n")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "first")
    return root


def test_cookiecutter_repo_update_merges_and_reports_conflicts(
    cookie_repo_template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "svc"
    assert run(["scaffold", "from", str(cookie_repo_template), str(repo), "--defaults", "-q",
                "--data", "project_name=Ledger", "--trust"]) == 0  # fmt: skip
    record = json.loads((repo / ".cruft.json").read_text())
    first = _git(cookie_repo_template, "rev-parse", "HEAD").strip()
    assert record["commit"] == first
    assert record["context"]["cookiecutter"]["project_slug"] == "ledger"  # rendered, not the raw default
    readme = repo / "README.md"
    readme.write_text(readme.read_text().replace("Intro.", "Our intro.\n\nKeep me."))
    (repo / "Makefile").write_text("test:\n\tpytest -q\n")  # will conflict
    _git(repo, "commit", "-qam", "local edits")
    inner = cookie_repo_template / "{{cookiecutter.project_slug}}"
    (inner / "README.md").write_text(
        "# {{ cookiecutter.project_name }}\n\nIntro.\n\n## Usage\n\nRun it every day.\n"
    )
    (inner / "Makefile").write_text("test:\n\tpytest --strict-markers\n")
    (inner / "CHANGES.md").write_text("new file\n")
    _git(cookie_repo_template, "add", "-A")
    _git(cookie_repo_template, "commit", "-qm", "second")
    capsys.readouterr()
    assert run(["--repo", str(repo), "template", "check"]) == 1

    assert run(["--repo", str(repo), "template", "update"]) == 4  # cookiecutter templates are code
    assert "--trust" in capsys.readouterr().err
    assert run(["--repo", str(repo), "template", "update", "--trust"]) == 1

    out = capsys.readouterr().out
    assert "1 conflict(s)" in out and "Makefile" in out
    text = readme.read_text()
    assert "Our intro." in text and "Keep me." in text and "Run it every day." in text
    makefile = (repo / "Makefile").read_text()
    assert (
        "<<<<<<< before updating" in makefile and "pytest -q" in makefile and "--strict-markers" in makefile
    )
    assert (repo / "CHANGES.md").read_text() == "new file\n"
    assert (
        json.loads((repo / ".cruft.json").read_text())["commit"]
        == _git(cookie_repo_template, "rev-parse", "HEAD").strip()
    )
    assert run(["--repo", str(repo), "template", "check"]) == 0
