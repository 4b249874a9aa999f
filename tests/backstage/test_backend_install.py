"""The test backend's install step: skips with the reason without Node.js, fails in CI, keyed by its pins."""

from __future__ import annotations

from pathlib import Path

import pytest
from backstage_server import backend_install as install


def test_without_node_it_says_why_and_fails_only_in_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no node, no npm
    monkeypatch.setenv(install.DIR_ENV, str(tmp_path / "backend"))
    monkeypatch.delenv("CI", raising=False)
    assert install.main([]) == 0
    assert "node is not installed" in capsys.readouterr().err
    monkeypatch.setenv("CI", "true")
    assert install.main([]) == 1
    assert not (tmp_path / "backend").exists()


def test_the_cache_directory_is_keyed_by_the_pins_and_outside_the_repo(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(install.DIR_ENV, raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    target = install.install_dir()
    repo = Path(__file__).resolve().parents[2]
    assert repo not in target.parents
    assert target.parent.name == "backstage" and len(target.name) == 16
    for name in ("package.json", "package-lock.json"):  # versions and hashes only, no download URLs
        assert '"resolved"' not in (install.HERE / name).read_text()
    monkeypatch.setenv(install.DIR_ENV, "/somewhere/else")
    assert install.install_dir() == Path("/somewhere/else")
