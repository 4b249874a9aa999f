"""`--format json`: a stable, versioned document; REPORT_JSON_SCHEMA below is its documentation and contract.

The schema is closed (additionalProperties: false) so tests catch drift: adding a field means adding it
there too; renaming or removing one bumps `schema_version`.

    {
      "schema_version": 1,
      "tool": {"name": "platform-readiness", "version": "0.1.0"},
      "repo": "services/support-summarizer", "feature": "support-summarizer", "lifecycle": "production",
      "required_level": "silver", "reached": "bronze" | null, "passed": false,
      "next_level": "silver" | null,
      "counts": {"passed": 7, "failed": 2, "waived": 1},   # failed includes each expired waiver
      "findings": [{
        "rule_id": "model-pinned", "title": "...", "level": "bronze", "severity": "error",
        "status": "pass" | "fail" | "waived" | "unknown", "failed": true,
        "messages": ["..."], "locations": [{"file": "ai-feature.yaml", "line": 12, "column": null}],
        "waiver": null | {"rule_id", "reason", "approver", "expires", "location"},
        "remediation": "...", "rationale": "...", "tags": [], "docs": null | "https://..."
      }],
      "waiver_notes": [{"kind": "expired" | "unused", "rule_id": "...", "message": "...",
                        "waiver": {...same as above...}}]
    }
"""

from __future__ import annotations

import json
from typing import Any

from platform_cli import __version__
from platform_cli.readiness.model import Finding, Location, Report, Waiver
from platform_cli.readiness.output.common import next_level

SCHEMA_VERSION = 1
TOOL_NAME = "platform-readiness"

_LEVEL = {"enum": ["bronze", "silver", "gold"]}


def _closed(properties: dict[str, Any]) -> dict[str, Any]:
    """An object schema where every listed property is required and nothing else is allowed."""
    return {
        "type": "object",
        "required": list(properties),
        "additionalProperties": False,
        "properties": properties,
    }


_LOCATION = _closed(
    {
        "file": {"type": "string"},
        "line": {"type": ["integer", "null"], "minimum": 1},
        "column": {"type": ["integer", "null"], "minimum": 1},
    }
)
_WAIVER = _closed(
    {
        "rule_id": {"type": "string"},
        "reason": {"type": "string"},
        "approver": {"type": "string"},
        "expires": {"type": "string"},
        "location": {"oneOf": [{"type": "null"}, _LOCATION]},
    }
)
_FINDING = _closed(
    {
        "rule_id": {"type": "string"},
        "title": {"type": "string"},
        "level": _LEVEL,
        "severity": {"enum": ["error", "warning"]},
        "status": {"enum": ["pass", "fail", "waived", "unknown"]},
        "failed": {"type": "boolean"},
        "messages": {"type": "array", "items": {"type": "string"}},
        "locations": {"type": "array", "items": _LOCATION},
        "waiver": {"oneOf": [{"type": "null"}, _WAIVER]},
        "remediation": {"type": "string"},
        "rationale": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "docs": {"type": ["string", "null"]},
    }
)
_WAIVER_NOTE = _closed(
    {
        "kind": {"enum": ["expired", "unused"]},
        "rule_id": {"type": "string"},
        "message": {"type": "string"},
        "waiver": _WAIVER,
    }
)
REPORT_JSON_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "platform readiness check report",
    **_closed(
        {
            "schema_version": {"const": SCHEMA_VERSION},
            "tool": _closed({"name": {"const": TOOL_NAME}, "version": {"type": "string"}}),
            "repo": {"type": "string"},
            "feature": {"type": "string"},
            "lifecycle": {"type": "string"},
            "required_level": _LEVEL,
            "reached": {"oneOf": [{"type": "null"}, _LEVEL]},
            "passed": {"type": "boolean"},
            "next_level": {"oneOf": [{"type": "null"}, _LEVEL]},
            "counts": _closed({k: {"type": "integer", "minimum": 0} for k in ("passed", "failed", "waived")}),
            "findings": {"type": "array", "items": _FINDING},
            "waiver_notes": {"type": "array", "items": _WAIVER_NOTE},
        }
    ),
}


def _location(loc: Location | None) -> dict[str, Any] | None:
    if loc is None:
        return None
    return {"file": loc.file, "line": loc.line, "column": loc.column}


def _waiver(w: Waiver | None) -> dict[str, Any] | None:
    if w is None:
        return None
    return {
        "rule_id": w.rule_id,
        "reason": w.reason,
        "approver": w.approver,
        "expires": w.expires,
        "location": _location(w.location),
    }


def _finding(f: Finding) -> dict[str, Any]:
    r = f.rule
    return {
        "rule_id": r.id,
        "title": r.title,
        "level": r.level,
        "severity": r.severity,
        "status": f.status,
        "failed": f.failed,
        "messages": list(f.messages),
        "locations": [_location(loc) for loc in f.locations],
        "waiver": _waiver(f.waiver),
        "remediation": r.remediation,
        "rationale": r.rationale,
        "tags": list(r.tags),
        "docs": r.docs,
    }


def report_to_dict(report: Report) -> dict[str, Any]:
    """The JSON document as a dict (documented by REPORT_JSON_SCHEMA)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "repo": report.repo,
        "feature": report.feature,
        "lifecycle": report.lifecycle,
        "required_level": report.required_level,
        "reached": report.reached,
        "passed": report.passed,
        "next_level": next_level(report),
        "counts": report.counts(),
        "findings": [_finding(f) for f in report.findings],
        "waiver_notes": [
            {"kind": n.kind, "rule_id": n.waiver.rule_id, "message": n.message, "waiver": _waiver(n.waiver)}
            for n in report.waiver_notes
        ],
    }


def render_json(report: Report) -> str:
    return json.dumps(report_to_dict(report), indent=2, ensure_ascii=False) + "\n"
