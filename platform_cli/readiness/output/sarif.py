"""`--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

Every result carries at least one location because GitHub code scanning rejects the whole upload when
one result has none ("locationFromSarifResult: expected at least one location"): a finding without a
known location is anchored at the manifest (no region) and says so in `properties.anchored`.
GitHub also shows `kind: "pass"` results as alerts; `include_passed=False` leaves them out for uploads.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from platform_cli import __version__
from platform_cli.readiness.model import Finding, Location, Report, Rule, WaiverNote
from platform_cli.readiness.output.common import entries, next_level, waiver_text

SARIF_SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
TOOL_NAME = "platform-readiness"
ANCHOR_FILE = "ai-feature.yaml"
SRCROOT = "%SRCROOT%"

_WAIVER_HELP = "Renew the waiver (new expiry, approver) or fix the rule and delete the waiver."
# Synthetic rules for waiver problems, which are not rules from a pack.
_WAIVER_RULES = {
    "expired": ("waiver-expired", "Waiver expired", "error"),
    "unused": ("waiver-unused", "Waiver matches no failing rule", "note"),
}


@lru_cache(maxsize=1)
def _information_uri() -> str | None:
    """The project's home page from the installed package metadata, when it declares one."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        meta = metadata("platform-cli")
    except PackageNotFoundError:
        return None
    for entry in meta.get_all("Project-URL") or []:
        _, _, url = str(entry).partition(",")
        if url.strip().startswith(("https://", "http://")):
            return url.strip()
    for home in meta.get_all("Home-page") or []:
        if str(home).startswith(("https://", "http://")):
            return str(home)
    return None


def _camel(rule_id: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in rule_id.replace("_", "-").split("-") if part)


def artifact_uri(file: str) -> str:
    """A repo-relative path as a relative URI reference (posix separators, percent-encoded)."""
    return quote(str(PurePosixPath(file.replace("\\", "/"))), safe="/")


def _location(loc: Location | None) -> dict[str, Any]:
    if loc is None:
        return {"physicalLocation": {"artifactLocation": {"uri": ANCHOR_FILE, "uriBaseId": SRCROOT}}}
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(loc.file), "uriBaseId": SRCROOT}}
    if loc.line is not None:
        region: dict[str, Any] = {"startLine": loc.line}
        if loc.column is not None:
            region["startColumn"] = loc.column
        physical["region"] = region
    return {"physicalLocation": physical}


def _rule_descriptor(rule: Rule) -> dict[str, Any]:
    markdown = f"**Remediation:** {rule.remediation.strip()}\n\n**Why:** {rule.rationale.strip()}"
    if rule.docs:
        markdown += f"\n\n[Documentation]({rule.docs})"
    descriptor: dict[str, Any] = {
        "id": rule.id,
        "name": _camel(rule.id),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.rationale.strip() or rule.title},
        "help": {"text": f"Remediation: {rule.remediation.strip()}", "markdown": markdown},
        "defaultConfiguration": {"level": rule.severity},
        "properties": {"level": rule.level, "tags": ["readiness", rule.level, *rule.tags]},
    }
    if rule.docs:
        descriptor["helpUri"] = rule.docs
    return descriptor


def _finding_results(finding: Finding, index: int) -> list[dict[str, Any]]:
    results = []
    for entry in entries(finding):
        result: dict[str, Any] = {"ruleId": finding.rule.id, "ruleIndex": index}
        if finding.status == "pass":
            result["kind"] = "pass"
            result["level"] = "none"
        else:
            result["kind"] = "fail"
            result["level"] = finding.rule.severity
        result["message"] = {"text": entry.message}
        result["locations"] = [_location(entry.location)]
        props: dict[str, Any] = {"status": finding.status, "level": finding.rule.level}
        if entry.location is None:
            props["anchored"] = f"no location known; anchored at {ANCHOR_FILE}"
        result["properties"] = props
        if finding.status == "waived" and finding.waiver is not None:
            suppression: dict[str, Any] = {
                "kind": "external",
                "status": "accepted",
                "justification": waiver_text(finding),
            }
            if finding.waiver.location is not None:
                suppression["location"] = _location(finding.waiver.location)
            result["suppressions"] = [suppression]
        results.append(result)
    return results


def _note_result(note: WaiverNote, index: int) -> dict[str, Any]:
    rule_id, _, level = _WAIVER_RULES[note.kind]
    loc = note.waiver.location or Location("waivers.yaml")
    return {
        "ruleId": rule_id,
        "ruleIndex": index,
        "kind": "fail",
        "level": level,
        "message": {"text": f"{note.waiver.rule_id}: {note.message}"},
        "locations": [_location(loc)],
        "properties": {"waivedRule": note.waiver.rule_id, "expires": note.waiver.expires},
    }


def report_to_sarif(
    report: Report, *, include_passed: bool = True, information_uri: str | None = None
) -> dict[str, Any]:
    """The SARIF log as a dict: one run, one rule descriptor per rule in the report.

    `information_uri` defaults to the package's declared home page (omitted when it declares none).
    """
    rules: list[dict[str, Any]] = []
    index_of: dict[str, int] = {}
    results: list[dict[str, Any]] = []
    for finding in report.findings:
        if finding.rule.id not in index_of:
            index_of[finding.rule.id] = len(rules)
            rules.append(_rule_descriptor(finding.rule))
        if finding.status == "pass" and not include_passed:
            continue
        results.extend(_finding_results(finding, index_of[finding.rule.id]))
    for note in report.waiver_notes:
        rule_id, title, level = _WAIVER_RULES[note.kind]
        if rule_id not in index_of:
            index_of[rule_id] = len(rules)
            rules.append(
                {
                    "id": rule_id,
                    "name": _camel(rule_id),
                    "shortDescription": {"text": title},
                    "help": {"text": _WAIVER_HELP},
                    "defaultConfiguration": {"level": level},
                    "properties": {"tags": ["readiness", "waivers"]},
                }
            )
        results.append(_note_result(note, index_of[rule_id]))

    driver: dict[str, Any] = {"name": TOOL_NAME, "version": __version__, "rules": rules}
    info = information_uri or _information_uri()
    if info:
        driver["informationUri"] = info
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "invocations": [{"executionSuccessful": True}],
        "results": results,
        "properties": {
            "repo": report.repo,
            "feature": report.feature,
            "lifecycle": report.lifecycle,
            "requiredLevel": report.required_level,
            "reached": report.reached,
            "nextLevel": next_level(report),
            "passed": report.passed,
            "counts": report.counts(),
        },
    }
    if Path(report.repo).is_absolute():
        run["originalUriBaseIds"] = {SRCROOT: {"uri": Path(report.repo).as_uri().rstrip("/") + "/"}}
    return {"$schema": SARIF_SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render_sarif(report: Report, *, include_passed: bool = True, information_uri: str | None = None) -> str:
    log = report_to_sarif(report, include_passed=include_passed, information_uri=information_uri)
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
