"""`platform readiness check|scan|explain` and `platform policies list|test`: outputs and exit codes 0/1/2."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest
import yaml

from platform_cli.cli import readiness as readiness_cli
from platform_cli.cli.main import run
from platform_cli.scaffold import new_feature


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One freshly generated feature repo (real template, real git), copied by tests that change it."""
    dest = tmp_path_factory.mktemp("generated") / "support-summarizer"
    new_feature(dest, {"name": "Support Summarizer"})
    return dest


@pytest.fixture
def repo(generated: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(generated, tmp_path / "org" / "support-summarizer", symlinks=True))


def rule_doc(rule_id: str, level: str = "gold", **changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": rule_id,
        "title": f"{rule_id} title",
        "level": level,
        "severity": "error",
        "fact": "manifest",
        "condition": {"not": {}},
        "pass": "never",
        "fail": "always fails",
        "remediation": "nothing helps",
        "rationale": "tests the exit code",
        "examples": {"pass": [{}], "fail": [{}]},
    }
    doc.update(changes)
    return doc


def pack(tmp_path: Path, *docs: dict[str, Any]) -> Path:
    directory = tmp_path / "pack"
    directory.mkdir(exist_ok=True)
    (directory / "rules.yaml").write_text(yaml.safe_dump({"rules": list(docs)}, sort_keys=False))
    return directory


def check(repo: Path, *args: str) -> int:
    return run(["--no-color", "--repo", str(repo), "readiness", "check", *args])


def test_formats_match_the_renderers() -> None:
    from platform_cli.readiness.output import FORMATS
    from platform_cli.readiness.scorecard import SCORECARD_FORMATS

    assert readiness_cli.REPORT_FORMATS == FORMATS
    assert readiness_cli.SCORECARD_FORMATS == SCORECARD_FORMATS


def test_fresh_repo_passes_its_required_level(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert check(repo) == 0
    out = capsys.readouterr().out
    assert "required level bronze" in out
    assert out.rstrip().splitlines()[-1].endswith("0 waived")


def test_json_report_on_stdout(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert check(repo, "--format", "json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["feature"] == "support-summarizer"
    assert data["passed"] is True
    assert data["reached"] in ("bronze", "silver", "gold")


def test_required_level_not_reached_exits_1(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = pack(tmp_path, rule_doc("always-fails-gold"))
    assert check(repo, "--level", "gold", "--policies", str(extra)) == 1
    out = capsys.readouterr().out
    assert "always-fails-gold" in out
    assert "always fails" in out


def test_extra_pack_from_the_environment(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PLATFORM_POLICIES", str(pack(tmp_path, rule_doc("from-env-pack", "bronze"))))
    assert check(repo, "--format", "json") == 1
    ids = [f["rule_id"] for f in json.loads(capsys.readouterr().out)["findings"]]
    assert "from-env-pack" in ids


def test_several_formats_each_to_its_output(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report_json, junit = tmp_path / "out" / "r.json", tmp_path / "out" / "r.xml"
    junit.parent.mkdir()
    umask = os.umask(0o022)  # what CI runners use
    try:
        code = check(
            repo,
            "--format",
            "json",
            "--output",
            str(report_json),
            "--format",
            "junit",
            "--output",
            str(junit),
            "--format",
            "text",
        )
    finally:
        os.umask(umask)
    assert code == 0
    assert json.loads(report_json.read_text())["feature"] == "support-summarizer"
    for written in (report_json, junit):  # readable by CI artifact upload, like any file the job writes
        assert stat.S_IMODE(written.stat().st_mode) == 0o644
    assert junit.read_text().lstrip().startswith("<?xml")
    captured = capsys.readouterr()
    assert "passed," in captured.out
    assert "<?xml" not in captured.out


def test_more_outputs_than_formats_is_a_usage_error(repo: Path, tmp_path: Path) -> None:
    assert check(repo, "--output", str(tmp_path / "a"), "--output", str(tmp_path / "b")) == 2


def test_bad_manifest_exits_2_with_file_and_line(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = repo / "ai-feature.yaml"
    lines = manifest.read_text().splitlines()
    index = next(i for i, line in enumerate(lines) if "lifecycle:" in line)
    lines[index] = "  lifecycle: launched"
    manifest.write_text("\n".join(lines) + "\n")
    assert check(repo) == 2
    assert f"ai-feature.yaml:{index + 1}:" in capsys.readouterr().err


def test_bad_waivers_exit_2_with_file_and_line(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "waivers.yaml").write_text(
        "waivers:\n  - rule: no-such-rule\n    reason: r\n    approver: a\n    expires: 2020-01-01\n"
    )
    assert check(repo) == 2
    err = capsys.readouterr().err
    assert "waivers.yaml:2:" in err
    assert "no readiness rule has the id 'no-such-rule'" in err


def test_bad_rule_file_exits_2(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    extra = pack(tmp_path, rule_doc("bad-rule", level="platinum"))
    assert check(repo, "--policies", str(extra)) == 2
    assert "rules.yaml:4:" in capsys.readouterr().err


def test_scan_scorecard_and_exit_code(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    org = repo.parent
    assert run(["readiness", "scan", str(org), "--format", "json", "--workers", "1"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["totals"]["repos"] == 1

    broken = org / "broken"
    broken.mkdir()
    (broken / "ai-feature.yaml").write_text("apiVersion: platform/v1\nkind: AIFeature\n")
    output = tmp_path / "scorecard.csv"
    assert run(["readiness", "scan", str(org), "--format", "csv", "--output", str(output)]) == 1
    rows = list(csv.DictReader(io.StringIO(output.read_text())))
    by_name = {Path(row["path"]).name: row for row in rows}
    assert set(by_name) == {"support-summarizer", "broken"}
    assert "ai-feature.yaml" in by_name["broken"]["error"]
    assert by_name["support-summarizer"]["error"] == ""


def test_scan_exit_1_when_a_repo_is_below_its_level(repo: Path, tmp_path: Path) -> None:
    extra = pack(tmp_path, rule_doc("always-fails-bronze", "bronze"))
    assert run(["readiness", "scan", str(repo.parent), "--policies", str(extra), "--workers", "1"]) == 1


def test_explain_shows_rationale_remediation_and_examples(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = pack(tmp_path, rule_doc("explained-rule", examples={"pass": [{"a": 1}], "fail": [{"b": 2}]}))
    assert run(["readiness", "explain", "explained-rule", "--policies", str(extra)]) == 0
    out = capsys.readouterr().out
    for text in ("explained-rule", "tests the exit code", "nothing helps", "a: 1", "b: 2", "rules.yaml:2"):
        assert text in out
    assert run(["readiness", "explain", "explained-rule", "--policies", str(extra), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["rationale"] == "tests the exit code"
    assert run(["readiness", "explain", "explained-rul", "--policies", str(extra)]) == 2
    assert "did you mean explained-rule" in capsys.readouterr().err


def test_explain_a_shipped_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["policies", "list", "--format", "json"]) == 0
    first = json.loads(capsys.readouterr().out)[0]
    assert run(["readiness", "explain", first["id"]]) == 0
    assert first["rationale"].split()[0] in capsys.readouterr().out


def test_policies_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    extra = pack(tmp_path, rule_doc("listed-rule", "silver"))
    assert run(["policies", "list", "--policies", str(extra)]) == 0
    out = capsys.readouterr().out
    assert "listed-rule" in out
    assert "[manifest] listed-rule title" in out
    assert run(["policies", "list", "--policies", str(extra), "--format", "json"]) == 0
    rules = json.loads(capsys.readouterr().out)
    levels = [r["level"] for r in rules]
    assert levels == sorted(levels, key=["bronze", "silver", "gold"].index)


def test_policies_test_shipped_pack_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["policies", "test"]) == 0
    out = capsys.readouterr().out
    assert "FAIL" not in out
    assert out.rstrip().endswith("0 failed")


def test_policies_test_reports_a_wrong_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = rule_doc("good-rule", condition={"type": "object"}, examples={"pass": [{}], "fail": [3]})
    wrong = rule_doc("wrong-rule", condition={"type": "object"}, examples={"pass": [{}], "fail": [{}]})
    extra = pack(tmp_path, good, wrong)
    assert run(["policies", "test", str(extra)]) == 1
    out = capsys.readouterr().out
    assert "ok    good-rule (2 examples)" in out
    assert "FAIL  wrong-rule" in out
    assert "examples.fail[0]: expected fail, got pass" in out
    assert run(["policies", "test", str(extra / "rules.yaml"), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert (data["passed"], data["failed"]) == (1, 1)


def test_policies_test_bad_rule_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    extra = pack(tmp_path, rule_doc("bad-condition", condition={"type": "strnig"}))
    assert run(["policies", "test", str(extra)]) == 2
    assert "condition is not a valid JSON Schema" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args",
    [
        ("policies", "test", "{empty}"),
        ("policies", "list", "--policies", "{empty}"),
        ("readiness", "explain", "model-pinned", "--policies", "{empty}"),
    ],
)
def test_pack_without_rule_files_exits_2(
    args: tuple[str, ...], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty-pack"
    (empty / "sub").mkdir(parents=True)
    (empty / "README.md").write_text("not a rule\n")
    assert run([a.format(empty=empty) for a in args]) == 2
    captured = capsys.readouterr()
    assert "0 rules" not in captured.out
    assert f"{empty}: no rule files (*.yaml, *.yml)" in captured.err


def test_check_with_an_empty_pack_exits_2(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty-pack").mkdir()
    assert check(repo, "--policies", str(tmp_path / "empty-pack")) == 2
    assert "no rule files" in capsys.readouterr().err


@pytest.mark.parametrize("command", [("policies", "test"), ("policies", "list", "--policies")])
def test_pack_that_does_not_exist_exits_2(
    command: tuple[str, ...], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-such-pack"
    assert run([*command, str(missing)]) == 2
    captured = capsys.readouterr()
    assert "0 rules" not in captured.out
    assert str(missing) in captured.err
    assert "does not exist" in captured.err


def test_expired_waiver_for_a_passing_rule_is_counted_as_a_failure_in_every_format(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check(repo, "--format", "json") == 0
    before = json.loads(capsys.readouterr().out)
    passing = next(f["rule_id"] for f in before["findings"] if f["status"] == "pass")
    (repo / "waivers.yaml").write_text(
        f"waivers:\n  - rule: {passing}\n    reason: r\n    approver: jane\n    expires: 2020-01-01\n"
    )
    passed, failed = before["counts"]["passed"], before["counts"]["failed"] + 1
    summary = f"{passed} passed, {failed} failed, 0 waived"
    message = f"waiver for {passing} expired on 2020-01-01: remove it from waivers.yaml (the rule passes now)"

    assert check(repo) == 1
    text = capsys.readouterr().out
    assert "NOT READY" in text
    assert text.rstrip().splitlines()[-1] == summary
    assert message in text

    assert check(repo, "--format", "json") == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["counts"] == {"passed": passed, "failed": failed, "waived": 0}
    assert doc["passed"] is False

    for fmt in ("junit", "markdown", "github"):
        assert check(repo, "--format", fmt) == 1
        out = capsys.readouterr().out
        assert summary in out, fmt
        assert "expired on 2020-01-01" in out, fmt

    assert check(repo, "--format", "sarif") == 1
    run_props = json.loads(capsys.readouterr().out)["runs"][0]["properties"]
    assert run_props["counts"] == {"passed": passed, "failed": failed, "waived": 0}


@pytest.mark.parametrize(
    "args",
    [
        ("--format", "sarif", "--format", "junit"),
        ("--format", "json", "--output", "-", "--format", "text"),
        ("--format", "json", "--output", "-", "--format", "junit", "--output", "-"),
    ],
)
def test_two_formats_to_stdout_is_a_usage_error(
    args: tuple[str, ...], repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check(repo, *args) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing glued together, nothing checked
    assert "2 formats would go to stdout" in captured.err
    assert "give each extra --format an --output FILE, or '-' for the one that goes to stdout" in captured.err


def test_exactly_one_format_may_go_to_stdout(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junit = tmp_path / "r.xml"
    assert check(repo, "--format", "junit", "--output", str(junit), "--format", "sarif") == 0
    assert json.loads(capsys.readouterr().out)["version"] == "2.1.0"
    assert junit.read_text().startswith("<?xml")
    assert check(repo, "--format", "sarif", "--output", "-", "--format", "junit", "--output", str(junit)) == 0
    assert json.loads(capsys.readouterr().out)["version"] == "2.1.0"


def test_two_formats_into_one_file_is_a_usage_error(repo: Path, tmp_path: Path) -> None:
    out = str(tmp_path / "report")
    assert check(repo, "--format", "json", "--output", out, "--format", "junit", "--output", out) == 2
    assert not Path(out).exists()


def test_text_and_json_agree_on_the_level_reached(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # (a level with no rules is never reached: tests/readiness/test_evaluate.py; the shipped pack now
    # has a gold rule, template-current)
    assert check(repo, "--format", "json") == 0
    doc = json.loads(capsys.readouterr().out)
    assert check(repo) == 0
    text = capsys.readouterr().out
    assert f"Level reached: {doc['reached']}, required: bronze (ready)" in text

    assert check(repo, "--level", "gold") == 1
    text = capsys.readouterr().out
    assert "Level reached: gold" not in text
    assert check(repo, "--level", "gold", "--format", "json") == 1
    gold = json.loads(capsys.readouterr().out)
    assert (gold["reached"], gold["passed"]) == (doc["reached"], False)

    # With a gold rule in force that passes, gold is reached exactly when nothing below blocks.
    passes = rule_doc("gold-rule", "gold", condition={"type": "object"}, examples={"pass": [{}], "fail": [3]})
    blocked = any(f["failed"] and f["severity"] == "error" for f in doc["findings"])
    check(repo, "--level", "gold", "--format", "json", "--policies", str(pack(tmp_path, passes)))
    with_gold = json.loads(capsys.readouterr().out)
    assert with_gold["reached"] == (doc["reached"] if blocked else "gold")


def test_scan_of_a_dir_without_repos_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "emptyorg"
    (empty / "team-a" / "docs").mkdir(parents=True)
    assert run(["readiness", "scan", str(empty)]) == 2
    captured = capsys.readouterr()
    assert "0 repos" not in captured.out
    assert captured.out == ""
    assert f"no ai-feature.yaml found below {empty}" in captured.err


def test_scan_of_a_dir_that_does_not_exist_exits_2(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = repo.parent / "no-such-team"
    assert run(["readiness", "scan", str(repo.parent), str(missing)]) == 2
    assert f"{missing}: no such directory" in capsys.readouterr().err
