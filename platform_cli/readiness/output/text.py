"""Human-readable report: findings grouped by level, what blocks the next level, waivers, a summary line."""

from __future__ import annotations

from platform_cli.readiness.model import LEVELS, Finding, Report
from platform_cli.readiness.output.common import (
    MARKS,
    STATUS_COLORS,
    blockers,
    entries,
    level_name,
    levels_to_show,
    location_text,
    one_line,
    paint,
    summary_line,
    waiver_text,
)


def _finding_lines(finding: Finding, width: int, color: bool) -> list[str]:
    mark = paint(MARKS[finding.status], STATUS_COLORS[finding.status], enabled=color)
    rule_id = finding.rule.id.ljust(width)
    tag = " [warning]" if finding.failed and finding.rule.severity == "warning" else ""
    lines = []
    for i, entry in enumerate(entries(finding)):
        where = location_text(entry.location)
        suffix = f"  ({where})" if where else ""
        head = f"  {mark} {rule_id}" if i == 0 else " " * (4 + width)
        lines.append(f"{head}  {one_line(entry.message)}{suffix}{tag if i == 0 else ''}")
    if finding.status == "waived":
        lines.append(" " * (4 + width) + "  waived: " + one_line(waiver_text(finding)))
    return lines


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line else line for line in text.strip().splitlines())


def render_text(report: Report, *, color: bool = False) -> str:
    """The default `--format text`; ANSI colors only when `color` is true."""
    out = [
        f"Readiness of {report.feature} ({report.repo}) · lifecycle {report.lifecycle}"
        f" · required level {report.required_level}",
    ]
    width = max((len(f.rule.id) for f in report.findings), default=0)
    for level in LEVELS:
        out.append("")
        out.append(paint(level, "bold", enabled=color))
        found = [f for f in report.findings if f.rule.level == level]
        if not found:
            out.append("  (no rules at this level)")
        for finding in found:
            out.extend(_finding_lines(finding, width, color))

    for level in levels_to_show(report):
        if not any(f.rule.level == level for f in report.findings):
            out.append("")
            out.append(paint(f"Standing between this repo and {level}:", "bold", enabled=color))
            out.append(f"  no {level} rules are in force, and a level without rules cannot be reached")
            continue
        blocking = [f for f in blockers(report, level) if f.rule.level == level]
        if not blocking:
            continue
        out.append("")
        out.append(paint(f"Standing between this repo and {level}:", "bold", enabled=color))
        for finding in blocking:
            out.append(f"  {finding.rule.id}: {finding.rule.title}")
            out.append(_indent(finding.rule.remediation, "      "))
            if finding.rule.docs:
                out.append(f"      docs: {finding.rule.docs}")

    if report.waiver_notes:
        out.append("")
        out.append(paint("Waivers:", "bold", enabled=color))
        for note in report.waiver_notes:
            where = location_text(note.waiver.location)
            color_name = "red" if note.kind == "expired" else "yellow"
            label = paint(note.kind, color_name, enabled=color)
            suffix = f"  ({where})" if where else ""
            out.append(f"  {label} {note.waiver.rule_id}: {one_line(note.message)}{suffix}")

    out.append("")
    outcome = (
        paint("ready", "green", enabled=color) if report.passed else paint("NOT READY", "red", enabled=color)
    )
    out.append(f"Level reached: {level_name(report.reached)}, required: {report.required_level} ({outcome})")
    out.append(summary_line(report))
    return "\n".join(out) + "\n"
