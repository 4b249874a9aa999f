"""The readiness result model: every output format (text, json, junit, sarif, markdown...) renders it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Level = Literal["bronze", "silver", "gold"]
LEVELS: tuple[Level, ...] = ("bronze", "silver", "gold")
Severity = Literal["error", "warning"]
# pass: condition held. fail: it did not. waived: failed but an unexpired waiver covers it.
# unknown: the fact could not be collected; counted as a failure with the collector's reason.
Status = Literal["pass", "fail", "waived", "unknown"]


@dataclass(frozen=True)
class Location:
    """Where a finding points: a repo-relative file, and a 1-based line when the fact knows it."""

    file: str
    line: int | None = None
    column: int | None = None


@dataclass(frozen=True)
class Rule:
    """One rule as loaded from `policies/readiness/*.yaml` (validated by rule.schema.json)."""

    id: str
    title: str
    level: Level
    severity: Severity
    fact: str
    condition: dict[str, Any]
    pass_message: str
    fail_message: str
    remediation: str
    rationale: str
    examples_pass: tuple[Any, ...] = ()
    examples_fail: tuple[Any, ...] = ()
    source: Location | None = None  # the rule file and the line of its `id:`
    tags: tuple[str, ...] = ()  # optional `tags:` (SARIF properties.tags)
    docs: str | None = None  # optional `docs:` URL (SARIF helpUri, links in text/markdown)


@dataclass(frozen=True)
class Finding:
    """One rule's verdict on one repo, with a message per offending item when there are several."""

    rule: Rule
    status: Status
    messages: tuple[str, ...]
    locations: tuple[Location, ...] = ()
    waiver: Waiver | None = None

    @property
    def failed(self) -> bool:
        return self.status in ("fail", "unknown")


@dataclass(frozen=True)
class Waiver:
    """One entry of a repo's waivers.yaml: a rule's failure accepted until `expires`, by `approver`."""

    rule_id: str
    reason: str
    approver: str
    expires: str  # ISO date
    location: Location | None = None


@dataclass(frozen=True)
class WaiverNote:
    """A waiver problem that is itself reported: `expired` fails the check, `unused` is informational."""

    waiver: Waiver
    kind: Literal["expired", "unused"]
    message: str


@dataclass
class Report:
    """The checked repo, what each rule said, and the level reached."""

    repo: str
    feature: str
    lifecycle: str
    required_level: Level
    findings: list[Finding] = field(default_factory=list)
    waiver_notes: list[WaiverNote] = field(default_factory=list)
    reached: Level | None = None  # highest level whose rules (and all below) pass; None: not even bronze
    # the template the repo came from (source, version, latest, behind_by), when the template fact was read
    template: dict[str, Any] | None = None

    @property
    def passed(self) -> bool:
        """True when the required level is reached and no waiver has expired."""
        reached_rank = -1 if self.reached is None else LEVELS.index(self.reached)
        expired = any(n.kind == "expired" for n in self.waiver_notes)
        return reached_rank >= LEVELS.index(self.required_level) and not expired

    def blocking(self, level: Level) -> list[Finding]:
        """Error-severity failures that stand between this repo and `level` (it and every level below).

        Warning-severity failures are reported but never block a level.
        """
        rank = LEVELS.index(level)
        return [
            f
            for f in self.findings
            if f.failed and f.rule.severity == "error" and LEVELS.index(f.rule.level) <= rank
        ]

    def expired_on_failing(self, rule_id: str) -> WaiverNote | None:
        """The expired waiver of a rule that fails: one failure with its finding, reported together."""
        if not any(f.failed and f.rule.id == rule_id for f in self.findings):
            return None
        return next(
            (n for n in self.waiver_notes if n.kind == "expired" and n.waiver.rule_id == rule_id), None
        )

    def expired_alone(self) -> list[WaiverNote]:
        """Expired waivers of rules that do not fail (now passing, or unknown here): failures of their own."""
        failing = {f.rule.id for f in self.findings if f.failed}
        return [n for n in self.waiver_notes if n.kind == "expired" and n.waiver.rule_id not in failing]

    def counts(self) -> dict[str, int]:
        """What the summary line of every format says. A failing rule whose waiver expired is one failure;
        an expired waiver of a rule that passes fails on its own (as in JUnit, a failing testcase each)."""
        passed = sum(1 for f in self.findings if f.status == "pass")
        failed = sum(1 for f in self.findings if f.failed) + len(self.expired_alone())
        waived = sum(1 for f in self.findings if f.status == "waived")
        return {"passed": passed, "failed": failed, "waived": waived}
