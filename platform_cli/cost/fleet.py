"""Per-provider health from usage events: tries, errors, fallbacks, refusals, malformed answers, latency.

A usage event records the provider that finally answered, so per-provider failures are derived with the
manifest's fallback order: an answer flagged `fallback_used` and served by the provider at position i
means the i providers before it were tried and failed (or were skipped by an open breaker); an event with
no provider and an error means every declared provider failed. A call served by a later provider without
the flag (the budget's `on_exhausted: fallback:<provider>`) passed over nobody, and a call the budget
refused tried nobody.

- error_ratio     = failed tries / tries
- fallback_ratio  = failed tries that a later provider rescued / tries
- refusal_ratio   = refusals / answers served by the provider
- malformed_ratio = answers failing the prompt's output_schema / answers checked
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from platform_cli.cost.figures import Figures, group_rows
from platform_cli.manifest import ProviderSpec
from platform_cli.store.cost import RollupRow

NO_PROVIDER = "(none)"


@dataclass
class ProviderHealth:
    name: str
    model: str
    oncall_owner: str
    tries: int = 0
    failures: int = 0
    rescued: int = 0
    served: Figures = field(default_factory=Figures)

    @property
    def error_ratio(self) -> float | None:
        return self.failures / self.tries if self.tries else None

    @property
    def fallback_ratio(self) -> float | None:
        return self.rescued / self.tries if self.tries else None

    @property
    def refusal_ratio(self) -> float | None:
        return self.served.refusal_rate

    @property
    def malformed_ratio(self) -> float | None:
        return self.served.malformed_rate


def provider_health(rows: Sequence[RollupRow], providers: Sequence[ProviderSpec]) -> list[ProviderHealth]:
    """Health of each declared provider from a roll-up by ("provider",) over user and eval traffic."""
    health = [ProviderHealth(p.name, p.model, p.oncall_owner or "unowned") for p in providers]
    position = {p.name: i for i, p in enumerate(providers)}
    for (provider,), by_class in group_rows(rows, classes=("user", "eval")).items():
        fig = Figures()
        for part in by_class.values():
            fig.merge(part)
        calls = fig.requests - fig.cache_hits
        if provider == NO_PROVIDER:  # every provider failed (a call the budget refused tried none)
            for item in health:
                item.tries += fig.errors
                item.failures += fig.errors
            continue
        index = position.get(provider, len(health))  # an extra fallback comes after the declared ones
        for item in health[:index]:  # the answers flagged as fallbacks passed over these
            item.tries += fig.fallbacks
            item.failures += fig.fallbacks
            item.rescued += fig.fallbacks
        if index < len(health):
            health[index].tries += calls
            health[index].served.merge(fig)
    return health
