"""The org-wide scorecard: aggregate many repos' readiness results, render as a text table, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from platform_cli.errors import UserError
from platform_cli.readiness.model import LEVELS, Level, Report
from platform_cli.readiness.output.common import one_line

SCHEMA_VERSION = 1
SCORECARD_FORMATS: tuple[str, ...] = ("text", "json", "csv")
CSV_FIELDS: tuple[str, ...] = (
    "path",
    "feature",
    "lifecycle",
    "required_level",
    "reached",
    "passed",
    "failing_rules",
    "expired_waivers",
    "template",
    "template_version",
    "template_latest",
    "error",
)

__all__ = [
    "CSV_FIELDS",
    "SCORECARD_FORMATS",
    "RepoScore",
    "ScanResult",
    "Scorecard",
    "build_scorecard",
    "render_scorecard",
    "scorecard_to_dict",
]


@dataclass(frozen=True)
class ScanResult:
    """One repo found by `readiness scan`: its report, or why it could not be checked."""

    path: str
    report: Report | None = None
    error: str | None = None


@dataclass(frozen=True)
class RepoScore:
    """One scorecard row. `error` set means the repo could not be checked and the other fields are empty."""

    path: str
    feature: str | None = None
    lifecycle: str | None = None
    required: Level | None = None
    reached: Level | None = None
    passed: bool = False
    failing: tuple[str, ...] = ()
    expired_waivers: tuple[str, ...] = ()
    template: dict[str, Any] | None = None  # source, version, latest, behind_by
    error: str | None = None

    @property
    def checked(self) -> bool:
        return self.error is None


@dataclass
class Scorecard:
    repos: list[RepoScore]
    rule_failures: dict[str, int] = field(default_factory=dict)  # rule id -> repos failing it, worst first
    levels: dict[str, int] = field(default_factory=dict)  # none/bronze/silver/gold over checked repos

    def totals(self) -> dict[str, int]:
        checked = [r for r in self.repos if r.checked]
        passed = sum(1 for r in checked if r.passed)
        return {
            "repos": len(self.repos),
            "checked": len(checked),
            "unchecked": len(self.repos) - len(checked),
            "passed": passed,
            "failed": len(checked) - passed,
        }


def _score(result: ScanResult) -> RepoScore:
    report = result.report
    if report is None or result.error is not None:
        return RepoScore(path=result.path, error=result.error or "no report")
    failing = tuple(dict.fromkeys(f.rule.id for f in report.findings if f.failed))
    expired = tuple(n.waiver.rule_id for n in report.waiver_notes if n.kind == "expired")
    return RepoScore(
        path=result.path,
        feature=report.feature,
        lifecycle=report.lifecycle,
        required=report.required_level,
        reached=report.reached,
        passed=report.passed,
        failing=failing,
        expired_waivers=expired,
        template=report.template,
    )


def build_scorecard(results: Sequence[ScanResult]) -> Scorecard:
    """Per repo its level and failing rules, per rule how many repos fail it, and the level distribution."""
    repos = sorted((_score(r) for r in results), key=lambda r: r.path)
    counts: dict[str, int] = {}
    for result in results:
        if result.report is not None and result.error is None:
            for finding in result.report.findings:
                counts.setdefault(finding.rule.id, 0)
    for repo in repos:
        for rule_id in repo.failing:
            counts[rule_id] = counts.get(rule_id, 0) + 1
    rule_failures = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    levels = {name: 0 for name in ("none", *LEVELS)}
    for repo in repos:
        if repo.checked:
            levels[repo.reached or "none"] += 1
    return Scorecard(repos=repos, rule_failures=rule_failures, levels=levels)


def scorecard_to_dict(card: Scorecard) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "totals": card.totals(),
        "levels": dict(card.levels),
        "rules": [{"id": rule_id, "repos_failing": n} for rule_id, n in card.rule_failures.items()],
        "templates": template_versions(card),
        "repos": [
            {
                "path": r.path,
                "feature": r.feature,
                "lifecycle": r.lifecycle,
                "required_level": r.required,
                "reached": r.reached,
                "passed": r.passed,
                "failing_rules": list(r.failing),
                "expired_waivers": list(r.expired_waivers),
                "template": r.template,
                "error": r.error,
            }
            for r in card.repos
        ],
    }


def template_versions(card: Scorecard) -> list[dict[str, Any]]:
    """Repos per template source and version, oldest first within a source: who still has to update."""
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for repo in card.repos:
        if repo.template is None:
            continue
        source, version = str(repo.template.get("source")), str(repo.template.get("version"))
        entry = groups.setdefault(
            (source, version),
            {"source": source, "version": version, "latest": repo.template.get("latest"), "repos": 0,
             "behind_by": repo.template.get("behind_by")},
        )  # fmt: skip
        entry["repos"] += 1
    return [groups[key] for key in sorted(groups)]


def _template_cell(repo: RepoScore) -> str:
    if repo.template is None:
        return "-"
    version = str(repo.template.get("version") or "?")
    behind = repo.template.get("behind_by")
    if behind:
        return f"{version} ({behind} behind {repo.template.get('latest')})"
    return version if behind == 0 else f"{version} (latest unknown)"


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return [
        "  ".join([*(cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True)), row[-1]]).rstrip()
        for row in rows
    ]


def _render_text(card: Scorecard) -> str:
    rows = [["REPO", "FEATURE", "LIFECYCLE", "REQUIRED", "REACHED", "READY", "TEMPLATE", "FAILING"]]
    for r in card.repos:
        if not r.checked:
            rows.append([r.path, "-", "-", "-", "-", "error", "-", one_line(r.error or "")])
            continue
        failing = ", ".join([*r.failing, *(f"expired waiver {w}" for w in r.expired_waivers)])
        rows.append(
            [r.path, r.feature or "", r.lifecycle or "", r.required or "", r.reached or "none",
             "yes" if r.passed else "no", _template_cell(r), failing or "-"]
        )  # fmt: skip
    out = _table(rows)
    totals = card.totals()
    failing_rules = [(rule_id, n) for rule_id, n in card.rule_failures.items() if n]
    if failing_rules:
        out += ["", f"Rules failing (repos out of {totals['checked']} checked):"]
        out += ["  " + line for line in _table([[rule_id, str(n)] for rule_id, n in failing_rules])]
    versions = template_versions(card)
    if versions:
        out += ["", "Template versions:"]
        out += [
            "  " + line
            for line in _table(
                [[v["source"], v["version"], f"{v['repos']} repo(s)",
                  f"latest {v['latest']}" if v["behind_by"] else "latest"] for v in versions]
            )
        ]  # fmt: skip
    out += ["", "Levels: " + " · ".join(f"{name} {n}" for name, n in card.levels.items())]
    out.append(
        f"{totals['repos']} repos: {totals['passed']} ready, {totals['failed']} not ready, "
        f"{totals['unchecked']} could not be checked"
    )
    return "\n".join(out) + "\n"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: str) -> str:
    """Keep spreadsheets from running a cell as a formula (feature names come from other teams' repos)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _render_csv(card: Scorecard) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(CSV_FIELDS), lineterminator="\n")
    writer.writeheader()
    for r in card.repos:
        row = {
            "path": r.path,
            "feature": r.feature or "",
            "lifecycle": r.lifecycle or "",
            "required_level": r.required or "",
            "reached": (r.reached or "none") if r.checked else "",
            "passed": "true" if r.passed else "false",
            "failing_rules": ";".join(r.failing),
            "expired_waivers": ";".join(r.expired_waivers),
            "template": str((r.template or {}).get("source") or ""),
            "template_version": str((r.template or {}).get("version") or ""),
            "template_latest": str((r.template or {}).get("latest") or ""),
            "error": one_line(r.error or ""),
        }
        writer.writerow({key: _csv_cell(value) for key, value in row.items()})
    return buffer.getvalue()


def render_scorecard(card: Scorecard, fmt: str) -> str:
    """`text` (aligned table), `json` or `csv` (one row per repo, rules joined with `;`)."""
    if fmt == "text":
        return _render_text(card)
    if fmt == "json":
        return json.dumps(scorecard_to_dict(card), indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return _render_csv(card)
    raise UserError(f"unknown scorecard format {fmt!r}: use one of {', '.join(SCORECARD_FORMATS)}")
