"""Fixtures for scaffolding tests: small local templates of each engine, built on the fly."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest


@pytest.fixture
def copier_template(tmp_path: Path) -> Path:
    root = tmp_path / "tpl-copier"
    (root / "template").mkdir(parents=True)
    (root / "copier.yml").write_text(
        "_subdirectory: template\nproject:\n  type: str\n  default: demo\n", encoding="utf-8"
    )
    (root / "template" / "README.md.jinja").write_text("# {{ project }}\n", encoding="utf-8")
    return root


@pytest.fixture
def copier_template_with_tasks(copier_template: Path) -> Path:
    config = copier_template / "copier.yml"
    config.write_text(
        config.read_text(encoding="utf-8") + "_tasks:\n  - touch task-ran.txt\n", encoding="utf-8"
    )
    return copier_template


@pytest.fixture
def cookiecutter_template(tmp_path: Path) -> Path:
    root = tmp_path / "tpl-cookie"
    inner = root / "{{cookiecutter.project_slug}}"
    inner.mkdir(parents=True)
    (root / "cookiecutter.json").write_text(
        json.dumps({"project_name": "Demo Service", "project_slug": "demo-service"}), encoding="utf-8"
    )
    (inner / "README.md").write_text("# {{ cookiecutter.project_name }}\n", encoding="utf-8")
    return root


@pytest.fixture
def git_template(copier_template: Path) -> Path:
    """The copier template as a git repository with two tagged releases."""

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=copier_template, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "add", "-A")
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "v1")
    git("tag", "v1.0.0")
    (copier_template / "template" / "README.md.jinja").write_text("# {{ project }} v2\n", encoding="utf-8")
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qam", "v2")
    git("tag", "v2.0.0")
    return copier_template
