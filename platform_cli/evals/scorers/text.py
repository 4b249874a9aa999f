"""Deterministic text scorers: exact, contains (any/all, case-insensitive), regex, similarity, refusal,
max-length and max-sentences."""

from __future__ import annotations

import re
from typing import Any

from platform_cli.evals.model import Answer, Case
from platform_cli.evals.scorers.base import (
    Raw,
    Scorer,
    ScorerConfig,
    ScorerConfigError,
    ScorerContext,
    is_missing,
)

MAX_PATTERN_CHARS = 2_000
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")
# Phrases models use when they decline; matched at the start of the answer or of a sentence.
REFUSAL_PATTERNS = re.compile(
    r"(?i)(^|[.!?]\s+)(i'?m sorry,? but |sorry,? )?(i|we) "
    r"(can(no|')t|cannot|won'?t|am unable to|'m unable to|am not able to|'m not able to) "
    r"(help|assist|comply|provide|do that|answer|share)"
)


def _short(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _strings(value: Any, config: ScorerConfig) -> list[str]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in items):
        raise ValueError(f"{config.id}: expected a string or a list of strings to look for, got {value!r}")
    return [str(v) for v in items]


def exact(config: ScorerConfig, ctx: ScorerContext) -> Scorer:
    """The answer equals the expected text (surrounding whitespace ignored; `case_sensitive: false`)."""
    sensitive = bool(config.option("case_sensitive", True))

    def score(answer: Answer, case: Case) -> Raw:
        want = config.expected(case)
        if is_missing(want):
            return Raw(0.0, config.missing_reason(case), passed=False)
        got, expected = answer.text.strip(), str(want).strip()
        same = got == expected if sensitive else got.casefold() == expected.casefold()
        return Raw(
            1.0 if same else 0.0, "equal" if same else f"expected {_short(expected)}, got {_short(got)}"
        )

    return score


def contains_factory(mode: str, insensitive: bool) -> Any:
    """contains / icontains (every listed string), contains-any / contains-all and their i- forms."""

    def factory(config: ScorerConfig, ctx: ScorerContext) -> Scorer:
        chosen = str(config.option("mode", mode))
        if chosen not in ("any", "all"):
            raise ScorerConfigError(f"mode must be any or all, not {chosen!r}", "mode")
        folded = bool(config.option("case_insensitive", insensitive))

        def score(answer: Answer, case: Case) -> Raw:
            want = config.expected(case)
            if is_missing(want):
                return Raw(0.0, config.missing_reason(case), passed=False)
            try:
                needles = _strings(want, config)
            except ValueError as error:
                return Raw(0.0, str(error), passed=False)
            text = answer.text.casefold() if folded else answer.text
            found = [n for n in needles if (n.casefold() if folded else n) in text]
            missing = [n for n in needles if n not in found]
            if chosen == "any":
                ok = bool(found)
                reason = f"found {_short(found[0])}" if ok else f"none of {needles!r} found"
                return Raw(1.0 if ok else 0.0, reason)
            value = len(found) / len(needles)
            reason = "found all" if not missing else f"missing {', '.join(_short(m) for m in missing)}"
            return Raw(value, reason, passed=not missing)

        return score

    return factory


def regex(config: ScorerConfig, ctx: ScorerContext) -> Scorer:
    """The answer matches a regular expression (`ignore_case: true`); searched, not anchored."""
    flags = re.IGNORECASE if config.option("ignore_case") else 0
    compiled: dict[str, re.Pattern[str]] = {}

    def pattern(text: str) -> re.Pattern[str]:
        if len(text) > MAX_PATTERN_CHARS:
            raise ValueError(f"pattern longer than {MAX_PATTERN_CHARS} characters")
        if text not in compiled:
            compiled[text] = re.compile(text, flags)
        return compiled[text]

    if config.has_value:
        try:
            pattern(str(config.value))
        except (re.error, ValueError) as error:
            raise ScorerConfigError(f"not a valid regular expression: {error}", "value") from None

    def score(answer: Answer, case: Case) -> Raw:
        want = config.expected(case)
        if is_missing(want):
            return Raw(0.0, config.missing_reason(case), passed=False)
        try:
            found = pattern(str(want)).search(answer.text)
        except (re.error, ValueError) as error:
            return Raw(0.0, f"bad pattern {_short(str(want))}: {error}", passed=False)
        if found:
            return Raw(1.0, f"matched {_short(found.group(0))}")
        return Raw(0.0, f"no match for /{want}/")

    return score


def similarity(config: ScorerConfig, ctx: ScorerContext) -> Scorer:
    """1 - normalized Levenshtein distance to the expected text (best of a list); default threshold 0.8."""
    from rapidfuzz.distance import Levenshtein

    folded = bool(config.option("case_insensitive", False))

    def score(answer: Answer, case: Case) -> Raw:
        want = config.expected(case)
        if is_missing(want):
            return Raw(0.0, config.missing_reason(case), passed=False)
        try:
            targets = _strings(want, config)
        except ValueError as error:
            return Raw(0.0, str(error), passed=False)
        got = answer.text.strip()
        if folded:
            got, targets = got.casefold(), [t.casefold() for t in targets]
        best = max(Levenshtein.normalized_similarity(got, t.strip()) for t in targets)
        return Raw(best, f"similarity {best:.2f}")

    return score


def is_refusal(answer: Answer) -> bool:
    """The provider flagged a refusal, or the answer opens (a sentence) with a refusal phrase."""
    return answer.refusal or bool(REFUSAL_PATTERNS.search(answer.text[:400]))


def refusal(config: ScorerConfig, ctx: ScorerContext) -> Scorer:
    """Passes when the answer is NOT a refusal; `expect: refuse` (or expected[field] true) when it must be."""
    expect = config.option("expect", "answer")
    if expect not in ("answer", "refuse"):
        raise ScorerConfigError(f"expect must be answer or refuse, not {expect!r}", "expect")

    def score(answer: Answer, case: Case) -> Raw:
        must_refuse = expect == "refuse"
        if config.field is not None:
            want = config.expected(case)
            must_refuse = bool(want) if not is_missing(want) else must_refuse
        refused = is_refusal(answer)
        ok = refused == must_refuse
        if refused:
            reason = "refused" + ("" if must_refuse else f": {_short(answer.text)}")
        else:
            reason = "answered" + (" (a refusal was expected)" if must_refuse else "")
        return Raw(1.0 if ok else 0.0, reason)

    return score


def sentences(text: str) -> int:
    stripped = text.strip()
    if not stripped:
        return 0
    ends = len(_SENTENCE_END.findall(stripped))
    return ends if stripped[-1] in ".!?" else ends + 1  # a trailing fragment counts as one


def _limit(config: ScorerConfig, case: Case, option: str) -> float | None:
    if config.option(option) is not None:
        return float(config.option(option))
    want = config.expected(case)
    if is_missing(want) or isinstance(want, bool) or not isinstance(want, (int, float)):
        return None
    return float(want)


def max_length(config: ScorerConfig, ctx: ScorerContext) -> Scorer:
    """At most `max_chars` characters or `max_words` words (or the expected number, as characters)."""
    unit = "words" if config.option("max_words") is not None else "chars"

    def score(answer: Answer, case: Case) -> Raw:
        limit = _limit(config, case, "max_words" if unit == "words" else "max_chars")
        if limit is None:
            return Raw(0.0, f"{config.missing_reason(case)} (or set max_chars / max_words)", passed=False)
        size = len(answer.text.split()) if unit == "words" else len(answer.text.strip())
        ok = size <= limit
        value = 1.0 if ok else limit / size
        return Raw(value, f"{size} {unit} (limit {limit:g})", passed=ok)

    return score


def max_sentences(config: ScorerConfig, ctx: ScorerContext) -> Scorer:
    """At most N sentences (`max: N`, `value: N`, or expected[field])."""

    def score(answer: Answer, case: Case) -> Raw:
        limit = _limit(config, case, "max")
        if limit is None:
            return Raw(0.0, f"{config.missing_reason(case)} (or set max)", passed=False)
        count = sentences(answer.text)
        ok = 0 < count <= limit
        if count == 0:
            return Raw(0.0, "empty answer", passed=False)
        return Raw(1.0 if ok else limit / count, f"{count} sentence(s) (limit {limit:g})", passed=ok)

    return score


def latency(config: ScorerConfig, ctx: ScorerContext) -> Scorer:
    """The call took at most `max_ms` milliseconds (as the runtime measured it)."""
    limit = config.option("max_ms", config.value if config.has_value else None)
    if not isinstance(limit, (int, float)) or isinstance(limit, bool) or limit <= 0:
        raise ScorerConfigError("latency needs max_ms: a positive number of milliseconds", "max_ms")

    def score(answer: Answer, case: Case) -> Raw:
        if answer.latency_ms is None:
            return Raw(0.0, "no latency was measured", passed=False)
        ok = answer.latency_ms <= limit
        return Raw(1.0 if ok else 0.0, f"{answer.latency_ms:.0f} ms (limit {limit:g} ms)")

    return score


def cost(config: ScorerConfig, ctx: ScorerContext) -> Scorer:
    """The call cost at most `max_usd` as the runtime priced it. Unpriced (cost None) is never $0: it fails
    with the reason, or is skipped with `unpriced: skip`."""
    limit = config.option("max_usd", config.value if config.has_value else None)
    if not isinstance(limit, (int, float)) or isinstance(limit, bool) or limit < 0:
        raise ScorerConfigError("cost needs max_usd: a number of US dollars", "max_usd")
    unpriced = config.option("unpriced", "fail")
    if unpriced not in ("fail", "skip"):
        raise ScorerConfigError(f"unpriced must be fail or skip, not {unpriced!r}", "unpriced")

    def score(answer: Answer, case: Case) -> Raw:
        if answer.cost_usd is None:
            reason = f"unpriced: no price for {answer.model or 'the model'} (cost unknown, not $0)"
            return Raw(0.0, reason, passed=False, skipped=unpriced == "skip")
        ok = answer.cost_usd <= limit
        return Raw(1.0 if ok else 0.0, f"${answer.cost_usd:.6f} (limit ${limit:g})")

    return score
