"""Scorers by name: the built-ins, then company scorers from the `platform_cli.eval_scorers` entry points.

An entry point's name is the scorer type suites use; it points at a factory `(ScorerConfig, ScorerContext)
-> Scorer` (see scorers/base.py). A plugin of the same name as a built-in replaces it. A plugin that fails
to load is reported when a suite uses it, at that suite's line, never as a crash. Names are written with
hyphens; underscores are accepted (`max_sentences` is `max-sentences`), and `not-<type>` negates any type.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from platform_cli.entrypoints import entry_points_of
from platform_cli.evals.scorers import judge, structured, text
from platform_cli.evals.scorers.base import Factory, ScorerConfigError

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

ENTRY_POINT_GROUP = "platform_cli.eval_scorers"

BUILTIN: dict[str, Factory] = {
    "exact": text.exact,
    "contains": text.contains_factory("all", False),
    "icontains": text.contains_factory("all", True),
    "contains-any": text.contains_factory("any", False),
    "contains-all": text.contains_factory("all", False),
    "icontains-any": text.contains_factory("any", True),
    "icontains-all": text.contains_factory("all", True),
    "regex": text.regex,
    "json-valid": structured.json_valid,
    "json-schema": structured.json_schema,
    "similarity": text.similarity,
    "refusal": text.refusal,
    "max-length": text.max_length,
    "max-sentences": text.max_sentences,
    "latency": text.latency,
    "cost": text.cost,
    "judge": judge.judge,
}
# Names promptfoo users already know, mapped to ours.
ALIASES = {"equals": "exact", "is-json": "json-valid", "similar": "similarity", "llm-judge": "judge"}
# Default pass threshold for scorers whose value is graded rather than yes/no.
DEFAULT_THRESHOLDS = {"similarity": 0.8, "judge": 0.5}


class _Broken:
    """Stands in for a plugin scorer that failed to load; using it is a located config error."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __call__(self, config: Any, ctx: Any) -> Any:
        raise ScorerConfigError(self.reason, "type")


def _load(ep: EntryPoint) -> Factory:
    where = f"scorer plugin '{ep.name}' ({ep.value}, package {ep.dist.name if ep.dist else '?'})"
    try:
        target = ep.load()
    except Exception as error:  # a broken plugin must not crash a run that does not use it
        return _Broken(f"{where} failed to load: {type(error).__name__}: {error}")
    if not callable(target):
        return _Broken(f"{where} is not a factory: it must be callable as factory(config, context)")
    factory: Factory = target
    return factory


def plugin_scorers(eps: Iterable[EntryPoint] | None = None) -> dict[str, Factory]:
    found = entry_points_of(ENTRY_POINT_GROUP) if eps is None else eps
    return {canonical(ep.name): _load(ep) for ep in found}


@lru_cache(maxsize=1)
def _installed() -> Mapping[str, Factory]:
    return {**BUILTIN, **plugin_scorers()}


def installed_scorers() -> dict[str, Factory]:
    """Every scorer type available here: built-ins and installed plugins (discovered once per process)."""
    return dict(_installed())


def canonical(name: str) -> str:
    key = name.strip().lower().replace("_", "-")
    return ALIASES.get(key, key)


def lookup(name: str, table: Mapping[str, Factory] | None = None) -> tuple[str, Factory, bool]:
    """(canonical type, factory, negated) for a suite's `type:`; ScorerConfigError naming the choices."""
    scorers = table if table is not None else _installed()
    key = canonical(name)
    negated = False
    if key not in scorers and key.startswith("not-"):
        key, negated = canonical(key[4:]), True
    factory = scorers.get(key)
    if factory is None:
        import difflib

        close = difflib.get_close_matches(key, list(scorers), n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(sorted(scorers))}"
        raise ScorerConfigError(f"unknown scorer type {name!r}", "type", hint)
    return key, factory, negated
