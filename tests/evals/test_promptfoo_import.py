"""A promptfoo-style tests file (vars + assert, defaultTest) becomes a suite and dataset that run here;
assertions with no equivalent are reported at their line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eval_repos import generated

from platform_cli.cli.main import run

PROMPTFOO = """\
defaultTest:
  assert:
    - {type: not-icontains, value: "I cannot"}
tests:
  - description: double charge
    vars: {ticket: "I was charged twice for March.", segment: billing}
    assert:
      - {type: icontains, value: charged}
      - {type: similar, value: "Summary: I was charged twice for March.", threshold: 0.5}
  - vars: {ticket: "The API returns 500 on upload.", segment: technical}
    assert:
      - {type: icontains-any, value: ["500", "API"]}
"""


def test_a_promptfoo_tests_file_becomes_a_suite_that_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PLATFORM_OFFLINE", "1")
    monkeypatch.setenv("PLATFORM_STATE_URL", f"sqlite:///{tmp_path / 'state.db'}")
    repo = generated(tmp_path / "repo")
    source = tmp_path / "promptfooconfig.yaml"
    source.write_text(PROMPTFOO)
    base = ["--repo", str(repo), "eval"]
    assert run([*base, "import-promptfoo", str(source), "--suite", "imported", "--prompt", "summarize"]) == 0
    rows = [json.loads(line) for line in (repo / "evals/datasets/imported.jsonl").read_text().splitlines()]
    assert [r["segment"] for r in rows] == ["billing", "technical"]
    assert rows[0]["expected"]["not_icontains"] == "I cannot" and "icontains_any" not in rows[0]["expected"]
    capsys.readouterr()
    assert run([*base, "run", "imported", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["verdict"] == "pass" and report["summary"]["overall"]["results"] == 2
    # the same name again is refused unless --force
    assert run([*base, "import-promptfoo", str(source), "--suite", "imported", "--prompt", "summarize"]) == 2


def test_assertions_without_an_equivalent_are_located(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = generated(tmp_path / "repo")
    source = tmp_path / "pf.yaml"
    source.write_text(
        "tests:\n  - vars: {ticket: x}\n    assert:\n      - {type: javascript, value: 'output.length'}\n"
    )
    code = run(
        [
            "--repo",
            str(repo),
            "eval",
            "import-promptfoo",
            str(source),
            "--suite",
            "pf",
            "--prompt",
            "summarize",
        ]
    )
    assert code == 2
    assert (
        ":4:16: $.tests[0].assert[0].type: assertion type 'javascript' has no equivalent here"
        in capsys.readouterr().err
    )
    assert not (repo / "evals/suites/pf.yaml").exists()
