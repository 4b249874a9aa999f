"""`--format junit`: one testcase per rule, readable by GitLab (`artifacts:reports:junit`) and JUnit tools."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from platform_cli.readiness.model import Finding, Report
from platform_cli.readiness.output.common import (
    entries,
    location_text,
    one_line,
    summary_line,
    verdict,
    waiver_text,
)

# Characters XML 1.0 cannot carry at all, even escaped; ElementTree would write them and break parsers.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _x(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _body(finding: Finding) -> str:
    lines = []
    for entry in entries(finding):
        where = location_text(entry.location)
        lines.append(f"{entry.message} ({where})" if where else entry.message)
    rule = finding.rule
    lines += ["", "Remediation:", rule.remediation.strip(), "", f"Why: {rule.rationale.strip()}"]
    if rule.docs:
        lines.append(f"Docs: {rule.docs}")
    return _x("\n".join(lines))


def _testcase(parent: ET.Element, finding: Finding, expired: str | None = None) -> None:
    rule = finding.rule
    case = ET.SubElement(parent, "testcase", classname=f"readiness.{rule.level}", name=_x(rule.id), time="0")
    if finding.locations:
        case.set("file", _x(finding.locations[0].file))
    first = finding.messages[0] if finding.messages else rule.title
    if finding.status in ("fail", "unknown"):
        if finding.status == "unknown" and not first.startswith("cannot check"):
            first = f"cannot check: {first}"
        failure = ET.SubElement(case, "failure", message=_x(one_line(first)), type=rule.severity)
        failure.text = _body(finding) + (_x(f"\n\n{expired}") if expired else "")
    elif finding.status == "waived":
        skipped = ET.SubElement(case, "skipped", message=_x(one_line(f"waived: {waiver_text(finding)}")))
        skipped.text = _body(finding)
    else:
        out = ET.SubElement(case, "system-out")
        out.text = _x("\n".join(finding.messages))


def render_junit(report: Report) -> str:
    """`<testsuites>` with one `<testsuite>` for the repo. An expired waiver is a failing testcase of its own
    when its rule passes; when the rule fails, the rule's failure says the waiver expired (one failure)."""
    suites = ET.Element("testsuites", name="platform-readiness")
    suite = ET.SubElement(suites, "testsuite", name=_x(f"readiness {report.feature}"), time="0")
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("repo", report.repo),
        ("feature", report.feature),
        ("lifecycle", report.lifecycle),
        ("required_level", report.required_level),
        ("reached", report.reached or "none"),
    ):
        ET.SubElement(props, "property", name=name, value=_x(value))

    for finding in report.findings:
        note = report.expired_on_failing(finding.rule.id) if finding.failed else None
        _testcase(suite, finding, note.message if note else None)
    tests = len(report.findings)
    failures = sum(1 for f in report.findings if f.failed)
    skipped = sum(1 for f in report.findings if f.status == "waived")

    notes_out = [f"{verdict(report)}; {summary_line(report)}"]
    alone = report.expired_alone()
    for note in report.waiver_notes:
        where = location_text(note.waiver.location)
        if note in alone:
            case = ET.SubElement(
                suite,
                "testcase",
                classname="readiness.waivers",
                name=_x(f"waiver-expired:{note.waiver.rule_id}"),
            )
            case.set("time", "0")
            if note.waiver.location is not None:
                case.set("file", _x(note.waiver.location.file))
            failure = ET.SubElement(case, "failure", message=_x(one_line(note.message)), type="error")
            failure.text = _x(f"{note.message} ({where})" if where else note.message)
            tests += 1
            failures += 1
        elif note.kind == "unused":
            notes_out.append(
                f"unused waiver {note.waiver.rule_id}: {note.message}" + (f" ({where})" if where else "")
            )
    out = ET.SubElement(suite, "system-out")
    out.text = _x("\n".join(notes_out))

    for element in (suites, suite):
        element.set("tests", str(tests))
        element.set("failures", str(failures))
        element.set("errors", "0")
        element.set("skipped", str(skipped))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
