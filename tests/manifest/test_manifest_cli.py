"""`platform manifest validate` and `platform validate`, run through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from platform_cli.cli.main import run


def test_valid_manifest_in_the_current_repo(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo)
    assert run(["manifest", "validate"]) == 0
    assert capsys.readouterr().out == "ok: ai-feature.yaml is a valid AIFeature manifest\n"
    assert run(["validate"]) == 0
    assert capsys.readouterr().out == "ok: ai-feature.yaml is a valid AIFeature manifest\n"


def test_repo_option_and_explicit_file(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(["--repo", str(repo), "validate"]) == 0
    assert capsys.readouterr().out == "ok: feature/ai-feature.yaml is a valid AIFeature manifest\n"
    assert run(["validate", str(repo / "ai-feature.yaml")]) == 0


def test_three_mistakes_exit_2_with_every_problem(
    three_mistakes: str, repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "ai-feature.yaml").write_text(three_mistakes, encoding="utf-8")
    monkeypatch.chdir(repo)
    assert run(["validate"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert lines[0] == "error: ai-feature.yaml: 3 problems in AIFeature manifest"
    assert [line.split(": ")[0] for line in lines[1:]] == [
        "ai-feature.yaml:3:1",
        "ai-feature.yaml:12:7",
        "ai-feature.yaml:14:18",
    ]
    assert "Traceback" not in captured.err


def test_json_format(
    three_mistakes: str, repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo)
    assert run(["manifest", "validate", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"file": "ai-feature.yaml", "valid": True, "problems": []}
    (repo / "ai-feature.yaml").write_text(three_mistakes, encoding="utf-8")
    assert run(["manifest", "validate", "--format", "json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is False
    assert [(p["line"], p["path"]) for p in report["problems"]] == [
        (3, "$.metadata"),
        (12, "$.spec.providers[0].temperature"),
        (14, "$.spec.budget.monthly_usd"),
    ]


def test_malformed_yaml_exit_2_with_line_and_column(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "ai-feature.yaml").write_text(
        "apiVersion: platform/v1\nkind:\tAIFeature\n  x: 1\n", encoding="utf-8"
    )
    monkeypatch.chdir(repo)
    assert run(["validate"]) == 2
    err = capsys.readouterr().err
    assert "ai-feature.yaml:3:4: invalid YAML" in err


def test_missing_file_and_no_repo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PLATFORM_REPO", raising=False)
    assert run(["validate", "nope.yaml"]) == 2
    assert "nope.yaml: no such file" in capsys.readouterr().err
    assert run(["validate"]) == 2
    assert "no ai-feature.yaml in" in capsys.readouterr().err


def test_help_has_an_example() -> None:
    for args in (["validate", "--help"], ["manifest", "validate", "--help"], ["manifest", "--help"]):
        assert run(args) == 0
