"""Each built-in scorer on answers that pass and answers that fail, and the registry (aliases, negation,
plugins from the entry-point group, a broken plugin reported instead of crashing)."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import pytest

from platform_cli.evals.model import Answer, Case
from platform_cli.evals.scorers import Configured, JudgeCall, ScorerConfig, ScorerConfigError, ScorerContext
from platform_cli.evals.scorers.registry import BUILTIN, DEFAULT_THRESHOLDS, lookup, plugin_scorers

CTX = ScorerContext(Path("."), {"type": "object", "required": ["summary"]})


def _score(
    kind: str, text: str, expected: Any = None, ctx: ScorerContext = CTX, **options: Any
) -> tuple[float, bool]:
    shared = {k: options.pop(k) for k in ("value", "field", "threshold", "negate") if k in options}
    canonical, factory, negated = lookup(kind)
    negate = negated or shared.get("negate", False)
    config = ScorerConfig(kind, kind, threshold=shared.get("threshold"), negate=negate,
                          field=shared.get("field"), options=options,
                          **({"value": shared["value"]} if "value" in shared else {}))  # fmt: skip
    scorer = Configured(config, factory(config, ctx), DEFAULT_THRESHOLDS.get(canonical, 1.0))
    result = scorer(Answer(text, latency_ms=options.pop("_latency", 120.0)), Case("c1", {}, expected))
    return result.value, result.passed


@pytest.mark.parametrize(
    ("kind", "text", "expected", "options", "passes"),
    [
        ("exact", " Paris ", "Paris", {}, True),
        ("exact", "paris", "Paris", {}, False),
        ("exact", "paris", "Paris", {"case_sensitive": False}, True),
        ("contains", "The refund was sent.", "refund", {}, True),
        ("icontains", "The REFUND was sent.", "refund", {}, True),
        ("contains-any", "We sent an invoice.", ["refund", "invoice"], {}, True),
        ("contains-all", "We sent an invoice.", ["refund", "invoice"], {}, False),
        ("icontains-all", "Refund and INVOICE.", ["refund", "invoice"], {}, True),
        ("not-contains", "All good.", "error", {}, True),
        ("regex", "Order #12345 shipped", r"#\d{5}\b", {}, True),
        ("regex", "Order shipped", r"#\d{5}\b", {}, False),
        ("json-valid", '```json\n{"a": 1}\n```', None, {}, True),
        ("is-json", "{a: 1}", None, {}, False),
        ("json-schema", '{"summary": "ok"}', None, {}, True),
        ("json-schema", '{"other": 1}', None, {}, False),
        ("similarity", "The cat sat on the mat.", "The cat sat on a mat.", {}, True),
        ("similarity", "Completely different", "The cat sat on a mat.", {}, False),
        ("refusal", "Your refund is on its way.", None, {}, True),
        ("refusal", "I'm sorry, but I can't help with that request.", None, {}, False),
        ("refusal", "I cannot help with that.", None, {"expect": "refuse"}, True),
        ("max-length", "short", None, {"max_chars": 10}, True),
        ("max-length", "one two three four", None, {"max_words": 3}, False),
        ("max-sentences", "One. Two.", 2, {}, True),
        ("max-sentences", "One. Two. Three.", 2, {}, False),
        ("latency", "x", None, {"max_ms": 500}, True),
        ("latency", "x", None, {"max_ms": 100}, False),
    ],
)
def test_builtin_scorers(kind: str, text: str, expected: Any, options: dict[str, Any], passes: bool) -> None:
    value, passed = _score(kind, text, expected, **options)
    assert passed is passes
    assert 0.0 <= value <= 1.0


def test_contains_all_gives_partial_credit() -> None:
    assert _score("contains-all", "refund only", ["refund", "invoice"]) == (0.5, False)


def test_a_field_of_expected_is_compared_and_a_missing_one_fails_with_the_reason() -> None:
    assert _score("max-sentences", "One.", {"max_sentences": 2}, field="max_sentences")[1] is True
    config = ScorerConfig("exact", "exact", field="answer")
    _, factory, _ = lookup("exact")
    score = Configured(config, factory(config, CTX))(
        Answer("x"), Case("c9", {}, {"other": 1}, file="d.jsonl", line=9)
    )
    assert not score.passed and "case c9 (d.jsonl:9) has no `expected.answer`" in score.reason


def test_cost_threshold_reads_the_runtime_cost_and_treats_unpriced_as_unknown() -> None:
    _, factory, _ = lookup("cost")
    for unpriced, skipped in (("fail", False), ("skip", True)):
        config = ScorerConfig("cost", "cost", options={"max_usd": 0.01, "unpriced": unpriced})
        score = Configured(config, factory(config, CTX))(Answer("x", model="m-1"), Case("c", {}))
        assert (score.passed, score.skipped) == (False, skipped)
        assert "unpriced" in score.reason and "not $0" in score.reason
    config = ScorerConfig("cost", "cost", options={"max_usd": 0.01})
    scorer = Configured(config, factory(config, CTX))
    assert scorer(Answer("x", cost_usd=0.002), Case("c", {})).passed
    assert not scorer(Answer("x", cost_usd=0.02), Case("c", {})).passed


def test_judge_sends_the_case_to_the_grader_and_reads_its_json() -> None:
    calls: list[JudgeCall] = []

    def grader(call: JudgeCall) -> Answer:
        calls.append(call)
        return Answer('Sure: {"score": 8, "pass": false, "reason": "misses the refund date"}')

    ctx = ScorerContext(Path("."), None, judge=grader, providers=("primary", "fallback"))
    _, factory, _ = lookup("judge")
    config = ScorerConfig("judge", "judge", options={"prompt": "grade", "version": 2, "provider": "fallback"})
    score = Configured(config, factory(config, ctx), 0.5)(
        Answer("the answer"), Case("c", {"ticket": "t"}, "ref")
    )
    assert (round(score.value, 2), score.passed, score.reason) == (0.8, False, "misses the refund date")
    assert calls[0].variables["output"] == "the answer" and calls[0].variables["expected"] == "ref"
    assert (calls[0].prompt, calls[0].version, calls[0].provider) == ("grade", 2, "fallback")
    with pytest.raises(ScorerConfigError, match="not declared"):
        factory(ScorerConfig("judge", "judge", options={"prompt": "g", "provider": "nope"}), ctx)


def test_unknown_types_suggest_the_closest_and_plugins_are_loaded_or_reported() -> None:
    with pytest.raises(ScorerConfigError) as unknown:
        lookup("exakt")
    assert unknown.value.hint == "did you mean 'exact'?"
    good = EntryPoint("company-tone", "platform_cli.evals.scorers.text:exact", "platform_cli.eval_scorers")
    broken = EntryPoint("broken", "no_such_module:factory", "platform_cli.eval_scorers")
    table = {**BUILTIN, **plugin_scorers([good, broken])}
    assert lookup("company_tone", table)[0] == "company-tone"
    _, factory, _ = lookup("broken", table)
    with pytest.raises(ScorerConfigError, match="failed to load: ModuleNotFoundError"):
        factory(ScorerConfig("broken", "broken"), CTX)
