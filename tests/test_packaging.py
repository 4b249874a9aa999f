"""The wheel ships the repository-root templates/ and policies/ as package data."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_contains_templates_and_policies(tmp_path: Path) -> None:
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    wheel = next(tmp_path.glob("platform_cli-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "platform_cli/_data/templates/ai-feature/copier.yml" in names
    assert "platform_cli/_data/templates/ai-feature/template/ai-feature.yaml.jinja" in names
    assert "platform_cli/_data/policies/schemas/ai-feature.schema.json" in names
    assert any(n.startswith("platform_cli/_data/policies/readiness/") for n in names)
    assert not any("__pycache__" in n for n in names)
    # every release of every shipped template travels with the package (updates need them, offline)
    from platform_cli.resources import templates_dir
    from platform_cli.scaffold.releases import archive_releases

    archives = archive_releases(templates_dir() / "ai-feature")
    assert archives
    for release in archives:
        assert f"platform_cli/_data/templates/ai-feature/releases/{release.version}.tar.gz" in names
