"""The eval harness's plain data: a case, the answer it got, each scorer's verdict, the case's result."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Case:
    """One dataset row: `input` holds the prompt variables, `expected` what scorers compare against."""

    id: str
    input: dict[str, Any]
    expected: Any = None
    segment: str | None = None
    tags: tuple[str, ...] = ()
    file: str = ""
    line: int = 0

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.file else self.id


@dataclass(frozen=True)
class Answer:
    """What the model said and what the runtime reported about it (cost None = unpriced, never $0)."""

    text: str
    refusal: bool = False
    finish_reason: str = "stop"
    latency_ms: float | None = None
    cost_usd: float | None = None
    provider: str | None = None
    model: str | None = None
    prompt_version: int | None = None
    prompt_hash: str | None = None
    cache_hit: bool = False
    input_tokens: int = 0
    output_tokens: int = 0
    attempts: int = 1  # HTTP requests it took (retries included); 0 on a cache hit


class CallError(Exception):
    """A call (the case's, or a judge's) that produced no answer. `rate_limited`: the runner puts the case
    back and slows down instead of recording it."""

    def __init__(
        self,
        message: str,
        *,
        rate_limited: bool = False,
        retry_after_s: float | None = None,
        not_sent: bool = False,
    ) -> None:
        super().__init__(message)
        self.rate_limited = rate_limited
        self.retry_after_s = retry_after_s
        self.not_sent = not_sent  # held back by an open circuit breaker: no request was made


@dataclass(frozen=True)
class Score:
    """One scorer's verdict on one answer: a value in [0, 1], pass/fail and why.

    `skipped` scores (e.g. a cost threshold on an unpriced model with `unpriced: skip`) count neither
    toward the case's weighted score nor against its pass.
    """

    value: float
    passed: bool
    reason: str
    scorer: str = ""
    weight: float = 1.0
    skipped: bool = False

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "scorer": self.scorer,
            "score": round(self.value, 6),
            "pass": self.passed,
            "reason": self.reason,
        }
        if self.weight != 1.0:
            data["weight"] = self.weight
        if self.skipped:
            data["skipped"] = True
        return data


@dataclass(frozen=True)
class CaseResult:
    """A scored case (one repeat): the weighted score, whether every scorer passed, and each verdict."""

    case_id: str
    repeat: int
    segment: str | None
    score: float
    passed: bool
    scores: tuple[Score, ...]
    output: str | None
    latency_ms: float | None = None
    cost_usd: float | None = None
    cache_hit: bool = False
    error: str | None = None
    tags: tuple[str, ...] = field(default=())

    @property
    def output_hash(self) -> str | None:
        return None if self.output is None else hashlib.sha256(self.output.encode()).hexdigest()[:32]

    def reasons(self) -> str:
        """The failing scorers' reasons (or the error), for worst-case listings."""
        if self.error:
            return self.error
        failing = [f"{s.scorer}: {s.reason}" for s in self.scores if not s.passed and not s.skipped]
        return "; ".join(failing) or "passed"

    def as_dict(self) -> dict[str, Any]:
        return {
            "case": self.case_id,
            "repeat": self.repeat,
            "segment": self.segment,
            "score": round(self.score, 6),
            "pass": self.passed,
            "scores": [s.as_dict() for s in self.scores],
            "output": self.output,
            "latency_ms": self.latency_ms,
            "cost_usd": self.cost_usd,
            "cache_hit": self.cache_hit,
            "error": self.error,
        }

    def scores_json(self) -> str:
        return json.dumps([s.as_dict() for s in self.scores], separators=(",", ":"))


def combine(scores: tuple[Score, ...]) -> tuple[float, bool]:
    """A case's weighted mean score and pass (every scorer that was not skipped passed)."""
    counted = [s for s in scores if not s.skipped]
    total = sum(s.weight for s in counted)
    value = sum(s.value * s.weight for s in counted) / total if total > 0 else 1.0
    return value, all(s.passed for s in counted)
