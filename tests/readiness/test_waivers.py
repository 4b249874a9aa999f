"""Waivers: validation with file:line, the 90-day limit, unknown rules, and waived / expired / unused."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from platform_cli.errors import InvalidFile
from platform_cli.readiness.model import Finding, Location, Report, Rule, Waiver
from platform_cli.readiness.output.common import summary_line
from platform_cli.readiness.output.junit import render_junit
from platform_cli.readiness.waivers import apply_waivers, load_waivers, max_days

TODAY = dt.date(2025, 3, 1)
RULES = {"model-pinned", "budget-declared", "soak-window"}


@pytest.fixture(autouse=True)
def _default_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PLATFORM_WAIVER_MAX_DAYS", raising=False)


def write(root: Path, text: str) -> Path:
    path = root / "waivers.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def entry(rule: str = "model-pinned", expires: str = "2025-04-01", indent: str = "  ") -> str:
    return (
        f"{indent}- rule: {rule}\n{indent}  reason: vendor has no snapshot yet\n"
        f"{indent}  approver: jane.doe@example.com\n{indent}  expires: {expires}\n"
    )


def test_missing_or_empty_file_waives_nothing(tmp_path: Path) -> None:
    assert load_waivers(tmp_path, rule_ids=RULES, today=TODAY) == []
    write(tmp_path, "# nothing yet\n")
    assert load_waivers(tmp_path, rule_ids=RULES, today=TODAY) == []
    write(tmp_path, "waivers: []\n")
    assert load_waivers(tmp_path, rule_ids=RULES, today=TODAY) == []


def test_valid_waivers_load_with_their_line(tmp_path: Path) -> None:
    write(tmp_path, "waivers:\n" + entry() + entry("soak-window", "2025-05-30"))
    waivers = load_waivers(tmp_path, rule_ids=RULES, today=TODAY)
    assert waivers[0] == Waiver(
        rule_id="model-pinned",
        reason="vendor has no snapshot yet",
        approver="jane.doe@example.com",
        expires="2025-04-01",
        location=Location("waivers.yaml", 2),
    )
    assert waivers[1].location == Location("waivers.yaml", 6)


def test_schema_problem_is_located(tmp_path: Path) -> None:
    write(tmp_path, "waivers:\n  - rule: model-pinned\n    reason: x\n    expires: 2025-04-01\n")
    with pytest.raises(InvalidFile) as excinfo:
        load_waivers(tmp_path, rule_ids=RULES, today=TODAY)
    [problem] = excinfo.value.problems
    assert problem.line == 2
    assert "missing required key 'approver'" in problem.message
    assert excinfo.value.exit_code == 2


def test_badly_written_date_is_located(tmp_path: Path) -> None:
    write(tmp_path, "waivers:\n" + entry(expires="01/04/2025"))
    with pytest.raises(InvalidFile) as excinfo:
        load_waivers(tmp_path, rule_ids=RULES, today=TODAY)
    problem = excinfo.value.problems[0]
    assert (problem.line, problem.path) == (5, "$.waivers[0].expires")


def test_impossible_date_is_located(tmp_path: Path) -> None:
    write(tmp_path, "waivers:\n" + entry(expires="2025-02-30"))
    with pytest.raises(InvalidFile) as excinfo:
        load_waivers(tmp_path, rule_ids=RULES, today=TODAY)
    assert {p.line for p in excinfo.value.problems} == {5}


def test_expiry_more_than_90_days_ahead_is_an_error(tmp_path: Path) -> None:
    latest = (TODAY + dt.timedelta(days=90)).isoformat()
    too_far = (TODAY + dt.timedelta(days=91)).isoformat()
    write(tmp_path, "waivers:\n" + entry(expires=latest))
    assert load_waivers(tmp_path, rule_ids=RULES, today=TODAY)[0].expires == latest
    write(tmp_path, "waivers:\n" + entry(expires=too_far))
    with pytest.raises(InvalidFile) as excinfo:
        load_waivers(tmp_path, rule_ids=RULES, today=TODAY)
    [problem] = excinfo.value.problems
    assert problem.line == 5
    assert "more than 90 days ahead" in problem.message
    assert latest in problem.hint
    assert "waivers.yaml:5:" in str(excinfo.value)


def test_the_limit_belongs_to_the_platform_not_to_the_judged_repo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    write(repo, "waivers:\n" + entry(expires="2025-09-01"))  # about 200 days after TODAY
    # the repo's own CI can set environment variables: they do not move the limit
    monkeypatch.setenv("PLATFORM_WAIVER_MAX_DAYS", "99999999999")
    assert max_days() == 90
    with pytest.raises(InvalidFile, match="more than 90 days ahead"):
        load_waivers(repo, rule_ids=RULES, today=TODAY)
    # a policy pack may make it stricter, never looser
    strict, loose = tmp_path / "strict", tmp_path / "loose"
    for pack, days in ((strict, 30), (loose, 400)):
        (pack / "readiness").mkdir(parents=True)
        (pack / "platform.yaml").write_text(f"waivers:\n  max_days: {days}\n")
    assert max_days([loose]) == 90
    assert max_days([strict, loose]) == 30
    monkeypatch.setenv("PLATFORM_POLICIES", str(strict))
    assert max_days() == 30
    (strict / "platform.yaml").write_text("waivers:\n  max_days: .nan\n")
    with pytest.raises(InvalidFile, match="not a finite number"):
        max_days()
    (strict / "platform.yaml").write_text("waivers:\n  max_days: 99999999999\n")
    with pytest.raises(InvalidFile, match="not a number of days"):
        max_days()


@pytest.mark.parametrize("field", ["reason", "approver", "rule"])
@pytest.mark.parametrize("blank", ['" "', '"\\t"', "''", "'   '"])
def test_blank_fields_are_not_a_waiver(tmp_path: Path, field: str, blank: str) -> None:
    text = "waivers:\n" + entry().replace(f"{field}: ", f"{field}: {blank} #", 1)
    write(tmp_path, text)
    with pytest.raises(InvalidFile) as excinfo:
        load_waivers(tmp_path, rule_ids=RULES, today=TODAY)
    assert any(p.path.endswith(field) for p in excinfo.value.problems)


def test_unknown_rule_id_is_a_located_error_with_a_suggestion(tmp_path: Path) -> None:
    write(tmp_path, "waivers:\n" + entry() + entry("model-pined"))
    with pytest.raises(InvalidFile) as excinfo:
        load_waivers(tmp_path, rule_ids=RULES, today=TODAY)
    [problem] = excinfo.value.problems
    assert problem.line == 6
    assert "no readiness rule has the id 'model-pined'" in problem.message
    assert "did you mean 'model-pinned'" in problem.hint


def test_two_waivers_for_one_rule_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "waivers:\n" + entry() + entry())
    with pytest.raises(InvalidFile, match="first is on line 2"):
        load_waivers(tmp_path, rule_ids=RULES, today=TODAY)


def test_yaml_syntax_error_is_located(tmp_path: Path) -> None:
    write(tmp_path, "waivers:\n  - rule: [model-pinned\n")
    with pytest.raises(InvalidFile) as excinfo:
        load_waivers(tmp_path, rule_ids=RULES, today=TODAY)
    assert excinfo.value.problems[0].line is not None


def make_finding(rule_id: str, status: str) -> Finding:
    rule = Rule(rule_id, rule_id, "bronze", "error", "f", {}, "ok", "bad", "fix", "why")
    return Finding(rule, status, ("msg",))  # type: ignore[arg-type]


def waiver(rule_id: str, expires: str) -> Waiver:
    return Waiver(rule_id, "reason", "jane.doe@example.com", expires, Location("waivers.yaml", 2))


def test_waived_failure_carries_its_waiver() -> None:
    w = waiver("model-pinned", "2025-03-01")  # the expiry day itself still counts
    findings, notes = apply_waivers([make_finding("model-pinned", "fail")], [w], today=TODAY)
    assert findings[0].status == "waived"
    assert findings[0].waiver == w
    assert not findings[0].failed
    assert notes == []


def test_unknown_finding_can_be_waived() -> None:
    findings, _ = apply_waivers(
        [make_finding("model-pinned", "unknown")], [waiver("model-pinned", "2025-03-10")], today=TODAY
    )
    assert findings[0].status == "waived"


def test_expired_waiver_does_not_waive_and_fails_the_report() -> None:
    w = waiver("model-pinned", "2025-02-28")
    findings, notes = apply_waivers([make_finding("model-pinned", "fail")], [w], today=TODAY)
    assert findings[0].status == "fail"
    assert findings[0].waiver is None
    assert [n.kind for n in notes] == ["expired"]
    assert notes[0].message == (
        "waiver for model-pinned expired on 2025-02-28: renew it or fix the rule "
        f"(it still fails; approved by {w.approver})"
    )
    report = Report("r", "f", "experimental", "bronze", findings, notes, reached="bronze")
    assert not report.passed
    # one failure: the rule failing IS what its expired waiver no longer covers (counted once everywhere)
    assert report.counts() == {"passed": 0, "failed": 1, "waived": 0}
    junit = ET.fromstring(render_junit(report).split("\n", 1)[1])
    assert (junit.get("tests"), junit.get("failures")) == ("1", "1")
    (failure,) = junit.iter("failure")
    assert "waiver for model-pinned expired on 2025-02-28" in (failure.text or "")
    assert summary_line(report).startswith("0 passed, 1 failed")


def test_waiver_for_a_passing_rule_is_unused_and_informational() -> None:
    w = waiver("budget-declared", "2025-03-20")
    findings, notes = apply_waivers([make_finding("budget-declared", "pass")], [w], today=TODAY)
    assert findings[0].status == "pass"
    assert [(n.kind, n.waiver) for n in notes] == [("unused", w)]
    report = Report("r", "f", "experimental", "bronze", findings, notes, reached="gold")
    assert report.passed


def test_expired_waiver_for_a_rule_that_now_passes_still_says_expired() -> None:
    findings, notes = apply_waivers(
        [make_finding("soak-window", "pass")], [waiver("soak-window", "2025-01-01")], today=TODAY
    )
    assert [n.kind for n in notes] == ["expired"]
    assert notes[0].message == (
        "waiver for soak-window expired on 2025-01-01: remove it from waivers.yaml (the rule passes now)"
    )
    assert findings[0].status == "pass"
    report = Report("r", "f", "experimental", "bronze", findings, notes, reached=None)
    assert not report.passed
    assert report.counts() == {"passed": 1, "failed": 1, "waived": 0}  # never "0 failed" on a failed check
    junit = ET.fromstring(render_junit(report).split("\n", 1)[1])
    assert (junit.get("tests"), junit.get("failures")) == ("2", "1")  # the rule passes; the waiver fails
