"""Pricing: each cached token priced once under the OpenAI (inside prompt_tokens) and Anthropic (outside
input_tokens) conventions, checked by hand to the cent; unknown models are unpriced, never $0."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from cost_support import NOW, event
from llm_server import (
    ANTHROPIC_PATH,
    OPENAI_PATH,
    LLMServer,
    Reply,
    anthropic_body,
    openai_body,
    running_llm_server,
)

from platform_cli.cost.prices import PriceTable, effective_table, load_bundled
from platform_cli.cost.pricing import anthropic_usage, cost_of, openai_usage, price_usage
from platform_cli.manifest import ProviderSpec
from platform_cli.providers import BuildContext, Usage, build_provider
from platform_cli.resources import policies_dir
from platform_cli.secrets import Secret

KEY = "sk-loopback-test-key-0123456789abcdef"
MESSAGES = [{"role": "user", "content": "Hello"}]

# Hand computation, from the bundled table (LiteLLM's prices):
#   gpt-4o-2024-08-06: input $2.50/1M, cache read $1.25/1M, output $10/1M; no cache-write price (OpenAI
#   does not bill writes). OpenAI usage: prompt_tokens 10,000 of which cached 8,000; completion 2,000.
#     uncached 2,000 x 2.5e-6 = 0.005; cached 8,000 x 1.25e-6 = 0.010; output 2,000 x 1e-5 = 0.020 -> $0.035
#   claude-sonnet-4-5-20250929: input $3/1M, cache read $0.30/1M, cache write $3.75/1M, output $15/1M.
#   Anthropic usage: input_tokens 1,000 (uncached only), cache_read 20,000, cache_creation 4,000,
#   output 1,000.
#     1,000 x 3e-6 = 0.003; 20,000 x 3e-7 = 0.006; 4,000 x 3.75e-6 = 0.015; 1,000 x 1.5e-5 = 0.015 -> $0.039
OPENAI_WIRE = {"prompt_tokens": 10_000, "completion_tokens": 2_000, "cached_tokens": 8_000}
ANTHROPIC_WIRE = {
    "input_tokens": 1_000,
    "output_tokens": 1_000,
    "cache_read": 20_000,
    "cache_creation": 4_000,
}
OPENAI_COST = 0.035
ANTHROPIC_COST = 0.039


@pytest.fixture
def server() -> Iterator[LLMServer]:
    with running_llm_server() as running:
        yield running


def _adapter(server: LLMServer, kind: str, model: str):  # type: ignore[no-untyped-def]
    spec = ProviderSpec(name=kind, kind=kind, model=model, base_url=server.base_url, api_key_secret="K")
    return build_provider(spec, BuildContext(Path("."), keys=lambda name: Secret(name, KEY)))


def test_mixed_openai_and_anthropic_usage_with_cached_tokens_matches_the_hand_computation(
    server: LLMServer,
) -> None:
    server.script(
        OPENAI_PATH,
        Reply(body=openai_body(prompt_tokens=OPENAI_WIRE["prompt_tokens"],
                               completion_tokens=OPENAI_WIRE["completion_tokens"],
                               cached_tokens=OPENAI_WIRE["cached_tokens"])),
    )  # fmt: skip
    server.script(
        ANTHROPIC_PATH,
        Reply(body=anthropic_body(input_tokens=ANTHROPIC_WIRE["input_tokens"],
                                  output_tokens=ANTHROPIC_WIRE["output_tokens"],
                                  cache_read_input_tokens=ANTHROPIC_WIRE["cache_read"],
                                  cache_creation_input_tokens=ANTHROPIC_WIRE["cache_creation"])),
    )  # fmt: skip
    table = load_bundled()
    openai = _adapter(server, "openai", "gpt-4o-2024-08-06").complete(MESSAGES, {})
    anthropic = _adapter(server, "anthropic", "claude-sonnet-4-5-20250929").complete(MESSAGES, {})
    openai_cost = price_usage(openai.usage, openai.model, table)
    anthropic_cost = price_usage(anthropic.usage, anthropic.model, table)
    assert openai_cost == pytest.approx(OPENAI_COST, abs=1e-12)
    assert anthropic_cost == pytest.approx(ANTHROPIC_COST, abs=1e-12)
    assert round(openai_cost + anthropic_cost, 2) == 0.07  # type: ignore[operator]
    # Pricing cached tokens twice (on top for OpenAI, or not at all for Anthropic) would not match:
    assert openai_cost != pytest.approx(OPENAI_COST + 8_000 * 2.5e-6)
    assert anthropic_cost != pytest.approx(0.003 + 0.015)


def test_the_convention_helpers_normalize_raw_vendor_usage_like_the_adapters() -> None:
    table = load_bundled()
    raw_openai = {"prompt_tokens": 10_000, "completion_tokens": 2_000,
                  "prompt_tokens_details": {"cached_tokens": 8_000}}  # fmt: skip
    raw_anthropic = {"input_tokens": 1_000, "output_tokens": 1_000, "cache_read_input_tokens": 20_000,
                     "cache_creation_input_tokens": 4_000}  # fmt: skip
    openai = Usage(**openai_usage(raw_openai))
    anthropic = Usage(**anthropic_usage(raw_anthropic))
    assert (openai.input_tokens, openai.uncached_input_tokens) == (10_000, 2_000)  # cached are inside
    assert (anthropic.input_tokens, anthropic.uncached_input_tokens) == (25_000, 1_000)  # on top
    assert price_usage(openai, "gpt-4o-2024-08-06", table) == pytest.approx(OPENAI_COST)
    assert price_usage(anthropic, "claude-sonnet-4-5-20250929", table) == pytest.approx(ANTHROPIC_COST)


def test_a_model_without_a_price_is_unpriced_not_zero() -> None:
    table = load_bundled()
    usage = Usage(input_tokens=500, output_tokens=20)
    assert price_usage(usage, "gpt-9-2030-01-01", table) is None
    assert price_usage(Usage(), "gpt-9-2030-01-01", table) == 0.0  # no tokens used: nothing to bill
    assert price_usage(usage, "openai/gpt-4o-2024-08-06", table) == pytest.approx(500 * 2.5e-6 + 20 * 1e-5)


def test_missing_cache_prices_fall_back_to_the_input_price_and_reasoning_prices_apply() -> None:
    from platform_cli.cost.prices import ModelPrice

    price = ModelPrice("m", 1e-6, 4e-6, output_cost_per_reasoning_token=8e-6)
    usage = Usage(input_tokens=1000, output_tokens=100, cache_read_tokens=300, cache_write_tokens=200,
                  reasoning_tokens=40)  # fmt: skip
    # 500 uncached + 300 read + 200 written, all at the input price; 60 output + 40 reasoning.
    assert cost_of(usage, price) == pytest.approx(1000 * 1e-6 + 60 * 4e-6 + 40 * 8e-6)


def test_the_bundled_table_prices_every_model_the_lifecycle_table_knows() -> None:
    lifecycle = yaml.safe_load((policies_dir() / "model-lifecycle.yaml").read_text(encoding="utf-8"))
    # every snapshot a vendor bills for (aliases are never called: the runtime refuses them; self-hosted
    # openai-compatible builds are priced by the repo's own prices.json)
    known = [
        entry["model"]
        for entry in lifecycle["models"]
        if entry.get("type", "snapshot") == "snapshot" and entry["vendor"] in ("openai", "anthropic", "fake")
    ]
    table = load_bundled()
    assert known and table.missing(known) == []
    assert table.as_of and "LiteLLM" in table.source
    for model in known:
        price = table.lookup(model)
        assert price is not None and price.source, model


def test_the_bundled_table_prices_the_template_default_models() -> None:
    from platform_cli.models import load_model_table

    defaults = load_model_table(extra=[]).defaults  # the one source of the template's default models
    table = load_bundled()
    for model in ("gpt-5.1-2025-11-13", "claude-haiku-4-5-20251001", "fake-chat-2025-01-01"):
        assert model in defaults.values() and table.lookup(model) is not None


def test_a_repo_prices_json_overrides_and_adds_models(tmp_path: Path) -> None:
    base = load_bundled()
    doc = {"as_of": "2026-11-30", "source": "our contract",
           "models": {"gpt-4o-2024-08-06": {"input_cost_per_token": 2e-6, "output_cost_per_token": 8e-6},
                      "llama-3.1-8b-instruct-2024-07-23": {"input_cost_per_token": 1e-7,
                                                           "output_cost_per_token": 1e-7}}}  # fmt: skip
    import json

    (tmp_path / "prices.json").write_text(json.dumps(doc))
    table = effective_table(tmp_path)
    assert isinstance(table, PriceTable) and table.version != base.version
    assert table.lookup("gpt-4o-2024-08-06").input_cost_per_token == 2e-6  # type: ignore[union-attr]
    assert table.lookup("llama-3.1-8b-instruct-2024-07-23") is not None
    assert table.lookup("claude-sonnet-4-5-20250929") == base.lookup("claude-sonnet-4-5-20250929")


def test_the_version_changes_with_prices_only() -> None:
    base = load_bundled()
    same = PriceTable(dict(base.prices), as_of="1999-01-01", source="elsewhere")
    assert same.version == base.version
    fewer = PriceTable({k: v for k, v in base.prices.items() if k != "gpt-4o-2024-08-06"}, "x", "y")
    assert fewer.version != base.version


def test_event_helper_is_priced_like_usage() -> None:
    e = event(NOW, input_tokens=10_000, cache_read_tokens=8_000, output_tokens=2_000)
    assert price_usage(e, e.model, load_bundled()) == pytest.approx(OPENAI_COST)
