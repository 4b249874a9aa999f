"""Remembered verdicts: the second evaluation of a rule on the same fact value is replayed from the user
cache (no jsonschema, no Jinja), gives the same finding, and is located against the fact at hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from platform_cli.manifest import load_manifest
from platform_cli.readiness import evaluate as evaluate_module
from platform_cli.readiness import verdicts
from platform_cli.readiness.evaluate import evaluate, evaluate_rule
from platform_cli.readiness.facts.base import Fact
from platform_cli.readiness.facts.manifest import ManifestFact
from platform_cli.readiness.model import Location, Rule

OWNED = {"properties": {"suites": {"items": {"properties": {"owner": {"type": "string"}}}}}}


def rule(condition: dict[str, Any] = OWNED, *, failed: str = "{{ item.name }} has no single owner") -> Rule:
    return Rule(
        id="eval-owned",
        title="Suites have one owner",
        level="bronze",
        severity="error",
        fact="eval_suites",
        condition=condition,
        pass_message="{{ fact.suites | length }} suite(s) owned",
        fail_message=failed,
        remediation="",
        rationale="",
        examples_pass=(),
        examples_fail=(),
    )


def suites(*owners: Any) -> Fact:
    items = [
        {"name": f"s{i}", "owner": o, "file": f"evals/suites/s{i}.yaml", "line": 3}
        for i, o in enumerate(owners)
    ]
    return Fact("eval_suites", {"suites": items})


def no_evaluation(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, evaluating for real fails the test: only a replay can answer."""

    def refuse(*args: object) -> None:
        raise AssertionError("evaluated again instead of replaying the remembered verdict")

    monkeypatch.setattr(evaluate_module, "validator_for_rule", refuse)


def test_a_pass_and_a_fail_are_replayed_identically(monkeypatch: pytest.MonkeyPatch) -> None:
    passing, failing = suites("a@example.com"), suites("a@example.com", ["b", "c"], None)
    first_pass, first_fail = evaluate_rule(rule(), passing), evaluate_rule(rule(), failing)
    assert first_pass.status == "pass" and first_fail.status == "fail"
    no_evaluation(monkeypatch)
    assert evaluate_rule(rule(), passing) == first_pass
    assert evaluate_rule(rule(), failing) == first_fail
    assert first_fail.messages == ("s1 has no single owner", "s2 has no single owner")
    assert first_fail.locations == (Location("evals/suites/s1.yaml", 3), Location("evals/suites/s2.yaml", 3))


def test_another_value_or_another_rule_text_is_evaluated(monkeypatch: pytest.MonkeyPatch) -> None:
    evaluate_rule(rule(), suites("a@example.com"))
    calls: list[str] = []
    real = evaluate_module.validator_for_rule

    def counting(r: Rule) -> Any:
        calls.append(r.id)
        return real(r)

    monkeypatch.setattr(evaluate_module, "validator_for_rule", counting)
    assert evaluate_rule(rule(), suites("z@example.com")).status == "pass"
    assert evaluate_rule(rule(failed="{{ item.name }}: fix the owner"), suites(None)).messages == (
        "s0: fix the owner",
    )
    assert evaluate_rule(rule({"properties": {"suites": {"minItems": 2}}}), suites("a@example.com")).failed
    assert len(calls) == 3


def test_a_replayed_manifest_finding_points_at_the_current_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = "apiVersion: platform/v1\nkind: AIFeature\nmetadata:\n  name: demo\n  owner: team-a\n"
    body = (
        "  eval_owner: [a@example.com, b@example.com]\nspec:\n  lifecycle: experimental\n"
        "  providers:\n    - name: primary\n      kind: fake\n      model: fake-chat\n"
    )
    path = tmp_path / "ai-feature.yaml"
    condition = {"properties": {"metadata": {"properties": {"eval_owner": {"type": "string"}}}}}

    def finding() -> Any:
        manifest = load_manifest(path)
        fact = ManifestFact("manifest", manifest.data, file="ai-feature.yaml", manifest=manifest)
        return evaluate_rule(rule(condition, failed="{{ error.path }}"), fact)

    path.write_text(head + body)
    assert finding().locations == (Location("ai-feature.yaml", 6),)
    no_evaluation(monkeypatch)
    path.write_text("# a comment moves every line down\n\n" + head + body)  # same data, other lines
    assert finding().locations == (Location("ai-feature.yaml", 8),)


def test_unevaluable_conditions_and_broken_templates_are_never_remembered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broken_ref = rule({"$ref": "#/nowhere"})
    assert evaluate_rule(broken_ref, suites("a")).status == "unknown"
    broken_template = rule(failed="{{ item.name.missing.deeper }}")
    result = evaluate(broken_template, suites(None))
    assert result.template_errors
    assert verdicts.recall(broken_ref, suites("a").value) is None
    assert verdicts.recall(broken_template, suites(None).value) is None


@pytest.mark.parametrize(
    "entry",
    [
        "not json",
        "[]",
        '{"status": "pass"}',
        '{"status": "fail", "groups": []}',
        '{"status": "fail", "groups": [{"message": "m", "prefix": null, "error_path": [true]}]}',
    ],
)
def test_a_damaged_entry_is_ignored_and_the_rule_evaluated(entry: str) -> None:
    value = suites(None).value
    path = verdicts._key_path(rule(), value)
    assert path is not None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(entry)
    assert verdicts.recall(rule(), value) is None
    assert evaluate_rule(rule(), suites(None)).messages == ("s0 has no single owner",)


def test_values_that_are_not_plain_json_are_not_keyed() -> None:
    assert verdicts._key_path(rule(), {"suites": ({"name": "a"},)}) is None  # a tuple is no JSON array
    assert verdicts._key_path(rule(), {"x": float("nan")}) is None
    assert verdicts._key_path(rule(), {"suites": []}) is not None
