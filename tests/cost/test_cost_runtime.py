"""The runtime prices every call (with the price-table version), checks answers against the prompt's
output_schema, and enforces the budget from the shared counter, across processes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from llm_server import (
    ANTHROPIC_PATH,
    OPENAI_PATH,
    LLMServer,
    Reply,
    anthropic_body,
    openai_body,
    running_llm_server,
)
from runtime_support import SUMMARIZE, anthropic_entry, openai_entry, publish_prompts, write_feature

from platform_cli.cost.budget import check_budget
from platform_cli.cost.budget_guard import BUDGET_EXHAUSTED
from platform_cli.cost.prices import load_bundled
from platform_cli.cost.report import build_report
from platform_cli.cost.window import Window, now_utc
from platform_cli.manifest import Budget
from platform_cli.runtime import Feature
from platform_cli.secrets import Secret
from platform_cli.store import open_store

KEY = "sk-loopback-test-key-0123456789abcdef"
WORKER = Path(__file__).with_name("budget_serving_worker.py")


@pytest.fixture
def server() -> Iterator[LLMServer]:
    with running_llm_server() as running:
        yield running


def _load(repo: Path, url: str) -> Feature:
    publish_prompts(repo, url)  # what CI does first on a shared store (a running feature never publishes)
    return Feature.load(
        repo, state_url=url, cache_ttl_s=0, secrets=lambda n: Secret(n, KEY), sleep=lambda s: None
    )


def test_mixed_openai_and_anthropic_calls_are_priced_to_the_cent(
    server: LLMServer, tmp_path: Path, store_url: str
) -> None:
    repo = write_feature(
        tmp_path / "repo", [openai_entry(server.base_url, max_retries=0), anthropic_entry(server.base_url)]
    )
    server.script(
        OPENAI_PATH,
        Reply(body=openai_body(prompt_tokens=10_000, completion_tokens=2_000, cached_tokens=8_000)),
        Reply(500),  # the second call falls back to Anthropic
    )
    server.script(
        ANTHROPIC_PATH,
        Reply(
            body=anthropic_body(
                input_tokens=1_000,
                output_tokens=1_000,
                cache_read_input_tokens=20_000,
                cache_creation_input_tokens=4_000,
            )
        ),
    )
    with _load(repo, store_url) as feature:
        first = feature.complete("summarize", {"ticket": "one"})
        second = feature.complete("summarize", {"ticket": "two"})
        events = feature.usage_events()
    # by hand (see tests/cost/test_cost_pricing.py): $0.035 (OpenAI, 8,000 of 10,000 prompt tokens cached)
    # + $0.039 (Anthropic: 1,000 uncached, 20,000 read, 4,000 written)
    assert (first.provider, second.provider) == ("primary", "fallback")
    assert first.cost_usd == pytest.approx(0.035) and second.cost_usd == pytest.approx(0.039)
    assert round(sum(e.cost_usd for e in events), 2) == 0.07
    assert {e.price_version for e in events} == {load_bundled().version}
    window = Window(now_utc().replace(year=2000), now_utc().replace(year=2100))
    with open_store(store_url) as store:
        total = build_report(store, "runtime-test", "provider", window).totals["user"]
    assert total.cost_usd == pytest.approx(0.074) and total.cost_complete


def test_answers_are_checked_against_the_output_schema(
    server: LLMServer, tmp_path: Path, store_url: str
) -> None:
    schema = {"type": "object", "required": ["summary"], "properties": {"summary": {"type": "string"}}}
    prompt = {**SUMMARIZE, "output_schema": schema}
    repo = write_feature(tmp_path / "repo", [openai_entry(server.base_url, max_retries=0)], prompts=[prompt])
    server.script(
        OPENAI_PATH,
        Reply(body=openai_body('{"summary": "Card declined twice."}')),
        Reply(body=openai_body("Sure! Here is a summary: card declined.")),
        Reply(body=openai_body('{"title": "no summary"}')),
    )
    with _load(repo, store_url) as feature:
        results = [feature.complete("summarize", {"ticket": ticket}) for ticket in ("a", "b", "c")]
        events = feature.usage_events()
    assert [e.malformed for e in events] == [False, True, True]
    assert [r.malformed for r in results] == [False, True, True]  # the caller is told too


def _budget_repo(root: Path, server: LLMServer, on_exhausted: str, store_url: str) -> Path:
    cheap = {"name": "cheap", "kind": "fake", "model": "fake-chat-2025-01-01"}
    repo = write_feature(root, [openai_entry(server.base_url, max_retries=0), cheap], state_url=store_url)
    manifest = yaml.safe_load((repo / "ai-feature.yaml").read_text())
    manifest["spec"]["budget"] = {"monthly_usd": 0.05, "per_request_usd": 1.0, "alert_at": [1.0],
                                  "on_exhausted": on_exhausted}  # fmt: skip
    (repo / "ai-feature.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False))
    publish_prompts(repo, store_url)
    return repo


def _serve(repo: Path, url: str, ticket: str) -> dict[str, object]:
    command = [sys.executable, str(WORKER), str(repo), url, ticket]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("action", ["block", "fallback:cheap"])
def test_a_spent_budget_blocks_or_falls_back_in_every_process(
    server: LLMServer, tmp_path: Path, store_url: str, action: str
) -> None:
    repo = _budget_repo(tmp_path / "repo", server, action, store_url)
    # every OpenAI answer costs $0.035: the second one takes the month past $0.05
    server.script(OPENAI_PATH, *[Reply(body=openai_body(prompt_tokens=10_000, completion_tokens=2_000,
                                                        cached_tokens=8_000))] * 4)  # fmt: skip
    first, second = _serve(repo, store_url, "one"), _serve(repo, store_url, "two")
    assert first["provider"] == second["provider"] == "primary"
    third = _serve(repo, store_url, "three")  # a third process: the shared counter says the budget is spent
    if action == "block":
        assert "monthly budget ($0.05) is spent" in str(third["blocked"])
    else:
        assert third == {"provider": "cheap", "cost_usd": 0.0}
    assert server.count(OPENAI_PATH) == 2
    with open_store(store_url) as store:
        events = store.usage_events("runtime-test")
        status = check_budget(store, "runtime-test", Budget(0.05, 1.0, [1.0]), now=now_utc())
    assert status.spend.cost_usd == pytest.approx(0.07) and status.over
    last = events[-1]
    if action == "block":
        assert (last.provider, last.finish_reason, last.error, last.cost_usd) == (
            None,
            BUDGET_EXHAUSTED,
            None,
            0.0,
        )
    else:
        assert (last.provider, last.fallback_used) == ("cheap", False)
