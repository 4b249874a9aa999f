"""Feature repos for the prompt-registry tests: a small real manifest, real prompt files, a real store."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from platform_cli.store import Store, open_store

MANIFEST = """\
apiVersion: platform/v1
kind: AIFeature
metadata: {name: demo, owner: team-demo, eval_owner: jane.doe@example.com}
spec:
  lifecycle: experimental
  oncall: {rotation: demo-primary}
  providers:
    - {name: primary, kind: fake, model: fake-chat-2025-01-01, oncall_owner: jane.doe@example.com}
  segments: [billing, account]
"""

SUMMARIZE = """\
name: summarize
description: Summarize a support ticket.
owner: team-demo
written_for: {provider: primary, model: fake-chat-2025-01-01}
parameters: {temperature: 0.2, max_tokens: 200}
variables:
  ticket: {type: string, description: The ticket text}
  segment: {type: string, required: false, default: general}
messages:
  - role: system
    content: You summarize tickets for the {{ segment }} queue in two sentences.
  - role: user
    content: "{{ ticket }}"
"""


def write_prompt(root: Path, name: str, text: str) -> Path:
    path = root / "prompts" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def edit_prompt(root: Path, name: str, old: str, new: str) -> None:
    path = root / "prompts" / f"{name}.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


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
