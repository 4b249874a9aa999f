"""Evaluate one rule over one fact (condition, per-item messages, locations) and compute readiness levels."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from platform_cli.readiness import verdicts
from platform_cli.readiness.facts.base import Fact
from platform_cli.readiness.messages import render_message
from platform_cli.readiness.model import LEVELS, Finding, Level, Location, Rule, WaiverNote
from platform_cli.yamlfile import render_path

if TYPE_CHECKING:  # imported on first use: a check whose verdicts are remembered needs none of it
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

JsonPath = tuple[str | int, ...]

# Which level a lifecycle stage must reach unless `--level` says otherwise.
REQUIRED_LEVEL: dict[str, Level] = {"experimental": "bronze", "production": "silver", "deprecated": "bronze"}


@lru_cache(maxsize=1024)
def _validator(rule_id: str, source: str, condition_json: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(
        json.loads(condition_json), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def validator_for_rule(rule: Rule) -> Draft202012Validator:
    """The compiled condition of `rule`, built once per rule id, pack file and condition."""
    source = rule.source.file if rule.source else ""
    return _validator(rule.id, source, json.dumps(rule.condition, sort_keys=True))


@runtime_checkable
class LocatableFact(Protocol):
    """A fact whose value mirrors a file, so any JSON path inside the value has a line (the manifest)."""

    def line_of(self, json_path: JsonPath) -> int | None: ...


@dataclass(frozen=True)
class Evaluation:
    """A finding plus the template errors met while rendering it (`platform policies test` reports them)."""

    finding: Finding
    template_errors: tuple[str, ...] = ()


def evaluate_rule(rule: Rule, fact: Fact) -> Finding:
    """The verdict of `rule` on `fact`, per the semantics in the readiness spec."""
    return evaluate(rule, fact).finding


def evaluate(rule: Rule, fact: Fact) -> Evaluation:
    """Like `evaluate_rule`, also returning template errors instead of hiding them in the message."""
    fact_location = _fact_location(fact)
    located = (fact_location,) if fact_location else ()
    if fact.unknown is not None:
        return Evaluation(Finding(rule, "unknown", (f"cannot check: {fact.unknown}",), located))
    insane = insane_number(fact.value)
    if insane is not None:  # a NaN passes every JSON Schema bound: no rule may compare one
        reason = f"the '{fact.name}' fact holds {insane}, which no rule can compare"
        return Evaluation(Finding(rule, "unknown", (f"cannot check: {reason}",), located))
    remembered = verdicts.recall(rule, fact.value)
    if remembered is not None:
        return Evaluation(_replayed(rule, fact, remembered, fact_location))
    evaluation, outcome = _evaluated(rule, fact, fact_location)
    if outcome is not None and not evaluation.template_errors:
        verdicts.remember(rule, fact.value, outcome)
    return evaluation


def _replayed(rule: Rule, fact: Fact, outcome: dict[str, Any], fact_location: Location | None) -> Finding:
    """A remembered outcome as a Finding, located against the fact at hand (lines may have moved)."""
    if outcome["status"] == "pass":
        return Finding(rule, "pass", (outcome["message"],), (fact_location,) if fact_location else ())
    messages: list[str] = []
    locations: list[Location | None] = []
    for group in outcome["groups"]:
        prefix = group["prefix"]
        try:
            item = _value_at(fact.value, tuple(prefix)) if prefix is not None else None
        except (KeyError, IndexError, TypeError):
            item = None
        messages.append(group["message"])
        locations.append(_item_location(fact, item, tuple(group["error_path"])) or fact_location)
    ordered_messages, ordered_locations = _located_first(messages, locations)
    return Finding(rule, "fail", ordered_messages, ordered_locations)


def _evaluated(
    rule: Rule, fact: Fact, fact_location: Location | None
) -> tuple[Evaluation, dict[str, Any] | None]:
    """The evaluation, and the outcome to remember (None when the condition could not be evaluated)."""
    located = (fact_location,) if fact_location else ()
    rule_view = {"id": rule.id, "title": rule.title, "level": rule.level, "severity": rule.severity}
    try:
        errors = list(validator_for_rule(rule).iter_errors(fact.value))
    except Exception as error:  # e.g. an unresolvable $ref: the rule is broken, the check goes on
        reason = f"the rule's condition cannot be evaluated: {type(error).__name__}: {error}"
        return Evaluation(Finding(rule, "unknown", (f"cannot check: {reason}",), located), (reason,)), None
    if not errors:
        context = {"fact": fact.value, "item": None, "error": None, "rule": rule_view}
        message, problem = render_message(rule.pass_message, context)
        passed = Evaluation(Finding(rule, "pass", (message,), located), _problems(problem))
        return passed, {"status": "pass", "message": message}

    messages: list[str] = []
    locations: list[Location | None] = []
    problems: list[str] = []
    groups: list[dict[str, Any]] = []
    for prefix, group in _group_by_item(errors):
        item = _value_at(fact.value, prefix) if prefix is not None else None
        first = group[0]
        error_view = {
            "message": first.message,
            "path": render_path(tuple(first.absolute_path)),
            "validator": first.validator,
            "messages": [e.message for e in group],
        }
        context = {"fact": fact.value, "item": item, "error": error_view, "rule": rule_view}
        message, problem = render_message(rule.fail_message, context)
        messages.append(message)
        problems.extend(_problems(problem))
        locations.append(_item_location(fact, item, tuple(first.absolute_path)) or fact_location)
        groups.append(
            {
                "prefix": list(prefix) if prefix is not None else None,
                "error_path": list(first.absolute_path),
                "message": message,
            }
        )
    ordered_messages, ordered_locations = _located_first(messages, locations)
    finding = Finding(rule, "fail", ordered_messages, ordered_locations)
    return Evaluation(finding, tuple(problems)), {"status": "fail", "groups": groups}


INT_LIMIT = 2**63


def insane_number(value: Any) -> str | None:
    """A description of the first number in `value` no rule can compare sanely (NaN, an infinity, an
    integer beyond 64 bits), or None. Facts from files are already bounded by the loading policy; this
    also holds for facts that company plug-ins compute."""
    if _all_sane(value):  # the usual case, found without building a path for every item
        return None
    stack = [(value, "$")]
    while stack:
        current, where = stack.pop()
        if isinstance(current, bool):
            continue
        if isinstance(current, float) and not math.isfinite(current):
            return f"{current} at {where}"
        if isinstance(current, int) and not -INT_LIMIT <= current < INT_LIMIT:
            return f"an integer of {len(str(abs(current)))} digits at {where}"
        if isinstance(current, dict):
            stack.extend((v, f"{where}.{k}") for k, v in current.items())
        elif isinstance(current, (list, tuple)):
            stack.extend((v, f"{where}[{i}]") for i, v in enumerate(current))
    return None


def _all_sane(value: Any) -> bool:
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, (str, bool)) or current is None:
            continue
        if isinstance(current, float):
            if not math.isfinite(current):
                return False
        elif isinstance(current, int):
            if not -INT_LIMIT <= current < INT_LIMIT:
                return False
        elif isinstance(current, dict):
            stack.extend(current.values())
        elif isinstance(current, (list, tuple)):
            stack.extend(current)
    return True


def _problems(problem: str | None) -> tuple[str, ...]:
    return () if problem is None else (problem,)


def _group_by_item(errors: Iterable[ValidationError]) -> list[tuple[JsonPath | None, list[ValidationError]]]:
    """Errors grouped by the item at the first array index of their path; items in document order.

    Errors whose path holds no array index form one group (item None), listed after the items.
    """
    groups: dict[JsonPath | None, list[ValidationError]] = {}
    for error in errors:
        path = tuple(error.absolute_path)
        index = next((i for i, step in enumerate(path) if isinstance(step, int)), None)
        key = None if index is None else path[: index + 1]
        groups.setdefault(key, []).append(error)
    items = sorted((k for k in groups if k is not None), key=_path_order)
    ordered: list[tuple[JsonPath | None, list[ValidationError]]] = [(k, groups[k]) for k in items]
    if None in groups:
        ordered.append((None, groups[None]))
    return ordered


def _path_order(path: JsonPath) -> tuple[tuple[bool, Any], ...]:
    return tuple((isinstance(step, str), step) for step in path)


def _value_at(value: Any, path: JsonPath) -> Any:
    for step in path:
        value = value[step]
    return value


def _fact_location(fact: Fact) -> Location | None:
    return Location(fact.file, fact.line) if fact.file else None


def _item_location(fact: Fact, item: Any, error_path: JsonPath) -> Location | None:
    """The item's own file/line keys; else, for a fact that mirrors a file, the line of the error."""
    if isinstance(item, dict) and isinstance(item.get("file"), str) and item["file"]:
        line = item.get("line")
        return Location(item["file"], line if isinstance(line, int) and not isinstance(line, bool) else None)
    if fact.file and isinstance(fact, LocatableFact):
        path = error_path
        while True:
            line = fact.line_of(path)
            if line is not None or not path:
                return Location(fact.file, line if line is not None else fact.line)
            path = path[:-1]
    return None


def _located_first(
    messages: Sequence[str], locations: Sequence[Location | None]
) -> tuple[tuple[str, ...], tuple[Location, ...]]:
    """`locations` run parallel to `messages`; when some messages have no location, those go last.

    Outputs pair messages with locations by index, so unlocated messages must follow every located one.
    """
    pairs = list(zip(messages, locations, strict=True))
    if all(loc is not None for _, loc in pairs):
        return tuple(messages), tuple(loc for loc in locations if loc is not None)
    pairs.sort(key=lambda pair: pair[1] is None)
    return tuple(m for m, _ in pairs), tuple(loc for _, loc in pairs if loc is not None)


def required_level(lifecycle: str, override: Level | None = None) -> Level:
    """`--level` when given, else what the lifecycle stage needs (unknown stages need bronze)."""
    return override if override is not None else REQUIRED_LEVEL.get(lifecycle, "bronze")


def _blocks(finding: Finding) -> bool:
    return finding.failed and finding.rule.severity == "error"


def reached_level(
    findings: Sequence[Finding], waiver_notes: Sequence[WaiverNote] = (), rules: Sequence[Rule] = ()
) -> Level | None:
    """Highest level that has rules and whose rules, and all rules below, pass or are waived, with no
    expired waiver there.

    A level no finding belongs to is never reached: with no gold rules in force, passing everything
    reaches silver, not gold (a level nothing checked cannot be claimed). An empty level in between
    does not block a level above it. Warning-severity failures never block. An expired waiver blocks
    the level of the rule it names (looked up in `findings`, then `rules`; an expired waiver for a rule
    not known blocks bronze).
    """
    level_of: dict[str, Level] = {r.id: r.level for r in rules}
    level_of.update({f.rule.id: f.rule.level for f in findings})
    lowest_block = len(LEVELS)
    for finding in findings:
        if _blocks(finding):
            lowest_block = min(lowest_block, LEVELS.index(finding.rule.level))
    for note in waiver_notes:
        if note.kind == "expired":
            rank = LEVELS.index(level_of.get(note.waiver.rule_id, LEVELS[0]))
            lowest_block = min(lowest_block, rank)
    in_force = {LEVELS.index(f.rule.level) for f in findings}
    reachable = [rank for rank in in_force if rank < lowest_block]
    return LEVELS[max(reachable)] if reachable else None


def example_failures(rule: Rule) -> list[str]:
    """What is wrong with `rule`'s own examples: a pass example failing, a fail example passing, a template
    that cannot render for them. Empty when the rule verifies."""
    failures: list[str] = []
    for expected, examples in (("pass", rule.examples_pass), ("fail", rule.examples_fail)):
        for index, example in enumerate(examples):
            result = evaluate(rule, Fact(name=rule.fact, value=example))
            where = f"examples.{expected}[{index}]"
            if result.finding.status != expected:
                said = "; ".join(result.finding.messages)
                failures.append(f"{where}: expected {expected}, got {result.finding.status} ({said})")
            failures.extend(f"{where}: {expected} message: {problem}" for problem in result.template_errors)
    return failures
