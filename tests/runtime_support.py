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


def publish_prompts(root: Path, url: str, names: Sequence[str] | None = None) -> None:
    """What CI does before a feature runs against a shared store: publish each prompt file as a version
    and point `production` at it. A running feature publishes on first use only into a local SQLite file."""
    if url.startswith("sqlite"):
        return
    from platform_cli.prompts.files import load_prompt, prompt_names
    from platform_cli.prompts.versions import publish
    from platform_cli.store import open_store
    from platform_cli.store.engine import utc_timestamp
    from platform_cli.store.prompts import LabelMove

    with open_store(url) as store:
        for name in names if names is not None else prompt_names(root / "prompts"):
            with store.transaction():
                version = publish(
                    store, load_prompt(root / "prompts", name), author="ci", message="ci"
                ).version
                if store.prompt_label(name, "production") is None:
                    move = LabelMove(0, name, "production", None, version, utc_timestamp(), "ci", "ci")
                    store.move_prompt_label(move)
