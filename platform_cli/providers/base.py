"""The provider contract: send rendered chat messages, get text, finish reason, normalized usage, latency."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Usage:
    """Token counts normalized across vendors (cached tokens are counted inside input_tokens)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0
    reasoning_tokens: int = 0


@dataclass(frozen=True)
class Completion:
    text: str
    finish_reason: str
    usage: Usage
    latency_s: float
    model: str


class ProviderError(Exception):
    """A provider call failed; `retryable` says whether another attempt or the next provider may help."""

    def __init__(self, provider: str, message: str, *, retryable: bool = True) -> None:
        super().__init__(f"provider {provider}: {message}")
        self.provider = provider
        self.retryable = retryable


class Provider(Protocol):
    name: str
    model: str

    def complete(self, messages: Sequence[Mapping[str, str]], params: Mapping[str, Any]) -> Completion: ...
