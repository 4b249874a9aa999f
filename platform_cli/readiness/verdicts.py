"""Remembered verdicts: a rule evaluated once on a fact value is not evaluated again for the same value.

Evaluating a rule needs jsonschema (its condition) and Jinja (its messages); importing and compiling them
costs a cold `readiness check` more than collecting every fact, and the pre-commit hook and CI run the same
rules over the same facts again and again. What a verdict depends on is the rule's text (condition and
messages), the fact's value, the versions of platform-cli, jsonschema and Jinja, and the evaluating code;
its sha256 names a small JSON file in the user cache holding the outcome: pass with its message, or fail
with, per offending item, the item's path, the error's path and the rendered message. Locations are NOT
stored: they are worked out again from the fact at hand (a manifest fact maps paths to its current lines),
so a moved line is reported where it now is.

A verdict whose condition could not be evaluated, or whose message template failed, is never remembered.
The cache is per user and outside every repo (a repo cannot vouch for its own verdicts); anything missing,
unreadable or malformed only means "evaluate".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from platform_cli.boundedmemo import BoundedMemo
from platform_cli.readiness.model import Rule

# Bump when evaluation changes in a way the package version would not show.
REVISION = 1

JsonPath = list[str | int]

# What an outcome depends on besides the rule and the value: the libraries and the code that evaluate.
_EVALUATION_MODULES = (
    "jsonschema",
    "jinja2",
    "platform_cli.readiness.evaluate",
    "platform_cli.readiness.messages",
    "platform_cli.readiness.verdicts",
)


_rule_keys: BoundedMemo[int, tuple[Rule, str]] = BoundedMemo(4096)


def _rule_key(rule: Rule) -> str:
    """The sha256 of everything of `rule` a verdict depends on, worked out once per rule object."""
    cached = _rule_keys.get(id(rule))
    if cached is not None and cached[0] is rule:
        return cached[1]
    parts = [
        rule.id,
        rule.title,
        rule.level,
        rule.severity,
        rule.condition,
        rule.pass_message,
        rule.fail_message,
    ]
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=repr)
    return _rule_keys.keep(id(rule), (rule, hashlib.sha256(text.encode()).hexdigest()))[1]


# While a check evaluates its rules (`fixed_values`), each fact value's canonical text, by value object.
_value_texts: dict[int, tuple[Any, str | None]] | None = None


@contextmanager
def fixed_values() -> Iterator[None]:
    """Inside, a value's canonical text is worked out once per value object, not once per rule reading it:
    for the rules of one check, whose facts nothing changes while they are evaluated."""
    global _value_texts
    outer = _value_texts
    _value_texts = {}
    try:
        yield
    finally:
        _value_texts = outer


def _value_text(value: Any) -> str | None:
    from platform_cli import schemacache

    known = _value_texts.get(id(value)) if _value_texts is not None else None
    if known is not None and known[0] is value:
        return known[1]
    text: str | None = None
    if schemacache.plain_json(value):  # else not plain JSON: evaluate every time
        try:
            text = json.dumps(
                value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
            )
        except (TypeError, ValueError):
            text = None
    if _value_texts is not None:
        _value_texts[id(value)] = (value, text)  # holding the value keeps its id from being reused
    return text


def _entry(rule: Rule, value: Any) -> str | None:
    """Where the outcome of `rule` on `value` is remembered (a path, as text), or None."""
    from platform_cli import __version__
    from platform_cli.usercache import cache_dir_text, entry_path, library_key

    text = _value_text(value)
    if text is None:
        return None  # not plain JSON: evaluate every time
    rule_key, cache = _rule_key(rule), cache_dir_text()
    known = _entries.get((rule_key, cache, text))
    if known is not None:
        return known
    libraries = library_key(*_EVALUATION_MODULES)
    entry = entry_path("verdicts", __version__, str(REVISION), libraries, rule_key, text)
    return _entries.keep((rule_key, cache, text), entry)


# Entry paths worked out in this process, by (rule key, cache directory, value text): a scan meets the
# same rule on the same value in repo after repo (everything in them depends only on these three).
_entries: BoundedMemo[tuple[str, str, str], str] = BoundedMemo(4096)


def _key_path(rule: Rule, value: Any) -> Path | None:
    entry = _entry(rule, value)
    return None if entry is None else Path(entry)


# Outcomes this process read or wrote, by entry path (another cache directory is another key): a scan
# meets the same verdicts in repo after repo. Never changed once stored (readers only read them).
_known: BoundedMemo[str, dict[str, Any]] = BoundedMemo(4096)


def recall(rule: Rule, value: Any) -> dict[str, Any] | None:
    """The remembered outcome of `rule` on `value`, or None (never seen, or the entry is unusable)."""
    entry = _entry(rule, value)
    if entry is None:
        return None
    known = _known.get(entry)
    if known is not None:
        return known
    try:
        with open(entry, encoding="utf-8") as handle:
            outcome = json.loads(handle.read())
    except (OSError, ValueError):
        return None
    if not _well_formed(outcome):
        return None
    _known.keep(entry, outcome)
    return outcome  # type: ignore[no-any-return]


def remember(rule: Rule, value: Any, outcome: dict[str, Any]) -> None:
    """Store an outcome (best effort: a read-only cache only costs speed)."""
    entry = _entry(rule, value)
    if entry is None or not _well_formed(outcome):
        return
    from platform_cli.usercache import keep

    if keep(entry, json.dumps(outcome, ensure_ascii=False)):
        _known.keep(entry, outcome)


def _well_formed(outcome: Any) -> bool:
    if not isinstance(outcome, dict):
        return False
    if outcome.get("status") == "pass":
        return isinstance(outcome.get("message"), str)
    if (
        outcome.get("status") != "fail"
        or not isinstance(outcome.get("groups"), list)
        or not outcome["groups"]
    ):
        return False
    for group in outcome["groups"]:
        if not isinstance(group, dict) or not isinstance(group.get("message"), str):
            return False
        prefix, error_path = group.get("prefix"), group.get("error_path")
        if prefix is not None and not _is_path(prefix):
            return False
        if not _is_path(error_path):
            return False
    return True


def _is_path(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(step, str) or (isinstance(step, int) and not isinstance(step, bool)) for step in value
    )
