"""Real feature repositories on disk for the runtime tests: a manifest, prompt files, nothing mocked."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

SUMMARIZE = {
    "name": "summarize",
    "description": "Summarize a ticket.",
    "parameters": {"temperature": 0, "max_tokens": 64},
    "variables": {"ticket": {"type": "string"}},
    "messages": [
        {"role": "system", "content": "You summarize support tickets in one sentence."},
        {"role": "user", "content": "{{ ticket }}"},
    ],
}
CHAT = {
    "name": "chat",
    "description": "Answer a customer in a conversation.",
    "parameters": {"temperature": 0, "max_tokens": 64},
    "variables": {"product": {"type": "string", "required": False, "default": "the product"}},
    "messages": [{"role": "system", "content": "You are the support agent for {{ product }}. Be brief."}],
}
FAKE = {"name": "primary", "kind": "fake", "model": "fake-chat-2025-01-01"}


def write_feature(
    root: Path,
    providers: Sequence[dict[str, Any]] = (FAKE,),
    *,
    name: str = "runtime-test",
    segments: Sequence[str] = ("billing", "technical"),
    state_url: str | None = None,
    prompts: Sequence[dict[str, Any]] = (SUMMARIZE, CHAT),
) -> Path:
    """Write ai-feature.yaml and prompts/ under `root`; return root."""
    root.mkdir(parents=True, exist_ok=True)
    spec: dict[str, Any] = {
        "lifecycle": "experimental",
        "providers": list(providers),
        "segments": list(segments),
    }
    if state_url:
        spec["state"] = {"url": state_url}
    manifest = {
        "apiVersion": "platform/v1",
        "kind": "AIFeature",
        "metadata": {"name": name, "owner": "team-runtime", "eval_owner": "ann@example.com"},
        "spec": spec,
    }
    (root / "ai-feature.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    (root / "prompts").mkdir(exist_ok=True)
    for prompt in prompts:
        (root / "prompts" / f"{prompt['name']}.yaml").write_text(
            yaml.safe_dump(prompt, sort_keys=False), encoding="utf-8"
        )
    return root


def openai_entry(base_url: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": "primary",
        "kind": "openai",
        "model": "gpt-4o-2024-08-06",
        "base_url": base_url,
        "api_key_secret": "OPENAI_API_KEY",
        **extra,
    }


def anthropic_entry(base_url: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": "fallback",
        "kind": "anthropic",
        "model": "claude-sonnet-4-5-20250929",
        "base_url": base_url,
        "api_key_secret": "ANTHROPIC_API_KEY",
        **extra,
    }
