"""The blast radius of a prompt version: everything it produced or touched, counted from the store.

Cache entries, conversations and turns (counts, first/last time, sample ids), users and cohorts served,
usage and cost (unpriced calls are counted as unpriced, never as $0), eval runs of the version and the
suites whose baseline points at it. Read-only; a plan stores it so the audit says what was undone.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from platform_cli.store import Store

RUN_SAMPLES = 5


def blast_radius(store: Store, prompt: str, version: int) -> dict[str, Any]:
    """JSON-ready counts of what `prompt` v`version` left in the store."""
    cache = store.cache_footprint(prompt, version)
    turns = store.turn_footprint(prompt, version)
    usage = store.usage_footprint(prompt, version)
    cohorts = store.cohorts_served(prompt, version)
    runs = store.eval_runs_of_version(prompt, version)
    baselines = []
    for suite in store.baseline_suites(prompt):
        current = store.eval_baseline(prompt, suite)
        if current is not None and current.prompt_version == version:
            baselines.append({"suite": suite, "run": current.run_id, "set_at": current.set_at})
    return {
        "prompt": prompt,
        "version": version,
        "cache": {"entries": cache.count, "first": cache.first, "last": cache.last},
        "conversations": {
            "conversations": turns.conversations,
            "turns": turns.turns,
            "first": turns.first,
            "last": turns.last,
            "already_marked": turns.marked,
            "sample_conversations": list(turns.sample_conversations),
            "sample_turns": list(turns.sample_turns),
        },
        "users": usage.users,
        "cohorts": [
            {"variant": c.variant, "segment": c.segment, "calls": c.calls, "users": c.users} for c in cohorts
        ],
        "usage": {
            "calls": usage.calls,
            "first": usage.first,
            "last": usage.last,
            "input_tokens": usage.input_tokens,
            "output_tokens": usage.output_tokens,
            "cost_usd": usage.cost_usd,
            "priced_calls": usage.priced_calls,
            "unpriced_calls": usage.unpriced_calls,
            "cache_hits": usage.cache_hits,
            "errors": usage.errors,
            "eval_calls": usage.eval_calls,
        },
        "eval_runs": {"count": len(runs), "latest": [asdict(run) for run in runs[:RUN_SAMPLES]]},
        "baselines": baselines,
    }


def cost_text(usage: dict[str, Any]) -> str:
    """`$0.4210`, `$0.4210 + 12 calls unpriced`, `unpriced (40 calls)`, or `$0 (no tokens used)`."""
    cost, unpriced = usage.get("cost_usd"), int(usage.get("unpriced_calls") or 0)
    if cost is None:
        return (
            f"unpriced ({unpriced} call{'s' if unpriced != 1 else ''})" if unpriced else "$0 (no tokens used)"
        )
    text = f"${cost:.4f}"
    return f"{text} + {unpriced} call{'s' if unpriced != 1 else ''} unpriced" if unpriced else text
