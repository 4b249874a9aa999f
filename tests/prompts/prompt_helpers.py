"""Shared helpers of the prompt-registry tests (a uniquely named module: test files import it directly)."""

from __future__ import annotations

import textwrap
from pathlib import Path

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
  evals: {gated_labels: []}  # these tests move production freely; tests/evals tests the eval gate
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
