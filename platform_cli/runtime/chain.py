"""The fallback chain: call providers in the manifest's order until one answers."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from platform_cli.providers import Completion, ProviderError, Resilient
from platform_cli.runtime.result import AllProvidersFailed

log = logging.getLogger("platform_cli.runtime")


@dataclass(frozen=True)
class Served:
    """Who answered (`index` in the chain; 0 = primary) and what failed before it."""

    completion: Completion
    provider: Resilient
    index: int
    failures: list[ProviderError] = field(default_factory=list)

    @property
    def attempts(self) -> int:
        return self.completion.attempts + sum(f.attempts for f in self.failures)


def call_chain(
    providers: Sequence[Resilient],
    messages: Sequence[Mapping[str, str]],
    params: Mapping[str, Any],
    *,
    prompt: str,
) -> Served:
    """First answer in fallback order. A provider whose breaker is open is skipped without a request.

    Raises AllProvidersFailed with every provider's error when none answers.
    """
    failures: list[ProviderError] = []
    for index, provider in enumerate(providers):
        try:
            completion = provider.complete(messages, params)
        except ProviderError as error:
            log.warning("provider %s failed (%s): %s", provider.name, error.kind, error.detail)
            failures.append(error)
            continue
        if failures:
            log.info(
                "prompt %s served by fallback %s after %d failure(s)", prompt, provider.name, len(failures)
            )
        return Served(completion, provider, index, failures)
    raise AllProvidersFailed(prompt, failures)
