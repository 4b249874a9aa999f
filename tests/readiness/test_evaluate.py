"""Evaluation semantics: items, messages, locations, unknown facts, template errors, and levels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from platform_cli.manifest import load_manifest
from platform_cli.readiness.evaluate import (
    evaluate,
    evaluate_rule,
    example_failures,
    reached_level,
    required_level,
    validator_for_rule,
)
from platform_cli.readiness.facts.base import Fact
from platform_cli.readiness.facts.manifest import ManifestFact
from platform_cli.readiness.model import Finding, Level, Location, Rule, Severity, Waiver, WaiverNote

PINNED = {
    "type": "object",
    "properties": {
        "providers": {
            "type": "array",
            "minItems": 2,
            "items": {"properties": {"model": {"type": "string", "pattern": r"\d{4}-\d{2}-\d{2}$"}}},
        }
    },
}

EACH_PINNED = {
    "properties": {"providers": {"items": {"properties": {"model": {"pattern": r"\d{4}-\d{2}-\d{2}$"}}}}}
}


def make_rule(
    condition: dict[str, Any] | None = None,
    *,
    rule_id: str = "model-pinned",
    level: Level = "bronze",
    severity: Severity = "error",
    passed: str = "all {{ fact.providers | length }} pinned",
    failed: str = (
        "{% if item %}{{ item.name }} uses {{ item.model }}{% else %}{{ error.message }}{% endif %}"
    ),
    examples_pass: tuple[Any, ...] = (),
    examples_fail: tuple[Any, ...] = (),
) -> Rule:
    return Rule(
        id=rule_id,
        title="Models are pinned",
        level=level,
        severity=severity,
        fact="providers",
        condition=PINNED if condition is None else condition,
        pass_message=passed,
        fail_message=failed,
        remediation="Pin them.",
        rationale="Aliases drift.",
        examples_pass=examples_pass,
        examples_fail=examples_fail,
    )


def provider(name: str, model: str, line: int | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"name": name, "model": model}
    if line is not None:
        item.update(file="ai-feature.yaml", line=line)
    return item


def test_pass_renders_the_pass_message() -> None:
    fact = Fact("providers", {"providers": [provider("a", "m-2024-01-01"), provider("b", "n-2024-02-02")]})
    finding = evaluate_rule(make_rule(), fact)
    assert finding.status == "pass"
    assert finding.messages == ("all 2 pinned",)
    assert not finding.failed


def test_one_message_per_failing_item_in_order_with_item_locations() -> None:
    fact = Fact(
        "providers",
        {
            "providers": [
                provider("c", "floating", 30),
                provider("ok", "m-2024-01-01", 20),
                provider("a", "alias", 10),
            ]
        },
        file="ai-feature.yaml",
        line=5,
    )
    finding = evaluate_rule(make_rule(), fact)
    assert finding.status == "fail"
    assert finding.messages == ("c uses floating", "a uses alias")
    assert finding.locations == (Location("ai-feature.yaml", 30), Location("ai-feature.yaml", 10))


def test_items_are_ordered_by_index_not_by_error_order() -> None:
    condition = {
        "properties": {
            "providers": {
                "items": {"required": ["owner"], "properties": {"model": {"pattern": "^x"}}},
            }
        }
    }
    fact = Fact("providers", {"providers": [provider("first", "y", 1), provider("second", "x", 2)]})
    finding = evaluate_rule(make_rule(condition), fact)
    assert finding.messages == ("first uses y", "second uses x")


def test_several_errors_in_one_item_give_one_message_citing_the_first() -> None:
    condition = {
        "properties": {
            "providers": {"items": {"required": ["owner"], "properties": {"model": {"pattern": "^x"}}}}
        }
    }
    fact = Fact("providers", {"providers": [provider("only", "y")]})
    rule = make_rule(
        condition, failed="{{ item.name }}: {{ error.messages | length }} problems, first {{ error.path }}"
    )
    finding = evaluate_rule(rule, fact)
    assert len(finding.messages) == 1
    assert finding.messages[0].startswith("only: 2 problems, first $.providers[0]")


def test_item_without_location_falls_back_to_the_fact_location() -> None:
    fact = Fact("providers", {"providers": [provider("a", "alias")]}, file="ai-feature.yaml", line=12)
    finding = evaluate_rule(make_rule(EACH_PINNED), fact)
    assert finding.locations == (Location("ai-feature.yaml", 12),)


def test_error_without_array_index_gives_one_message_with_item_none_after_the_items() -> None:
    fact = Fact("providers", {"providers": [provider("a", "alias", 7)]}, file="ai-feature.yaml", line=3)
    finding = evaluate_rule(make_rule(), fact)
    # minItems fails at $.providers (no index), the pattern at $.providers[0].
    assert finding.messages == (
        "a uses alias",
        "[{'name': 'a', 'model': 'alias', 'file': 'ai-feature.yaml', 'line': 7}] is too short",
    )
    assert finding.locations == (Location("ai-feature.yaml", 7), Location("ai-feature.yaml", 3))


def test_error_path_is_a_jsonpath() -> None:
    rule = make_rule({"required": ["budget"]}, failed="{{ error.path }} {{ error.validator }}")
    assert evaluate_rule(rule, Fact("providers", {})).messages == ("$ required",)
    nested = make_rule({"properties": {"budget": {"type": "number"}}}, failed="{{ error.path }}")
    assert evaluate_rule(nested, Fact("providers", {"budget": "x"})).messages == ("$.budget",)


def test_unlocated_messages_follow_located_ones() -> None:
    fact = Fact("providers", {"providers": [provider("a", "alias", 7)]})  # the fact itself has no file
    finding = evaluate_rule(make_rule(), fact)
    assert finding.messages[0] == "a uses alias"
    assert finding.locations == (Location("ai-feature.yaml", 7),)
    assert len(finding.messages) == 2


def test_unknown_fact_is_a_failure_with_the_reason() -> None:
    fact = Fact.missing("providers", "ai-feature.yaml is invalid", file="ai-feature.yaml")
    finding = evaluate_rule(make_rule(), fact)
    assert finding.status == "unknown"
    assert finding.failed
    assert finding.messages == ("cannot check: ai-feature.yaml is invalid",)
    assert finding.locations == (Location("ai-feature.yaml"),)


def test_condition_that_cannot_be_evaluated_is_unknown_not_a_crash() -> None:
    rule = make_rule({"$ref": "#/$defs/missing"})
    result = evaluate(rule, Fact("providers", {}))
    assert result.finding.status == "unknown"
    assert "condition cannot be evaluated" in result.finding.messages[0]


def test_template_error_at_runtime_is_reported_in_the_message() -> None:
    rule = make_rule(failed="{{ item.name }} owned by {{ item.owner.email }}")
    result = evaluate(rule, Fact("providers", {"providers": [provider("a", "alias"), provider("b", "x")]}))
    assert result.finding.status == "fail"
    assert "message template error" in result.finding.messages[0]
    assert "UndefinedError" in result.template_errors[0]


def test_missing_values_can_be_tested_without_error() -> None:
    rule = make_rule(
        EACH_PINNED,
        failed="{% if item.owner %}owned{% else %}{{ item.name }} has no owner{% endif %}"
        "{{ item.missing | default('') }}{% if item.a.b.c %}deep{% endif %}",
    )
    result = evaluate(rule, Fact("providers", {"providers": [provider("a", "alias")]}))
    assert result.template_errors == ()
    assert result.finding.messages[0] == "a has no owner"


def test_templates_are_sandboxed() -> None:
    rule = make_rule(failed="{{ fact.__class__.__mro__[1].__subclasses__() }}")
    result = evaluate(rule, Fact("providers", {"providers": []}))
    assert result.template_errors
    assert (
        "subclasses" not in result.finding.messages[0].split("]")[0].lower()
        or "error" in result.finding.messages[0]
    )
    assert "<class" not in result.finding.messages[0]


def test_validators_are_compiled_once_per_rule() -> None:
    rule = make_rule()
    assert validator_for_rule(rule) is validator_for_rule(make_rule())
    assert validator_for_rule(rule) is not validator_for_rule(make_rule({"type": "object"}))


def test_manifest_fact_locates_errors_at_their_manifest_line(tmp_path: Path) -> None:
    path = tmp_path / "ai-feature.yaml"
    path.write_text(
        "apiVersion: platform/v1\nkind: AIFeature\nmetadata:\n  name: demo\n  owner: team-a\n"
        "  eval_owner: [a@example.com, b@example.com]\nspec:\n  lifecycle: experimental\n"
        "  providers:\n    - name: primary\n      kind: fake\n      model: fake-chat\n"
    )
    manifest = load_manifest(path)
    fact = ManifestFact("manifest", manifest.data, file="ai-feature.yaml", manifest=manifest)
    rule = make_rule(
        {
            "properties": {
                "metadata": {"properties": {"eval_owner": {"type": "string"}}},
                "spec": {
                    "properties": {"providers": {"items": {"properties": {"model": {"pattern": "-\\d+$"}}}}}
                },
            }
        },
        failed="{{ error.path }}",
    )
    finding = evaluate_rule(rule, fact)
    assert finding.messages == ("$.spec.providers[0].model", "$.metadata.eval_owner")
    assert finding.locations == (Location("ai-feature.yaml", 12), Location("ai-feature.yaml", 6))


def finding(level: Level, status: str, severity: Severity = "error", rule_id: str | None = None) -> Finding:
    rule = make_rule(rule_id=rule_id or f"{level}-{status}-{severity}", level=level, severity=severity)
    return Finding(rule, status, ("m",))  # type: ignore[arg-type]


def test_levels_reached() -> None:
    every = [finding("bronze", "pass"), finding("silver", "pass"), finding("gold", "pass")]
    assert reached_level(every) == "gold"
    assert reached_level([finding("bronze", "pass"), finding("silver", "fail")]) == "bronze"
    assert reached_level([finding("bronze", "fail"), finding("silver", "pass")]) is None
    assert reached_level([finding("bronze", "unknown")]) is None


def test_a_level_without_rules_is_never_reached() -> None:
    assert reached_level([]) is None
    assert reached_level([finding("bronze", "pass"), finding("silver", "pass")]) == "silver"
    assert reached_level([finding("bronze", "pass")]) == "bronze"
    assert reached_level([finding("bronze", "waived"), finding("gold", "fail")]) == "bronze"
    # An empty level in between does not block the one above it, which has rules and passes.
    assert reached_level([finding("bronze", "pass"), finding("gold", "pass")]) == "gold"
    assert reached_level([finding("silver", "pass")]) == "silver"


def test_warning_failure_does_not_block_a_level() -> None:
    assert reached_level([finding("bronze", "fail", "warning"), finding("silver", "pass")]) == "silver"


def test_expired_waiver_blocks_the_level_of_its_rule() -> None:
    findings = [finding("bronze", "pass"), finding("silver", "fail", rule_id="silver-rule")]
    expired = WaiverNote(Waiver("silver-rule", "r", "a", "2020-01-01"), "expired", "expired")
    unused = WaiverNote(Waiver("bronze-pass-error", "r", "a", "2099-01-01"), "unused", "unused")
    assert reached_level(findings, [expired, unused]) == "bronze"
    findings[1] = finding("silver", "pass", rule_id="silver-rule")
    assert reached_level(findings, [expired]) == "bronze"
    assert reached_level(findings, [unused]) == "silver"


def test_required_level_follows_lifecycle_unless_overridden() -> None:
    assert required_level("experimental") == "bronze"
    assert required_level("production") == "silver"
    assert required_level("deprecated") == "bronze"
    assert required_level("production", "gold") == "gold"
    assert required_level("experimental", "silver") == "silver"


def test_example_failures_names_the_example() -> None:
    good = make_rule(
        examples_pass=({"providers": [provider("a", "m-2024-01-01"), provider("b", "m-2024-01-02")]},),
        examples_fail=({"providers": [provider("a", "alias")]},),
    )
    assert example_failures(good) == []
    wrong = make_rule(examples_pass=({"providers": []},), examples_fail=({"providers": [1, 2]},))
    failures = example_failures(wrong)
    assert failures[0].startswith("examples.pass[0]: expected pass, got fail")
    assert failures[1].startswith("examples.fail[0]: expected fail, got pass")


def test_example_failures_reports_template_errors() -> None:
    rule = make_rule(
        failed="{{ item.owner.name }}",
        examples_pass=({"providers": [provider("a", "m-2024-01-01"), provider("b", "m-2024-01-02")]},),
        examples_fail=({"providers": [provider("a", "alias"), provider("b", "m-2024-01-02")]},),
    )
    [failure] = example_failures(rule)
    assert failure.startswith("examples.fail[0]: fail message: UndefinedError")


@pytest.mark.parametrize("value", [None, 3, "text", [1, 2]])
def test_non_object_fact_values_evaluate(value: Any) -> None:
    finding = evaluate_rule(make_rule({"type": "object"}, failed="got {{ fact }}"), Fact("providers", value))
    assert finding.status == "fail"
    assert finding.messages[0].startswith("got ")
