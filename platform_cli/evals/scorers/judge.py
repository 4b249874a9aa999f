"""`judge`: an LLM grader. A versioned grading prompt from the registry is rendered with the case and the
answer and sent through the runtime (cached, costed, tagged as eval traffic) to any provider
the manifest declares; its reply must be JSON: {"score": 0..1, "pass": true|false, "reason": "..."}.

    - type: judge
      prompt: grade-summary      # prompts/grade-summary.yaml; variables: input, output, expected
      version: 3                 # or label: production (default)
      provider: fallback         # optional: grade with another vendor than the one answering
      threshold: 0.7             # used when the reply has no "pass"
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from platform_cli.evals.model import Answer, Case
from platform_cli.evals.scorers.base import (
    JudgeCall,
    Raw,
    Scorer,
    ScorerConfig,
    ScorerConfigError,
    ScorerContext,
    is_missing,
)
from platform_cli.evals.scorers.structured import parse_json


def _reply(text: str) -> tuple[float, bool | None, str] | str:
    """(score, pass or None, reason) from the grader's reply, or why it cannot be read."""
    value, problem = parse_json(text)
    if problem is not None:
        start, end = text.find("{"), text.rfind("}")
        if 0 <= start < end:
            value, problem = parse_json(text[start : end + 1])
    if problem is not None or not isinstance(value, Mapping):
        return f"the grader's reply is not a JSON object with a score: {text[:80]!r}"
    raw_score = value.get("score")
    passed = value.get("pass")
    if isinstance(raw_score, bool) or not isinstance(raw_score, (int, float)):
        if isinstance(passed, bool):
            raw_score = 1.0 if passed else 0.0
        else:
            return f"the grader's reply has no numeric score: {text[:80]!r}"
    score = float(raw_score)
    if score > 1.0:  # a 1-10 or 1-100 scale, as graders often answer
        score = score / (10.0 if score <= 10 else 100.0)
    reason = value.get("reason", "")
    return score, passed if isinstance(passed, bool) else None, str(reason)[:500]


def judge(config: ScorerConfig, ctx: ScorerContext) -> Scorer:
    prompt = config.option("prompt")
    if not isinstance(prompt, str) or not prompt:
        raise ScorerConfigError("judge needs prompt: the registry name of the grading prompt", "prompt")
    version = config.option("version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool) or version < 1):
        raise ScorerConfigError("version must be a published version number", "version")
    label = config.option("label")
    if version is not None and label is not None:
        raise ScorerConfigError("give the grading prompt a version or a label, not both", "label")
    provider = config.option("provider")
    if provider is not None and ctx.providers and provider not in ctx.providers:
        raise ScorerConfigError(
            f"provider {provider!r} is not declared in ai-feature.yaml ({', '.join(ctx.providers)})",
            "provider",
        )
    if ctx.judge is None:
        raise ScorerConfigError("the judge scorer needs the runtime (it cannot run here)")
    call_judge = ctx.judge

    def score(answer: Answer, case: Case) -> Raw:
        expected = config.expected(case)
        variables: dict[str, Any] = {
            **case.input,
            "input": json.dumps(case.input, ensure_ascii=False),
            "output": answer.text,
            "expected": "" if is_missing(expected) else _text(expected),
        }
        reply = call_judge(JudgeCall(prompt, variables, version=version, label=label, provider=provider))
        parsed = _reply(reply.text)
        if isinstance(parsed, str):
            return Raw(0.0, parsed, passed=False)
        value, passed, reason = parsed
        return Raw(value, reason or f"graded {value:.2f}", passed=passed)

    return score


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
