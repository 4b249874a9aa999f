"""A copy of the shipped golden-path template whose content is exactly its latest release.

Tests that cut releases in a copy and update repos across them need a template with no pending change:
a branch with a pending template edit (and its change note) would otherwise scaffold the edit while
recording the previous release, and the update tests would see conflicts that no product team can meet.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from platform_cli.cli.main import run
from platform_cli.resources import templates_dir
from platform_cli.scaffold.releases import unreleased


def released_copy(dest: Path, name: str = "ai-feature") -> Path:
    """Copy templates/NAME to `dest`, release its pending changes there, and drop the change notes."""
    shutil.copytree(templates_dir() / name, dest)
    if unreleased(dest).changed:
        assert run(["templates", "release", str(dest)]) == 0
    shutil.rmtree(dest / "changes", ignore_errors=True)
    assert unreleased(dest).changed == []
    return dest
