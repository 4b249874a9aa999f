"""Plugin discovery: "no entry point in this group" is remembered per state of the import path, and a
distribution installed on the path afterwards is found."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import zipfile
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


# "No entry point" proved without importlib.metadata (a first run, nothing remembered): it must never say
# so when importlib.metadata would find one.


def _dist(site: Path, folder: str, entry_points: str | None) -> None:
    info = site / folder
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {folder.split('-')[0]}\nVersion: 1.0\n")
    if entry_points is not None:
        (info / "entry_points.txt").write_text(entry_points)


def test_every_group_installed_here_is_not_declared_nowhere() -> None:
    groups = {ep.group for dist in importlib.metadata.distributions() for ep in dist.entry_points}
    assert "console_scripts" in groups  # this very package declares `platform`
    assert [g for g in sorted(groups) if entrypoints.declared_nowhere(g)] == []


def test_a_group_nobody_declares_is_proved_empty_while_others_are_declared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    _dist(site, "other_plugin-1.0.dist-info", "[some.other.group]\nx = other_plugin:x\n")
    _dist(site, "no_entry_points-2.0.dist-info", None)
    _dist(site, "Legacy_Thing-0.1.egg-info", "[console_scripts]\nlegacy = legacy:main\n")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.syspath_prepend(str(tmp_path / "missing-dir"))
    assert entrypoints.declared_nowhere(GROUP)
    assert list(importlib.metadata.entry_points(group=GROUP)) == []
    assert not entrypoints.declared_nowhere("some.other.group")


@pytest.mark.parametrize("folder", ["demo-1.0.dist-info", "demo-1.0.egg-info", "DEMO-1.0.DIST-INFO"])
def test_a_declaring_distribution_is_never_proved_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, folder: str
) -> None:
    site = tmp_path / "site"
    _dist(site, folder, f"# a comment\n[{GROUP}]\ndemo = demo:collector\n")
    monkeypatch.syspath_prepend(str(site))
    assert not entrypoints.declared_nowhere(GROUP)
    assert [ep.name for ep in entrypoints.entry_points_of(GROUP)] == ["demo"]


def test_an_egg_directory_on_the_path_is_read_like_importlib_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    egg = tmp_path / "demo-1.0-py3.11.egg"
    (egg / "EGG-INFO").mkdir(parents=True)
    (egg / "EGG-INFO" / "PKG-INFO").write_text("Metadata-Version: 1.1\nName: demo\nVersion: 1.0\n")
    (egg / "EGG-INFO" / "entry_points.txt").write_text(f"[{GROUP}]\ndemo = demo:collector\n")
    monkeypatch.syspath_prepend(str(egg))
    assert [ep.name for ep in importlib.metadata.entry_points(group=GROUP)] == ["demo"]
    assert not entrypoints.declared_nowhere(GROUP)


def test_a_zip_on_the_path_or_another_distribution_finder_leaves_it_to_importlib(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "plugins.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("demo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n")
        zipped.writestr("demo-1.0.dist-info/entry_points.txt", f"[{GROUP}]\ndemo = demo:collector\n")
    with monkeypatch.context() as patched:
        patched.syspath_prepend(str(archive))
        assert [ep.name for ep in importlib.metadata.entry_points(group=GROUP)] == ["demo"]
        assert not entrypoints.declared_nowhere(GROUP)
        assert [ep.name for ep in entrypoints.entry_points_of(GROUP)] == ["demo"]

    class Finder:
        @staticmethod
        def find_spec(*args: object) -> None:
            return None

        @staticmethod
        def find_distributions(*args: object) -> list[object]:
            return []

    assert entrypoints.declared_nowhere(GROUP)
    monkeypatch.setattr(sys, "meta_path", [*sys.meta_path, Finder])
    assert not entrypoints.declared_nowhere(GROUP)


def test_a_first_run_proves_an_empty_group_without_importing_importlib_metadata(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from platform_cli import entrypoints\n"
        f"assert not entrypoints.known_empty({GROUP!r})\n"
        f"assert list(entrypoints.entry_points_of({GROUP!r})) == []\n"
        f"assert entrypoints.known_empty({GROUP!r})\n"
        "print('importlib.metadata' in sys.modules)\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
