"""The collector registry: built-ins, and plugin entry points (good, broken, misnamed) loaded for real."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from platform_cli.readiness.facts.base import Fact, FactCollector, RepoContext
from platform_cli.readiness.facts.registry import (
    ENTRY_POINT_GROUP,
    builtin_collectors,
    collectors_by_name,
    installed_collectors,
    plugin_collectors,
)

PLUGIN = """
from platform_cli.readiness.facts.base import Fact


class TeamDirectory:
    name = "team_directory"

    def collect(self, ctx):
        return Fact(self.name, {"teams": ["team-a"]})


instance = TeamDirectory()


def factory():
    return TeamDirectory()


class Misnamed:
    name = "something_else"

    def collect(self, ctx):
        return Fact(self.name, {})


not_a_collector = 42
"""


@pytest.fixture
def plugin_module(tmp_path: Path) -> Iterator[str]:
    """A real module on sys.path, as an installed plugin package would provide."""
    name = "r1_test_plugin"
    (tmp_path / f"{name}.py").write_text(PLUGIN, encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        yield name
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop(name, None)


def ep(name: str, value: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)


def test_builtins_include_the_manifest_collector() -> None:
    names = [c.name for c in builtin_collectors()]
    assert "manifest" in names
    assert all(isinstance(c, FactCollector) for c in builtin_collectors())
    assert "manifest" in installed_collectors()


@pytest.mark.parametrize("target", ["instance", "factory", "TeamDirectory"])
def test_plugin_may_be_an_instance_a_factory_or_a_class(
    plugin_module: str, tmp_path: Path, target: str
) -> None:
    [collector] = plugin_collectors([ep("team_directory", f"{plugin_module}:{target}")])
    fact = collector.collect(RepoContext(root=tmp_path))
    assert fact == Fact("team_directory", {"teams": ["team-a"]})


def test_plugin_that_fails_to_import_yields_an_unknown_fact(tmp_path: Path) -> None:
    [collector] = plugin_collectors([ep("vault_ages", "r1_no_such_module_anywhere:Collector")])
    fact = collector.collect(RepoContext(root=tmp_path))
    assert fact.name == "vault_ages"
    assert fact.unknown is not None
    assert "failed to load: ModuleNotFoundError" in fact.unknown


def test_plugin_with_the_wrong_name_or_shape_is_refused(plugin_module: str, tmp_path: Path) -> None:
    misnamed, not_collector = plugin_collectors(
        [ep("team_directory", f"{plugin_module}:Misnamed"), ep("numbers", f"{plugin_module}:not_a_collector")]
    )
    ctx = RepoContext(root=tmp_path)
    assert "produces 'something_else'" in (misnamed.collect(ctx).unknown or "")
    assert "is not a fact collector" in (not_collector.collect(ctx).unknown or "")


def test_later_groups_replace_earlier_ones(plugin_module: str) -> None:
    [plugin] = plugin_collectors([ep("manifest", f"{plugin_module}:factory")])
    table = collectors_by_name(builtin_collectors(), [plugin])
    assert table["manifest"] is plugin
