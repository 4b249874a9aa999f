"""`platform templates lint` and `platform templates test`: the suite runs both on the shipped templates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from platform_cli.cli.main import run


def test_shipped_templates_lint_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["templates", "lint"]) == 0, capsys.readouterr().out
    assert "ai-feature: " in capsys.readouterr().out


@pytest.fixture
def small_template(tmp_path: Path) -> Path:
    root = tmp_path / "svc"
    (root / "template" / "tests").mkdir(parents=True)
    (root / "tests" / "answers").mkdir(parents=True)
    (root / "copier.yml").write_text(
        "_subdirectory: template\n"
        "project:\n  type: str\n  help: Project name, e.g. ledger\n  default: demo\n"
        "  validator: \"{% if not (project | regex_search('^[a-z]+$')) %}lowercase letters{% endif %}\"\n"
    )
    (root / "template" / "{{project}}.py.jinja").write_text("NAME = '{{ project }}'\n")
    (root / "template" / "tests" / "test_name.py.jinja").write_text(
        "import importlib\n\ndef test_name():\n    assert importlib.import_module('{{ project }}').NAME\n"
    )
    (root / "template" / "README.md").write_text("# Service\n")
    (root / "template" / "pyproject.toml").write_text("[tool.pytest.ini_options]\npythonpath = ['.']\n")
    (root / "tests" / "answers" / "ledger.yml").write_text("project: ledger\n")
    return root


def test_lint_finds_missing_help_missing_validator_and_a_default_failing_its_validator(
    small_template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (small_template / "copier.yml").write_text(
        "_subdirectory: template\n"
        "project:\n  type: str\n  default: Demo\n"
        "  validator: \"{% if not (project | regex_search('^[a-z]+$')) %}lowercase letters{% endif %}\"\n"
        "owner:\n  type: str\n  help: Owner\n  default: me\n"
        "mode:\n  type: str\n  help: Mode\n  choices: [a, b]\n  default: a\n"
    )
    (small_template / "template" / "conf.yaml.jinja").write_text("owner: {{ owner }}\nmode: {{ mode }}\n")
    assert run(["templates", "lint", str(small_template), "--format", "json"]) == 1
    problems = json.loads(capsys.readouterr().out)[0]["problems"]
    found = {(p["path"], p["message"].split(":")[0]) for p in problems}
    assert ("project", "has no help") in found
    assert ("project", "the default 'Demo' fails its own validator") in found
    assert any(path == "owner" and "free text written into YAML text" in m for path, m in found)
    assert not any(path == "mode" for path, _ in found)  # choices are not free text
    assert all(p["line"] for p in problems)


@pytest.mark.slow
def test_templates_test_passes_a_good_template_and_fails_a_broken_one(
    small_template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["templates", "test", str(small_template), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)[0]
    assert report["ok"] and report["answer_sets"][0]["tests_passed"]
    (small_template / "template" / "tests" / "test_broken.py").write_text(
        "def test_broken():\n    assert False\n"
    )
    assert run(["templates", "test", str(small_template)]) == 1
    assert "FAIL ledger: TESTS FAIL" in capsys.readouterr().out


@pytest.mark.slow
def test_templates_test_on_the_golden_path(
    capsys: pytest.CaptureFixture[str], postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every sample answer set renders, runs its tests and readiness in a fresh venv; then an update.

    The production preset shares state: its gate is judged against a real (empty) PostgreSQL database."""
    monkeypatch.setenv("PLATFORM_STATE_URL", postgres_url)
    code = run(["templates", "test", "ai-feature", "--format", "json"])
    report = json.loads(capsys.readouterr().out)[0]
    assert code == 0, report
    assert len(report["answer_sets"]) >= 3 and all(a["ok"] for a in report["answer_sets"])
    assert report["update"]["problem"] is None
