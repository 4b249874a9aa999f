"""JSON output: the documented, versioned structure (validated against its own published schema)."""

from __future__ import annotations

import json

from jsonschema import Draft202012Validator

from platform_cli.readiness.model import Report
from platform_cli.readiness.output import render
from platform_cli.readiness.output.json_report import REPORT_JSON_SCHEMA


def test_matches_the_documented_schema(report: Report, clean: Report) -> None:
    Draft202012Validator.check_schema(REPORT_JSON_SCHEMA)
    validator = Draft202012Validator(REPORT_JSON_SCHEMA)
    for r in (report, clean):
        doc = json.loads(render(r, "json"))
        assert [e.message for e in validator.iter_errors(doc)] == []
    doc["findings"][0]["surprise"] = 1
    assert list(validator.iter_errors(doc))  # the schema is closed: an undocumented field is caught


def test_content(report: Report) -> None:
    doc = json.loads(render(report, "json"))
    assert doc["schema_version"] == 1
    assert (doc["repo"], doc["feature"], doc["lifecycle"]) == (
        "services/support-summarizer",
        "support-summarizer",
        "production",
    )
    assert (doc["required_level"], doc["reached"], doc["passed"], doc["next_level"]) == (
        "silver",
        None,
        False,
        "bronze",
    )
    assert doc["counts"] == {
        "passed": 2,
        "failed": 4,
        "waived": 1,
    }  # 4 failed rules (one with an expired waiver)
    pinned = next(f for f in doc["findings"] if f["rule_id"] == "model-pinned")
    assert pinned["status"] == "fail" and pinned["failed"] is True
    assert pinned["locations"] == [
        {"file": "ai-feature.yaml", "line": 12, "column": 14},
        {"file": "config/a,b: c.yaml", "line": None, "column": None},
    ]
    assert pinned["remediation"] == "Fix model-pinned in ai-feature.yaml."
    waived = next(f for f in doc["findings"] if f["status"] == "waived")
    assert waived["waiver"]["approver"] == "cto@example.com"
    assert waived["waiver"]["location"] == {"file": "waivers.yaml", "line": 2, "column": None}
    assert [(n["kind"], n["rule_id"]) for n in doc["waiver_notes"]] == [
        ("expired", "oncall-covers-providers"),
        ("unused", "budget-declared"),
    ]
    owner = doc["findings"][0]
    assert owner["tags"] == ["ownership"] and owner["docs"] == "https://docs.example.com/readiness/owner"
