"""SARIF output validates against the official OASIS SARIF 2.1.0 schema and keeps GitHub's ingestion rules."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema.validators import validator_for

from platform_cli import __version__
from platform_cli.readiness.model import Report
from platform_cli.readiness.output import render
from platform_cli.readiness.output.sarif import artifact_uri, render_sarif

# parents[3] is the repo root; the schema lives beside the repo and is never copied into it.
SCHEMA_PATH = Path(__file__).resolve().parents[3] / ".." / "shared" / "schemas" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def validator() -> Any:
    if not SCHEMA_PATH.is_file():
        pytest.skip(f"official SARIF 2.1.0 schema not found at {SCHEMA_PATH} (it lives outside the project)")
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = validator_for(schema)  # the file declares draft-04; all its $refs are local (#/definitions/...)
    cls.check_schema(schema)
    return cls(schema)


def _errors(validator: Any, log: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(log)]


def sarif(report: Report, **kw: Any) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(render_sarif(report, **kw) if kw else render(report, "sarif"))
    return log


def test_mixed_report_validates_against_the_official_schema(
    validator: Any, report: Report, clean: Report
) -> None:
    log = sarif(report, information_uri="https://platform.example.com/readiness")
    assert _errors(validator, log) == []
    assert _errors(validator, sarif(clean)) == []
    assert _errors(validator, sarif(report, include_passed=False)) == []


def test_the_schema_check_can_fail(validator: Any, report: Report) -> None:
    log = sarif(report)
    broken = copy.deepcopy(log)
    broken["runs"][0]["results"][0]["level"] = "fatal"
    assert _errors(validator, broken)
    broken = copy.deepcopy(log)
    broken["runs"][0]["results"][0]["suppressions"] = [{"kind": "someday"}]
    assert _errors(validator, broken)


def test_driver_and_rule_descriptors(report: Report) -> None:
    driver = sarif(report, information_uri="https://platform.example.com/readiness")["runs"][0]["tool"][
        "driver"
    ]
    assert driver["name"] == "platform-readiness"
    assert driver["version"] == __version__
    assert driver["informationUri"] == "https://platform.example.com/readiness"
    rules = {r["id"]: r for r in driver["rules"]}
    owner = rules["owner-declared"]
    assert owner["name"] == "OwnerDeclared"
    assert owner["shortDescription"]["text"] == "Title of owner-declared"
    assert owner["fullDescription"]["text"] == "Without owner-declared an outage goes unnoticed."
    assert "Fix owner-declared in ai-feature.yaml." in owner["help"]["text"]
    assert "**Remediation:**" in owner["help"]["markdown"]
    assert owner["helpUri"] == "https://docs.example.com/readiness/owner"
    assert owner["properties"] == {"level": "bronze", "tags": ["readiness", "bronze", "ownership"]}
    assert rules["budget-declared"]["defaultConfiguration"]["level"] == "warning"
    assert rules["model-pinned"]["defaultConfiguration"]["level"] == "error"
    assert {"waiver-expired", "waiver-unused"} <= set(rules)


def test_results_levels_kinds_locations_and_suppressions(report: Report) -> None:
    run = sarif(report)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        by_rule.setdefault(result["ruleId"], []).append(result)

    (passed,) = by_rule["owner-declared"]
    assert (passed["kind"], passed["level"]) == ("pass", "none")
    assert passed["locations"][0]["physicalLocation"]["region"] == {"startLine": 4}

    first, second = by_rule["model-pinned"]  # one result per offending item, each at its own location
    assert (first["kind"], first["level"]) == ("fail", "error")
    physical = first["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "ai-feature.yaml", "uriBaseId": "%SRCROOT%"}
    assert physical["region"] == {"startLine": 12, "startColumn": 14}
    assert "100% floating\nsecond line" in second["message"]["text"]
    no_line = second["locations"][0]["physicalLocation"]
    assert no_line["artifactLocation"]["uri"] == "config/a%2Cb%3A%20c.yaml"
    assert "region" not in no_line  # no line known: no region rather than an invented one

    assert by_rule["budget-declared"][0]["level"] == "warning"
    (unknown,) = by_rule["prompts-registered"]
    assert (unknown["kind"], unknown["level"]) == ("fail", "error")
    assert unknown["message"]["text"].startswith("cannot check")
    assert unknown["properties"]["status"] == "unknown"

    (waived,) = by_rule["soak-window"]
    (suppression,) = waived["suppressions"]
    assert suppression["kind"] == "external"
    assert suppression["status"] == "accepted"
    assert "launch review scheduled" in suppression["justification"]
    assert "cto@example.com" in suppression["justification"]
    assert by_rule["waiver-expired"][0]["level"] == "error"
    assert by_rule["waiver-unused"][0]["level"] == "note"
    assert run["invocations"] == [{"executionSuccessful": True}]


def test_every_result_has_a_location_because_github_rejects_the_upload_otherwise(report: Report) -> None:
    for result in sarif(report)["runs"][0]["results"]:
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri and not uri.startswith("/")
    (located_nowhere,) = [
        r for r in sarif(report)["runs"][0]["results"] if r["ruleId"] == "oncall-covers-providers"
    ]
    assert located_nowhere["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "ai-feature.yaml", "uriBaseId": "%SRCROOT%"}
    }
    assert "anchored" in located_nowhere["properties"]


def test_passes_can_be_left_out_for_github_which_shows_them_as_alerts(report: Report) -> None:
    results = sarif(report, include_passed=False)["runs"][0]["results"]
    assert all(r["kind"] != "pass" for r in results)
    assert any(r["ruleId"] == "soak-window" for r in results)


def test_absolute_repo_becomes_the_srcroot_base(clean: Report) -> None:
    run = sarif(clean)["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == "file:///srv/repos/clean/"


def test_artifact_uri_is_a_relative_reference() -> None:
    assert artifact_uri("src/app.py") == "src/app.py"
    assert artifact_uri("src\\my app.py") == "src/my%20app.py"
    assert artifact_uri("docs/100%.md") == "docs/100%25.md"


def test_mixed_report_fixture_is_what_this_file_expects(report: Report) -> None:
    assert report.counts() == {"passed": 2, "failed": 4, "waived": 1}
