"""What a runtime call returns (`Result`) and the error raised when no provider could answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from platform_cli.errors import PlatformError
from platform_cli.providers import ProviderError, Usage


@dataclass(frozen=True)
class Result:
    """One answer and exactly what produced it.

    `usage` is what THIS call consumed (all zero on a cache hit: nothing was billed). `cost_usd` is its
    price from the feature's price table (`platform cost prices show`), or None when the model has no
    price (unpriced, never $0); the tokens are always there. `malformed` is True when the answer fails the
    prompt's `output_schema` (not JSON, or not valid), False when it passes, None when nothing was checked
    (no output_schema, a failed call, or a cache hit: a cached answer was checked when it was first served).
    """

    text: str
    prompt: str
    prompt_version: int  # the registry version served
    provider: str
    model: str
    usage: Usage
    latency_s: float
    fallback_used: bool
    cache_hit: bool = False
    finish_reason: str = "stop"
    refusal: bool = False
    prompt_hash: str = ""
    label: str | None = None  # the label followed (None when a cohort's variant pinned a version)
    variant: str | None = None  # the cohort's variant when an allocation applied
    cohort: int | None = None  # the bucket (0-9999) the user / conversation falls in
    prompt_source: str = "store"  # store | cache | last-known-good | file
    attempts: int = 1  # HTTP requests made (retries and failed providers included); 0 on a cache hit
    system_fingerprint: str | None = None
    conversation_id: str | None = None
    history_turns: int = 0  # earlier turns sent with a chat message
    # chat only: "store" (history read and this exchange saved), or "unavailable" (the store was down: sent
    # with no history, and this exchange was not saved)
    history_source: str | None = None
    cost_usd: float | None = None
    malformed: bool | None = None

    @property
    def latency_ms(self) -> float:
        return self.latency_s * 1000.0


class AllProvidersFailed(PlatformError):
    """Every provider in the fallback chain failed (or was skipped by its open breaker).

    `failures` holds each provider's ProviderError; the message names each one and why.
    """

    def __init__(self, prompt: str, failures: Sequence[ProviderError]) -> None:
        self.failures = list(failures)
        reasons = "; ".join(f"{f.provider} ({f.kind}): {f.detail}" for f in self.failures)
        super().__init__(
            f"prompt '{prompt}': every provider failed: {reasons}. Check the providers' status and on-call "
            "owners in ai-feature.yaml; the circuit breakers retry on their own"
        )
