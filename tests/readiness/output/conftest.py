"""Hand-built readiness Reports for the output-format tests (built from the model, not by the engine)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from platform_cli.readiness.model import Finding, Level, Location, Report, Rule, Severity, Waiver, WaiverNote


def make_rule(rule_id: str, level: Level = "bronze", severity: Severity = "error", **kw: Any) -> Rule:
    return Rule(
        id=rule_id,
        title=kw.pop("title", f"Title of {rule_id}"),
        level=level,
        severity=severity,
        fact=kw.pop("fact", "manifest"),
        condition=kw.pop("condition", {"type": "object"}),
        pass_message=kw.pop("pass_message", "ok"),
        fail_message=kw.pop("fail_message", "not ok"),
        remediation=kw.pop("remediation", f"Fix {rule_id} in ai-feature.yaml."),
        rationale=kw.pop("rationale", f"Without {rule_id} an outage goes unnoticed."),
        **kw,
    )


WAIVER = Waiver(
    rule_id="soak-window",
    reason="launch review scheduled",
    approver="cto@example.com",
    expires="2031-01-31",
    location=Location("waivers.yaml", 2),
)
EXPIRED = Waiver(
    "oncall-covers-providers", "old", "lead@example.com", "2020-01-01", Location("waivers.yaml", 8)
)
UNUSED = Waiver(
    "budget-declared", "not needed", "lead@example.com", "2031-01-01", Location("waivers.yaml", 14)
)


def mixed_report() -> Report:
    """Every status, a multi-item finding, a location-less finding, awkward characters, both waiver notes."""
    findings = [
        Finding(
            make_rule("owner-declared", tags=("ownership",), docs="https://docs.example.com/readiness/owner"),
            "pass",
            ("owner team-support-ai, eval owner @jane",),
            (Location("ai-feature.yaml", 4),),
        ),
        Finding(
            make_rule("model-pinned"),
            "fail",
            (
                "provider primary uses floating alias gpt-4o | pin a snapshot",
                "provider fallback: 100% floating\nsecond line <b>bold</b>",
            ),
            (Location("ai-feature.yaml", 12, 14), Location("config/a,b: c.yaml", None)),
        ),
        Finding(make_rule("prompts-registered"), "unknown", ("cannot check: src/ is not readable",), ()),
        Finding(
            make_rule("budget-declared", severity="warning"),
            "fail",
            ("alert_at is missing",),
            (Location("ai-feature.yaml", 30),),
        ),
        Finding(
            make_rule("soak-window", "silver"),
            "waived",
            ("soak is 14 days; at least 28 needed",),
            (Location("ai-feature.yaml", 40),),
            waiver=WAIVER,
        ),
        Finding(make_rule("oncall-covers-providers", "silver"), "fail", ("no on-call rotation set",), ()),
        Finding(make_rule("catalog-registered", "gold"), "pass", ("registered",), ()),
    ]
    return Report(
        repo="services/support-summarizer",
        feature="support-summarizer",
        lifecycle="production",
        required_level="silver",
        findings=findings,
        waiver_notes=[
            WaiverNote(EXPIRED, "expired", "waiver for oncall-covers-providers expired on 2020-01-01"),
            WaiverNote(UNUSED, "unused", "waiver for budget-declared matches no failing rule"),
        ],
        reached=None,
    )


def clean_report() -> Report:
    rules = [
        make_rule("owner-declared"),
        make_rule("fallback-provider", "silver"),
        make_rule("rollback-ready", "gold"),
    ]
    findings = [
        Finding(rule, "pass", (f"{rule.id} holds",), (Location("ai-feature.yaml", line),))
        for line, rule in enumerate(rules, start=3)
    ]
    return Report("/srv/repos/clean", "clean", "experimental", "bronze", findings, [], "gold")


RuleFactory = Callable[..., Rule]


@pytest.fixture
def rule_factory() -> RuleFactory:
    """`make_rule` as a fixture: test modules must not import conftest (other conftest.py share the name)."""
    return make_rule


@pytest.fixture
def report() -> Report:
    return mixed_report()


@pytest.fixture
def clean() -> Report:
    return clean_report()
