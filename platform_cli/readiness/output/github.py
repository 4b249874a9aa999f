"""`--format github`: GitHub Actions workflow commands (`::error file=…,line=…::`) annotating the diff."""

from __future__ import annotations

from platform_cli.readiness.model import LEVELS, Finding, Location, Report
from platform_cli.readiness.output.common import entries, summary_line, verdict, waiver_text


def escape_data(text: str) -> str:
    """The message part, as GitHub's toolkit escapes it: `%`, CR and LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A `key=value` property: data escaping plus `:` and `,`, which would end the property."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, *, location: Location | None, title: str) -> str:
    props = []
    if location is not None:
        props.append(f"file={escape_property(location.file)}")
        if location.line is not None:
            props.append(f"line={location.line}")
            if location.column is not None:
                props.append(f"col={location.column}")
    props.append(f"title={escape_property(title)}")
    return f"::{kind} {','.join(props)}::{escape_data(message)}"


def _kind(finding: Finding, report: Report) -> str | None:
    """error only for what blocks the required level; failures above it are the next level's to-do list."""
    if finding.status == "waived":
        return "notice"
    if not finding.failed:
        return None
    blocking = finding.rule.severity == "error" and LEVELS.index(finding.rule.level) <= LEVELS.index(
        report.required_level
    )
    return "error" if blocking else "warning"


def render_github(report: Report) -> str:
    """One annotation per failing or waived message (passes are silent), then a summary line."""
    lines = []
    for finding in report.findings:
        kind = _kind(finding, report)
        if kind is None:
            continue
        for entry in entries(finding):
            if finding.status == "waived":
                text = f"{entry.message}\nWaived: {waiver_text(finding)}"
            else:
                text = f"{entry.message}\nRemediation: {finding.rule.remediation.strip()}"
            lines.append(command(kind, text, location=entry.location, title=finding.rule.id))
    for note in report.waiver_notes:
        kind = "error" if note.kind == "expired" else "notice"
        title = f"waiver-{note.kind}: {note.waiver.rule_id}"
        lines.append(command(kind, note.message, location=note.waiver.location, title=title))
    lines.append(f"platform readiness {verdict(report)} ({summary_line(report)})")
    return "\n".join(lines) + "\n"
