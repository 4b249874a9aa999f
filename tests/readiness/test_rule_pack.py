"""The default rule pack (policies/readiness/): every promised rule, each one's examples, its messages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from platform_cli.readiness.evaluate import evaluate, example_failures
from platform_cli.readiness.facts.base import Fact
from platform_cli.readiness.facts.builtin import BUILTIN
from platform_cli.readiness.rules import load_rule_files
from platform_cli.resources import policies_dir, schema_path

PACK = policies_dir() / "readiness"

# These ids are a public contract (waivers and CI reference them).
PROMISED_LEVELS = {
    "owner-declared": "bronze",
    "model-pinned": "bronze",
    "model-not-retiring": "silver",
    "fallback-provider": "silver",
    "oncall-covers-providers": "silver",
    "budget-declared": "bronze",
    "soak-window": "silver",
    "secrets-declared": "bronze",
    "no-committed-secrets": "bronze",
    "prompts-registered": "bronze",
}


def _raw_rules() -> list[tuple[Path, dict[str, Any]]]:
    found = []
    for path in sorted(PACK.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for rule in data.get("rules", [data]):
            found.append((path, rule))
    return found


RAW = _raw_rules()
RAW_BY_ID = {rule["id"]: rule for _, rule in RAW}


def test_every_promised_rule_ships_at_its_level() -> None:
    assert {rid: RAW_BY_ID[rid]["level"] for rid in PROMISED_LEVELS if rid in RAW_BY_ID} == PROMISED_LEVELS
    assert all(RAW_BY_ID[rid]["severity"] == "error" for rid in PROMISED_LEVELS)


def test_rule_files_match_the_rule_schema_and_each_file_is_named_for_its_rule() -> None:
    schema = json.loads(schema_path("rule").read_text(encoding="utf-8"))
    validator = Draft202012Validator(schema)
    for path in sorted(PACK.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert not list(validator.iter_errors(data)), path
    for path, rule in RAW:
        assert path.stem == rule["id"]


def test_every_rule_reads_a_builtin_fact() -> None:
    facts = {collector.name for collector in BUILTIN}
    assert {rule["fact"] for rule in RAW_BY_ID.values()} <= facts


@pytest.mark.parametrize("rule_id", sorted(RAW_BY_ID))
def test_examples_behave_under_plain_jsonschema(rule_id: str) -> None:
    rule = RAW_BY_ID[rule_id]
    Draft202012Validator.check_schema(rule["condition"])
    validator = Draft202012Validator(rule["condition"])
    assert rule["examples"]["pass"] and rule["examples"]["fail"]
    for example in rule["examples"]["pass"]:
        assert not list(validator.iter_errors(example)), example
    for example in rule["examples"]["fail"]:
        assert list(validator.iter_errors(example)), example


@pytest.mark.parametrize("rule_id", sorted(RAW_BY_ID))
def test_examples_and_messages_through_the_engine(rule_id: str) -> None:
    (rule,) = [r for r in load_rule_files([PACK / f"{rule_id}.yaml"])]
    assert example_failures(rule) == []
    for expected, examples in (("pass", rule.examples_pass), ("fail", rule.examples_fail)):
        for example in examples:
            finding = evaluate(rule, Fact(rule.fact, example)).finding
            assert finding.status == expected
            for message in finding.messages:
                assert message and "None" not in message and "{" not in message, message


def test_fail_messages_name_the_offending_item() -> None:
    rules = {r.id: r for r in load_rule_files(sorted(PACK.glob("*.yaml")))}
    cases = {
        "model-pinned": ("claude-3-5-sonnet-latest", "fallback"),
        "model-not-retiring": ("claude-sonnet-4-5-20250929", "2026-11-30"),
        "oncall-covers-providers": ("fallback",),
        "secrets-declared": ("OPENAI_API_KEY", "primary"),
        "no-committed-secrets": ("src/app/feature.py:12", ".env.production:3", "DB_PASSWORD"),
        "prompts-registered": ("src/app/feature.py:30",),
        "owner-declared": ("jane.doe@example.com, raj@example.com",),
        "soak-window": ("14 days", "cost_per_request"),
    }
    for rule_id, needles in cases.items():
        rule = rules[rule_id]
        said = " ".join(
            m
            for example in rule.examples_fail
            for m in evaluate(rule, Fact(rule.fact, example)).finding.messages
        )
        for needle in needles:
            assert needle in said, (rule_id, needle, said)


def test_rationale_and_remediation_say_something() -> None:
    for rule in RAW_BY_ID.values():
        assert len(rule["rationale"].split()) >= 15, rule["id"]
        assert len(rule["remediation"].split()) >= 15, rule["id"]
        assert (
            "ai-feature.yaml" in rule["remediation"]
            or "prompts/" in rule["remediation"]
            or "platform template update" in rule["remediation"]
            or rule["id"] == ("no-committed-secrets")
        )


def test_one_message_and_location_per_committed_secret() -> None:
    (rule,) = load_rule_files([PACK / "no-committed-secrets.yaml"])
    hits = [
        {
            "file": "a.py",
            "line": 3,
            "column": 1,
            "kind": "openai-api-key",
            "label": "OpenAI API key",
            "preview": "sk-…wxyz",
            "name": None,
        },
        {
            "file": "b/.env.prod",
            "line": 7,
            "column": 5,
            "kind": "aws-access-key-id",
            "label": "AWS access key id",
            "preview": "AKIA…WXYZ",
            "name": None,
        },
    ]
    finding = evaluate(rule, Fact("secret_scan", {"files_scanned": 2, "hits": hits, "count": 2})).finding
    assert finding.status == "fail"
    assert [(loc.file, loc.line) for loc in finding.locations] == [("a.py", 3), ("b/.env.prod", 7)]
    assert len(finding.messages) == 2


def test_unknown_fact_fails_with_its_reason() -> None:
    (rule,) = load_rule_files([PACK / "model-pinned.yaml"])
    finding = evaluate(rule, Fact.missing("providers", "ai-feature.yaml is invalid: x")).finding
    assert finding.status == "unknown" and finding.failed
