"""Which collector produces each fact: the built-ins, then plugins from an entry-point group.

A plugin entry point's name is the fact it produces; it may point at a collector instance, a collector
class, or a factory returning one. A plugin of the same name as a built-in replaces it (how a company
swaps in, say, its own ownership source). A plugin that fails to load does not stop the check: its fact
becomes unknown, with the reason, so every rule reading it fails visibly.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from platform_cli.entrypoints import entry_points_of
from platform_cli.readiness.facts.base import Fact, FactCollector, RepoContext

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

ENTRY_POINT_GROUP = "platform_cli.fact_collectors"


class BrokenPlugin:
    """Stands in for a plugin collector that could not be loaded; its fact is always unknown."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason

    def collect(self, ctx: RepoContext) -> Fact:
        del ctx
        return Fact.missing(self.name, self.reason)


def builtin_collectors() -> list[FactCollector]:
    from platform_cli.readiness.facts.builtin import BUILTIN

    return list(BUILTIN)


def _from_entry_point(ep: EntryPoint) -> FactCollector:
    where = f"plugin collector '{ep.name}' ({ep.value}, package {ep.dist.name if ep.dist else '?'})"
    try:
        target = ep.load()
        factory = isinstance(target, type) or (callable(target) and not isinstance(target, FactCollector))
        collector = target() if factory else target
    except Exception as error:  # a broken plugin must not crash the check
        return BrokenPlugin(ep.name, f"{where} failed to load: {type(error).__name__}: {error}")
    if not isinstance(collector, FactCollector):
        return BrokenPlugin(ep.name, f"{where} is not a fact collector (needs `name` and `collect(ctx)`)")
    if collector.name != ep.name:
        return BrokenPlugin(ep.name, f"{where} produces '{collector.name}'; the entry point must be named so")
    return collector


def plugin_collectors(eps: Iterable[EntryPoint] | None = None) -> list[FactCollector]:
    """Collectors registered by installed packages (or by `eps`, for tests)."""
    found = entry_points_of(ENTRY_POINT_GROUP) if eps is None else eps
    return [_from_entry_point(ep) for ep in found]


@lru_cache(maxsize=1)
def _installed() -> dict[str, FactCollector]:
    return collectors_by_name(builtin_collectors(), plugin_collectors())


def collectors_by_name(*groups: Iterable[FactCollector]) -> dict[str, FactCollector]:
    """One collector per fact name; later groups replace earlier ones."""
    table: dict[str, FactCollector] = {}
    for group in groups:
        for collector in group:
            table[collector.name] = collector
    return table


def installed_collectors() -> dict[str, FactCollector]:
    """Built-ins plus installed plugins, by fact name (discovered once per process)."""
    return dict(_installed())
