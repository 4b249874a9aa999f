"""The offline, deterministic provider: same input and seed, same answer; failures on demand for tests."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any

from platform_cli.providers.base import Completion, ProviderError, Usage

_WORD = re.compile(r"\S+")


def _tokens(text: str) -> int:
    return max(1, len(_WORD.findall(text)))


class FakeProvider:
    """Answers by condensing the last user message; `fail=True` makes every call fail (fault injection)."""

    def __init__(self, name: str, model: str, *, seed: int = 0, fail: bool = False) -> None:
        self.name = name
        self.model = model
        self.seed = seed
        self.fail = fail

    def __repr__(self) -> str:
        return f"FakeProvider(name={self.name!r}, model={self.model!r})"

    def complete(self, messages: Sequence[Mapping[str, str]], params: Mapping[str, Any]) -> Completion:
        started = time.perf_counter()
        if self.fail:
            raise ProviderError(self.name, "injected failure (fake provider configured to fail)")
        prompt_text = "\n".join(m.get("content", "") for m in messages)
        last_user = next((m["content"] for m in reversed(messages) if m.get("role") == "user"), prompt_text)
        digest = hashlib.sha256(f"{self.seed}:{self.model}:{prompt_text}".encode()).hexdigest()[:8]
        words = _WORD.findall(last_user)
        limit = int(params.get("max_tokens", 64))
        summary = " ".join(words[: min(limit, 24)]).rstrip(".")
        text = f"Summary: {summary}. [fake {digest}]"
        return Completion(
            text=text,
            finish_reason="stop",
            usage=Usage(input_tokens=_tokens(prompt_text), output_tokens=_tokens(text)),
            latency_s=time.perf_counter() - started,
            model=self.model,
        )
