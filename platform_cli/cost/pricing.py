"""Token usage -> USD, with each cached token priced exactly once.

The runtime's `Usage` is already normalized by the provider adapters: `input_tokens` is EVERY input token,
and `cache_read_tokens` / `cache_write_tokens` are the parts of it read from / written to the prompt cache.
The vendors report it differently, and the two helpers below say how each maps in, so a test can feed raw
vendor usage and check the cost by hand:

- OpenAI: `prompt_tokens` already CONTAINS `prompt_tokens_details.cached_tokens` (cache reads). Cache writes
  are not reported or billed separately. So uncached = prompt_tokens - cached_tokens.
- Anthropic: `input_tokens` EXCLUDES `cache_read_input_tokens` and `cache_creation_input_tokens`; both come on
  top. So every input token = input_tokens + cache_read + cache_creation, and uncached = input_tokens.

Cost = uncached x input price + cache reads x cache-read price + cache writes x cache-write price +
output x output price (reasoning tokens are part of output; priced at the reasoning price when the table
has one). A cache bucket the table gives no price for is charged at the input price (never less than the
vendor could bill). A model with no price is unpriced: `price_usage` returns None, never 0, unless the call
used no tokens at all (a cache hit or a failed call costs exactly nothing).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from platform_cli.cost.prices import ModelPrice, PriceTable
from platform_cli.models import is_offline


class TokenCounts(Protocol):
    """What is priced: the normalized buckets (providers.Usage, a usage event, ...)."""

    @property
    def input_tokens(self) -> int: ...

    @property
    def output_tokens(self) -> int: ...

    @property
    def cache_read_tokens(self) -> int: ...

    @property
    def cache_write_tokens(self) -> int: ...

    @property
    def reasoning_tokens(self) -> int: ...


def cost_of(usage: TokenCounts, price: ModelPrice) -> float:
    """USD for `usage` at `price` (see the module docstring for the formula)."""
    read = usage.cache_read_tokens
    write = usage.cache_write_tokens
    uncached = max(0, usage.input_tokens - read - write)
    read_price = price.cache_read_input_token_cost
    write_price = price.cache_creation_input_token_cost
    reasoning = min(usage.reasoning_tokens, usage.output_tokens)
    reasoning_price = price.output_cost_per_reasoning_token
    output = usage.output_tokens
    total = uncached * price.input_cost_per_token
    total += read * (price.input_cost_per_token if read_price is None else read_price)
    total += write * (price.input_cost_per_token if write_price is None else write_price)
    if reasoning_price is None:
        total += output * price.output_cost_per_token
    else:
        total += (output - reasoning) * price.output_cost_per_token + reasoning * reasoning_price
    return round(total, 12)


def price_usage(usage: TokenCounts, model: str | None, table: PriceTable) -> float | None:
    """USD for one call, or None when `model` has no price (unpriced) and the call used tokens."""
    if usage.input_tokens == 0 and usage.output_tokens == 0:
        return 0.0
    price = table.lookup(model)
    return None if price is None else cost_of(usage, price)


def price_event(
    usage: TokenCounts, model: str | None, provider_kind: str | None, table: PriceTable
) -> float | None:
    """`price_usage` for a recorded call: an answer of the offline fake provider under one of its own model
    ids (not in the table) bills nothing, so it costs 0.0, not unpriced; standing in for a declared model
    it is priced as that model (offline traffic, never billed). The runtime and `reprice` both use this."""
    cost = price_usage(usage, model, table)
    if cost is None and is_offline(provider_kind or "") and table.lookup(model) is None:
        return 0.0
    return cost


def openai_usage(usage: Mapping[str, Any]) -> dict[str, int]:
    """Normalized buckets from an OpenAI `usage` object (cached tokens are INSIDE prompt_tokens)."""
    details = usage.get("prompt_tokens_details") or {}
    completion = usage.get("completion_tokens_details") or {}
    return {
        "input_tokens": int(usage.get("prompt_tokens") or 0),
        "output_tokens": int(usage.get("completion_tokens") or 0),
        "cache_read_tokens": int(details.get("cached_tokens") or 0),
        "cache_write_tokens": 0,
        "reasoning_tokens": int(completion.get("reasoning_tokens") or 0),
    }


def anthropic_usage(usage: Mapping[str, Any]) -> dict[str, int]:
    """Normalized buckets from an Anthropic `usage` object (cache reads/writes are OUTSIDE input_tokens)."""
    read = int(usage.get("cache_read_input_tokens") or 0)
    write = int(usage.get("cache_creation_input_tokens") or 0)
    return {
        "input_tokens": int(usage.get("input_tokens") or 0) + read + write,
        "output_tokens": int(usage.get("output_tokens") or 0),
        "cache_read_tokens": read,
        "cache_write_tokens": write,
        "reasoning_tokens": 0,
    }
