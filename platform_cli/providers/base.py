"""The provider contract: send rendered chat messages, get text, finish reason, normalized usage, latency."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

# Normalized finish reasons; a vendor value with no equivalent is passed through unchanged.
FINISH_STOP = "stop"
FINISH_LENGTH = "length"
FINISH_REFUSAL = "refusal"
FINISH_CONTENT_FILTER = "content_filter"
FINISH_TOOL_CALLS = "tool_calls"

FailureKind = Literal[
    "timeout",  # no (complete) answer within timeout_s
    "connection",  # could not connect / connection dropped
    "rate_limit",  # HTTP 429
    "server",  # HTTP 5xx (and 408/409)
    "malformed",  # 2xx with a body that is not the expected JSON
    "auth",  # HTTP 401/403, or the API key could not be read
    "client",  # other HTTP 4xx: the request itself was refused
    "breaker_open",  # the circuit breaker is open: not called at all
    "injected",  # fault injection (`fail=True`): deterministic, so never retried
]
RETRYABLE: frozenset[str] = frozenset({"timeout", "connection", "rate_limit", "server", "malformed"})


@dataclass(frozen=True)
class Usage:
    """Token counts normalized across vendors into explicit buckets.

    `input_tokens` is EVERY input token of the request, whatever its cache status; `cache_read_tokens` and
    `cache_write_tokens` are the parts of it read from / written to the vendor's prompt cache (OpenAI
    reports cached tokens inside prompt_tokens; Anthropic reports cache reads and writes outside
    input_tokens, so they are added in). `reasoning_tokens` are part of `output_tokens`.
    """

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0

    @property
    def uncached_input_tokens(self) -> int:
        """Input tokens billed at the full input price (neither read from nor written to the cache)."""
        return max(0, self.input_tokens - self.cache_read_tokens - self.cache_write_tokens)

    @property
    def cached_input_tokens(self) -> int:
        """Alias of cache_read_tokens (the name OpenAI uses)."""
        return self.cache_read_tokens

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def as_dict(self) -> dict[str, int]:
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cache_read_tokens": self.cache_read_tokens,
            "cache_write_tokens": self.cache_write_tokens,
            "reasoning_tokens": self.reasoning_tokens,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Usage:
        return cls(**{key: int(data.get(key, 0) or 0) for key in cls().as_dict()})


@dataclass(frozen=True)
class Completion:
    """One answer. `model` is the pinned model that was requested; `served_model` what the vendor named."""

    text: str
    finish_reason: str
    usage: Usage
    latency_s: float
    model: str
    refusal: bool = False
    system_fingerprint: str | None = None
    served_model: str | None = None
    response_id: str | None = None
    attempts: int = 1  # HTTP requests made for this answer (retries included)


class ProviderError(Exception):
    """A provider call failed. `kind` says how; `retryable` whether another attempt at it may help.

    Messages never contain an API key: adapters build them from status codes and scrubbed excerpts.
    Whatever the kind, the runtime tries the next provider in the fallback order.
    """

    def __init__(
        self,
        provider: str,
        message: str,
        *,
        kind: FailureKind = "server",
        retryable: bool | None = None,
        status: int | None = None,
        retry_after_s: float | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(f"provider {provider}: {message}")
        self.provider = provider
        self.detail = message
        self.kind: FailureKind = kind
        self.retryable = kind in RETRYABLE if retryable is None else retryable
        self.status = status
        self.retry_after_s = retry_after_s
        self.attempts = attempts

    def __repr__(self) -> str:
        return f"ProviderError({self.provider!r}, kind={self.kind!r}, status={self.status!r})"


class Provider(Protocol):
    """What every adapter offers. `complete` never retries by itself; `providers.resilient` does."""

    name: str
    kind: str
    model: str

    def complete(self, messages: Sequence[Mapping[str, str]], params: Mapping[str, Any]) -> Completion: ...
