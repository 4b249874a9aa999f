"""Plugin discovery: "no entry point in this group" is remembered per state of the import path, and a
distribution installed on the path afterwards is found."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

from platform_cli import entrypoints

GROUP = "platform_cli.test_only_group"


def _refuse(**kwargs: object) -> None:
    raise AssertionError("importlib.metadata was asked although the empty answer was remembered")


def test_an_empty_group_is_remembered_until_the_import_path_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    assert not entrypoints.known_empty(GROUP)
    assert list(entrypoints.entry_points_of(GROUP)) == []
    assert entrypoints.known_empty(GROUP)
    with monkeypatch.context() as patched:
        patched.setattr(importlib.metadata, "entry_points", _refuse)
        assert list(entrypoints.entry_points_of(GROUP)) == []

    # a plugin is installed into a directory of the path: that directory's mtime moves on
    info = site / "demo_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: demo-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{GROUP}]\ndemo = demo_plugin:collector\n")
    assert not entrypoints.known_empty(GROUP)
    assert [(ep.name, ep.value) for ep in entrypoints.entry_points_of(GROUP)] == [
        ("demo", "demo_plugin:collector")
    ]
    assert not entrypoints.known_empty(GROUP)  # a group with entry points is never remembered


def test_an_unwritable_cache_only_costs_speed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory\n")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert list(entrypoints.entry_points_of(GROUP)) == []
    assert not entrypoints.known_empty(GROUP)
