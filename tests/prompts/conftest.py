"""Feature repos for the prompt-registry tests: a small real manifest, real prompt files, a real store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from prompt_helpers import MANIFEST, SUMMARIZE, write_prompt

from platform_cli.store import Store, open_store


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A feature repo with ai-feature.yaml and prompts/summarize.yaml (state: the default SQLite file)."""
    root = tmp_path / "feature"
    root.mkdir()
    (root / "ai-feature.yaml").write_text(MANIFEST, encoding="utf-8")
    write_prompt(root, "summarize", SUMMARIZE)
    return root


@pytest.fixture
def state(repo: Path, store_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the repo at a fresh store on each engine (through $PLATFORM_STATE_URL); returns the URL."""
    monkeypatch.setenv("PLATFORM_STATE_URL", store_url)
    return store_url


@pytest.fixture
def store(state: str) -> Iterator[Store]:
    with open_store(state) as opened:
        yield opened
