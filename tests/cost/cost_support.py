"""Real feature repos and usage events for the cost tests (written through the Store, nothing mocked)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from platform_cli.store.engine import utc_timestamp
from platform_cli.store.runtime import UsageEvent

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone.utc)


def event(at: dt.datetime = NOW, **fields: Any) -> UsageEvent:
    """A usage event with plausible defaults; any field can be given."""
    values: dict[str, Any] = {
        "at": utc_timestamp(at), "feature": "cost-test", "operation": "complete", "prompt": "summarize",
        "prompt_version": 1, "prompt_hash": "h1", "label": "production", "variant": None,
        "segment": "billing", "user_hash": None, "conversation_id": None, "provider": "primary",
        "model": "gpt-4o-2024-08-06", "input_tokens": 1000, "output_tokens": 100, "cache_read_tokens": 0,
        "cache_write_tokens": 0, "reasoning_tokens": 0, "latency_ms": 250.0, "finish_reason": "stop",
        "refusal": False, "cache_hit": False, "fallback_used": False, "attempts": 1, "error": None,
        "cost_usd": None, "provider_kind": "openai",
    }  # fmt: skip
    values.update(fields)
    return UsageEvent(**values)


def write_cost_repo(
    root: Path,
    state_url: str,
    *,
    providers: list[dict[str, Any]] | None = None,
    budget: dict[str, Any] | None = None,
    soak_days: int = 42,
    name: str = "cost-test",
) -> Path:
    """A feature repo whose manifest declares providers, a budget and a rollout, on `state_url`."""
    root.mkdir(parents=True, exist_ok=True)
    spec: dict[str, Any] = {
        "lifecycle": "experimental",
        "oncall": {"rotation": "cost-primary"},
        "providers": providers
        or [
            {
                "name": "primary",
                "kind": "openai",
                "model": "gpt-4o-2024-08-06",
                "api_key_secret": "OPENAI_API_KEY",
                "oncall_owner": "openai-oncall",
            },
            {
                "name": "fallback",
                "kind": "anthropic",
                "model": "claude-sonnet-4-5-20250929",
                "api_key_secret": "ANTHROPIC_API_KEY",
                "oncall_owner": "anthropic-oncall",
            },
        ],
        "budget": budget or {"monthly_usd": 100, "per_request_usd": 0.05, "alert_at": [0.5, 0.8, 1.0]},
        "rollout": {"steps": [1, 5, 25, 100], "soak_days": soak_days, "guard_metrics": ["cost_per_request"]},
        "segments": ["billing", "technical"],
        "state": {"url": state_url},
    }
    manifest = {
        "apiVersion": "platform/v1",
        "kind": "AIFeature",
        "metadata": {"name": name, "owner": "team-cost", "eval_owner": "ann@example.com"},
        "spec": spec,
    }
    (root / "ai-feature.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    return root
