"""`--format markdown`: a PR comment: level badge, failing rules table, waivers, passed rules collapsed."""

from __future__ import annotations

import html
import re

from platform_cli.readiness.model import Finding, Level, Report
from platform_cli.readiness.output.common import (
    blockers,
    entries,
    level_name,
    levels_to_show,
    location_text,
    summary_line,
    waiver_text,
)

BADGES: dict[str, str] = {"none": "⚪", "bronze": "🥉", "silver": "🥈", "gold": "🥇"}
_MD_ESCAPE = re.compile(r"([\\`*_\[\]|~#])")
_MENTION = re.compile(r"(^|[^\w@])@(?=\w)")
_SLUG = re.compile(r"^[A-Za-z0-9._-]+$")


def cell(text: str) -> str:
    """Text safe inside a GFM table cell: no HTML, no markup, `|` escaped, no @-mentions, newlines as <br>."""
    text = html.escape(text, quote=False)
    text = _MD_ESCAPE.sub(r"\\\1", text)
    text = _MENTION.sub("\\1@\u200b", text)  # a zero-width space keeps a PR comment from pinging people
    return "<br>".join(line.strip() for line in text.strip().splitlines())


def code(text: str) -> str:
    return f"`{text}`" if _SLUG.match(text) else cell(text)


def badge(level: Level | None) -> str:
    name = level_name(level)
    return f"{BADGES[name]} {name}"


def _failing_table(failing: list[Finding]) -> list[str]:
    rows = ["| Rule | Level | Message | Location | Remediation |", "| --- | --- | --- | --- | --- |"]
    for finding in failing:
        rule = finding.rule
        level = rule.level if rule.severity == "error" else f"{rule.level} (warning)"
        for i, entry in enumerate(entries(finding)):
            where = location_text(entry.location)
            remediation = cell(rule.remediation) if i == 0 else "″"
            rows.append(
                f"| {code(rule.id)} | {level} | {cell(entry.message)} | {cell(where) if where else '—'} "
                f"| {remediation} |"
            )
    return rows


def render_markdown(report: Report) -> str:
    status = "✅" if report.passed else "❌"
    out = [
        f"## {status} Readiness: {badge(report.reached)} reached, {badge(report.required_level)} required",
        "",
        f"{code(report.feature)} · lifecycle {cell(report.lifecycle)} · **{summary_line(report)}**",
    ]

    for level in levels_to_show(report):
        ids = [code(f.rule.id) for f in blockers(report, level) if f.rule.level == level]
        if ids:
            out += ["", f"To reach **{level}**, fix: {', '.join(ids)}"]

    failing = [f for f in report.findings if f.failed]
    if failing:
        out += ["", "### Failing rules", "", *_failing_table(failing)]

    waived = [f for f in report.findings if f.status == "waived"]
    if waived or report.waiver_notes:
        out += ["", "### Waivers", ""]
        if waived:
            out += ["| Rule | Level | Waiver |", "| --- | --- | --- |"]
            out += [f"| {code(f.rule.id)} | {f.rule.level} | {cell(waiver_text(f))} |" for f in waived]
            out.append("")
        for note in report.waiver_notes:
            where = location_text(note.waiver.location)
            mark = "❌ expired" if note.kind == "expired" else "ℹ️ unused"
            suffix = f" ({cell(where)})" if where else ""
            out.append(f"- {mark} waiver for {code(note.waiver.rule_id)}: {cell(note.message)}{suffix}")

    passed = [f for f in report.findings if f.status == "pass"]
    if passed:
        out += [
            "",
            "<details><summary>Passed rules (" + str(len(passed)) + ")</summary>",
            "",
            "| Rule | Level | Message |",
            "| --- | --- | --- |",
        ]
        out += [f"| {code(f.rule.id)} | {f.rule.level} | {cell(' '.join(f.messages))} |" for f in passed]
        out += ["", "</details>"]
    return "\n".join(out) + "\n"
