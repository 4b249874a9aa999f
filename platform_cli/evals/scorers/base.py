"""The scorer contract: one `Protocol`, a config every scorer shares, and the context scorers may use.

A scorer is built once per run from its suite entry by a factory, `factory(config, ctx) -> Scorer`, and
then called for every answer. It returns a raw value in [0, 1] and a reason; `Configured` applies what
every scorer shares (threshold, weight, negation, report id). A factory raises `ScorerConfigError` for a
bad entry; the suite loader locates it at the entry's line.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from platform_cli.evals.model import Answer, CallError, Case, Score

_MISSING = object()


class ScorerConfigError(Exception):
    """A suite's scorer entry cannot be used as written. `key` is the offending option (for the location)."""

    def __init__(self, message: str, key: str | None = None, hint: str = "") -> None:
        super().__init__(message)
        self.key = key
        self.hint = hint


@dataclass(frozen=True)
class Raw:
    """What a scorer itself decides: a value in [0, 1], a reason, and optionally its own pass verdict."""

    value: float
    reason: str
    passed: bool | None = None  # None: value >= threshold decides
    skipped: bool = False


@runtime_checkable
class Scorer(Protocol):
    """Scores one answer to one case. Must not raise for a bad answer: return a failing Raw saying why.
    A call it makes that gets no answer (the judge's) raises `CallError`: the runner backs off and asks
    again when it was rate-limited, else records the case as an error."""

    def __call__(self, answer: Answer, case: Case) -> Raw: ...


@dataclass(frozen=True)
class JudgeCall:
    """What the judge scorer asks the runtime for: render `prompt` (a registry prompt) and answer it."""

    prompt: str
    variables: Mapping[str, Any]
    version: int | None = None
    label: str | None = None
    provider: str | None = None


@dataclass
class ScorerContext:
    """What factories may read: the repo, the evaluated prompt's output schema, a way to call a judge."""

    root: Path
    output_schema: Mapping[str, Any] | None = None
    judge: Callable[[JudgeCall], Answer] | None = None
    providers: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScorerConfig:
    """One entry of a suite's `scorers:` list, with the options every scorer shares split out."""

    type: str
    id: str
    weight: float = 1.0
    threshold: float | None = None
    negate: bool = False
    value: Any = _MISSING
    field: str | None = None
    options: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def has_value(self) -> bool:
        return self.value is not _MISSING

    def expected(self, case: Case) -> Any:
        """The value to compare against: `value:`, else expected[field], else the case's `expected`.

        Returns `_MISSING` (test with `is_missing`) when the case has nothing to compare against.
        """
        if self.has_value:
            return self.value
        if self.field is not None:
            if isinstance(case.expected, Mapping) and self.field in case.expected:
                return case.expected[self.field]
            return _MISSING
        return _MISSING if case.expected is None else case.expected

    def missing_reason(self, case: Case) -> str:
        where = f"expected.{self.field}" if self.field else "expected"
        return f"case {case.id} ({case.where}) has no `{where}` and the scorer has no `value`"

    def option(self, name: str, default: Any = None) -> Any:
        return self.options.get(name, default)


def is_missing(value: Any) -> bool:
    return value is _MISSING


Factory = Callable[[ScorerConfig, ScorerContext], Scorer]


class Configured:
    """A built scorer plus the shared settings: turns its Raw into the Score a report shows."""

    def __init__(self, config: ScorerConfig, scorer: Scorer, default_threshold: float = 1.0) -> None:
        self.config = config
        self.scorer = scorer
        self.threshold = config.threshold if config.threshold is not None else default_threshold

    @property
    def id(self) -> str:
        return self.config.id

    def __call__(self, answer: Answer, case: Case) -> Score:
        if self.config.option("optional") and is_missing(self.config.expected(case)):
            return Score(
                1.0, True, "not asked of this case", self.config.id, self.config.weight, skipped=True
            )
        try:
            raw = self.scorer(answer, case)
        except CallError:  # a judge's call failed: the runner backs off (429) or records the case's error
            raise
        except Exception as error:  # a scorer bug fails its case with the reason, not the whole run
            raw = Raw(0.0, f"scorer raised {type(error).__name__}: {error}", passed=False)
        value = min(1.0, max(0.0, float(raw.value)))
        passed = raw.passed if raw.passed is not None else value >= self.threshold
        reason = raw.reason
        if self.config.negate and not raw.skipped:
            value, passed = 1.0 - value, not passed
            reason = f"not({reason})"
        return Score(value, passed, reason, self.config.id, self.config.weight, raw.skipped)
