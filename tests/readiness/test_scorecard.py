"""The org-wide scorecard: aggregation over hand-built reports, text table, JSON, CSV round trip."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from platform_cli.errors import UserError
from platform_cli.readiness.model import Finding, Level, Location, Report, Rule, Status, Waiver, WaiverNote
from platform_cli.readiness.scorecard import CSV_FIELDS, ScanResult, build_scorecard, render_scorecard

RULES = {
    "owner-declared": "bronze",
    "model-pinned": "bronze",
    "soak-window": "silver",
    "fallback-provider": "silver",
}


def _rule(rule_id: str) -> Rule:
    level: Level = "bronze" if RULES[rule_id] == "bronze" else "silver"
    return Rule(rule_id, rule_id, level, "error", "manifest", {}, "ok", "no", "fix it", "why")


def _report(
    feature: str,
    reached: Level | None,
    failing: set[str],
    *,
    production: bool = False,
    notes: Sequence[WaiverNote] = (),
) -> Report:
    findings = []
    for rule_id in RULES:
        status: Status = "fail" if rule_id in failing else "pass"
        findings.append(
            Finding(_rule(rule_id), status, (f"{rule_id} {status}",), (Location("ai-feature.yaml", 1),))
        )
    required: Level = "silver" if production else "bronze"
    lifecycle = "production" if production else "experimental"
    return Report(f"repos/{feature}", feature, lifecycle, required, findings, list(notes), reached)


def results() -> list[ScanResult]:
    expired = WaiverNote(Waiver("soak-window", "r", "a@example.com", "2020-01-01"), "expired", "expired")
    return [
        ScanResult("repos/gamma", _report("gamma", "silver", set())),
        ScanResult("repos/alpha", _report("alpha", None, {"model-pinned", "soak-window"}, production=True)),
        ScanResult("repos/beta", _report("beta", "bronze", {"soak-window"})),
        ScanResult("repos/delta", _report("delta", "silver", set(), production=True, notes=[expired])),
        ScanResult(
            "repos/broken", None, "repos/broken/ai-feature.yaml:3:1: $.spec: expected a mapping\n(fix it)"
        ),
    ]


def test_aggregation() -> None:
    card = build_scorecard(results())
    assert [r.path for r in card.repos] == [
        "repos/alpha",
        "repos/beta",
        "repos/broken",
        "repos/delta",
        "repos/gamma",
    ]
    alpha, beta, broken, delta, gamma = card.repos
    assert (alpha.required, alpha.reached, alpha.passed, alpha.failing) == (
        "silver",
        None,
        False,
        ("model-pinned", "soak-window"),
    )
    assert (beta.reached, beta.passed, beta.failing) == ("bronze", True, ("soak-window",))  # bronze required
    assert not broken.checked and broken.error and "expected a mapping" in broken.error
    assert (delta.passed, delta.expired_waivers) == (False, ("soak-window",))  # expired waiver fails the repo
    assert gamma.passed and gamma.failing == ()
    assert card.rule_failures == {
        "soak-window": 2,
        "model-pinned": 1,
        "fallback-provider": 0,
        "owner-declared": 0,
    }
    assert card.levels == {"none": 1, "bronze": 1, "silver": 2, "gold": 0}  # the broken repo is not "none"
    assert card.totals() == {"repos": 5, "checked": 4, "unchecked": 1, "passed": 2, "failed": 2}


def test_text_table_is_aligned() -> None:
    text = render_scorecard(build_scorecard(results()), "text")
    lines = text.splitlines()
    header = lines[0]
    assert header.split() == [
        "REPO",
        "FEATURE",
        "LIFECYCLE",
        "REQUIRED",
        "REACHED",
        "READY",
        "TEMPLATE",
        "FAILING",
    ]
    table = lines[1:6]
    for column in ("FEATURE", "READY", "FAILING"):
        start = header.index(column)
        for line in table:
            assert line[start - 2 : start] == "  " and line[start] != " ", (column, line)
    assert "repos/alpha" in table[0] and "model-pinned, soak-window" in table[0]
    assert (
        "error  -         repos/broken/ai-feature.yaml:3:1: $.spec: expected a mapping (fix it)" in table[2]
    )
    assert "expired waiver soak-window" in table[3]
    assert "  soak-window   2" in text
    assert "fallback-provider" not in text  # rules nobody fails are left out of the text summary
    assert lines[-2] == "Levels: none 1 · bronze 1 · silver 2 · gold 0"
    assert lines[-1] == "5 repos: 2 ready, 2 not ready, 1 could not be checked"


def test_json() -> None:
    doc = json.loads(render_scorecard(build_scorecard(results()), "json"))
    assert doc["schema_version"] == 1
    assert doc["totals"]["unchecked"] == 1
    assert doc["rules"][0] == {"id": "soak-window", "repos_failing": 2}
    alpha = doc["repos"][0]
    assert alpha["failing_rules"] == ["model-pinned", "soak-window"] and alpha["reached"] is None
    assert doc["repos"][2]["error"].startswith("repos/broken/ai-feature.yaml:3:1")


def test_csv_round_trip() -> None:
    card = build_scorecard(results())
    rows = list(csv.DictReader(io.StringIO(render_scorecard(card, "csv"))))
    assert tuple(rows[0]) == CSV_FIELDS
    assert len(rows) == len(card.repos)
    for row, repo in zip(rows, card.repos, strict=True):
        assert row["path"] == repo.path
        assert row["passed"] == ("true" if repo.passed else "false")
        assert (row["failing_rules"].split(";") if row["failing_rules"] else []) == list(repo.failing)
        if repo.checked:
            assert row["reached"] == (repo.reached or "none")
            assert row["feature"] == repo.feature and row["error"] == ""
        else:
            assert row["reached"] == "" and "expected a mapping (fix it)" in row["error"]


def test_csv_cells_cannot_become_spreadsheet_formulas() -> None:
    report = _report("x", "bronze", set())
    report.feature = '=HYPERLINK("http://evil.example","x")'
    rows = list(
        csv.DictReader(io.StringIO(render_scorecard(build_scorecard([ScanResult("r", report)]), "csv")))
    )
    assert rows[0]["feature"] == "'" + report.feature


def test_empty_scan_and_unknown_format() -> None:
    card = build_scorecard([])
    assert card.totals()["repos"] == 0
    assert (
        render_scorecard(card, "text").splitlines()[-1]
        == "0 repos: 0 ready, 0 not ready, 0 could not be checked"
    )
    assert render_scorecard(card, "csv") == ",".join(CSV_FIELDS) + "\n"
    with pytest.raises(UserError, match="unknown scorecard format 'xml'"):
        render_scorecard(card, "xml")


def test_scan_shows_template_versions_across_repos(tmp_path: Path) -> None:
    """Real repos: two on the shipped template's latest release, one a release behind (a copy's history)."""
    import shutil

    from platform_cli.cli.main import run
    from platform_cli.readiness.scan import scan
    from platform_cli.resources import templates_dir
    from platform_cli.scaffold import new_feature
    from platform_cli.scaffold.releases import releases

    data = {"name": "Support Summarizer", "eval_owner": "jane.doe@example.com"}
    for name in ("a", "b"):
        new_feature(tmp_path / "org" / name, dict(data))
    copy = tmp_path / "tpl" / "ai-feature"
    shutil.copytree(templates_dir() / "ai-feature", copy, ignore=shutil.ignore_patterns("changes"))
    args = ["--data", "name=Old One", "--data", "eval_owner=jane.doe@example.com"]
    assert run(["scaffold", "from", str(copy), str(tmp_path / "org" / "old"), "--defaults", "-q", *args]) == 0
    old = releases(copy)[-1].ref
    (copy / "template" / "README.md.jinja").write_text("# {{ name }}\n")
    assert run(["templates", "release", str(copy), "--minor", "-m", "README rewritten"]) == 0
    new = releases(copy)[-1].ref
    latest = releases(templates_dir() / "ai-feature")[-1].ref

    card = build_scorecard(scan([tmp_path / "org"], workers=1))

    text = render_scorecard(card, "text")
    assert f"{old} (1 behind {new})" in text
    assert "Template versions:" in text
    doc = json.loads(render_scorecard(card, "json"))
    assert {"source": "platform-cli:templates/ai-feature", "version": latest, "latest": latest, "repos": 2,
            "behind_by": 0} in doc["templates"]  # fmt: skip
    assert {"source": str(copy), "version": old, "latest": new, "repos": 1, "behind_by": 1} in doc[
        "templates"
    ]
    rows = list(csv.DictReader(io.StringIO(render_scorecard(card, "csv"))))
    assert {(r["template_version"], r["template_latest"]) for r in rows} == {(latest, latest), (old, new)}
