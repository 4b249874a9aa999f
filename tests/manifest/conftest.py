"""Shared manifests for the manifest tests: the full example of the README, written to real files."""

from __future__ import annotations

from pathlib import Path

import pytest

FULL_MANIFEST = """\
apiVersion: platform/v1
kind: AIFeature
metadata:
  name: support-summarizer
  title: Support Summarizer
  description: Summarizes tickets
  owner: team-support-ai
  eval_owner: jane.doe@example.com
  system: support
spec:
  lifecycle: experimental
  oncall: {rotation: support-ai-primary, escalation: support-ai-leads}
  providers:                         # order = fallback order
    - name: primary
      kind: openai
      model: gpt-4o-2024-08-06
      api_key_secret: OPENAI_API_KEY
      oncall_owner: jane.doe@example.com
      timeout_s: 30
      max_retries: 2
    - name: fallback
      kind: anthropic
      model: claude-sonnet-4-5-20250929
      api_key_secret: ANTHROPIC_API_KEY
      oncall_owner: sam.roe@example.com
    - name: offline
      kind: fake
      model: fake-chat-2025-01-01
      base_url: http://127.0.0.1:9/v1
      options: {seed: 7, fixtures: evals/fixtures.jsonl}
  budget: {monthly_usd: 500, per_request_usd: 0.02, alert_at: [0.5, 0.8, 1.0]}
  rollout:
    steps: [1, 5, 25, 100]
    soak_days: 42
    guard_metrics: [eval_score, cost_per_request, refusal_rate, p95_latency]
  rollback: {history: quarantine, drill_max_age_days: 30}
  secrets:
    - name: OPENAI_API_KEY
      backend: vault
      path: ai/support-summarizer/openai
      rotation_days: 90
      owner: team-support-ai
    - {name: ANTHROPIC_API_KEY, backend: env-file, path: .env}
  segments: [billing, technical, account]
  state: {url: "sqlite:///.platform/state.db"}
  evals: {suites: evals/suites}
  prompts: {dir: prompts}
"""

MINIMAL_MANIFEST = """\
apiVersion: platform/v1
kind: AIFeature
metadata:
  name: tiny
  owner: team-tiny
  eval_owner: [ann@example.com, bob@example.com]
spec:
  lifecycle: production
  providers:
    - {name: primary, kind: fake, model: fake-chat-2025-01-01}
"""

THREE_MISTAKES = """\
apiVersion: platform/v1
kind: AIFeature
metadata:
  name: support-summarizer
  eval_owner: jane.doe@example.com
spec:
  lifecycle: experimental
  providers:
    - name: primary
      kind: fake
      model: fake-chat-2025-01-01
      temperature: 0.2
  budget:
    monthly_usd: "lots"
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A directory holding only an ai-feature.yaml (tests overwrite it as they need)."""
    root = tmp_path / "feature"
    root.mkdir()
    (root / "ai-feature.yaml").write_text(FULL_MANIFEST, encoding="utf-8")
    return root


@pytest.fixture
def full_text() -> str:
    return FULL_MANIFEST


@pytest.fixture
def minimal_text() -> str:
    return MINIMAL_MANIFEST


@pytest.fixture
def three_mistakes() -> str:
    """Three planted mistakes: missing metadata.owner (line 3), unknown key (12), wrong type (14)."""
    return THREE_MISTAKES
