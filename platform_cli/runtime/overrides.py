"""The runtime's view of pinned overrides (`platform rollback model | provider`), read with the registry TTL.

Every `ttl_s` the feature reads the latest override of each provider from the shared store; the fallback
chain it calls is then the manifest's with overridden models and without disabled providers, rebuilt only
when the overrides change (unchanged providers keep their circuit breakers). An override applies only
while the manifest still names the model it replaced: the manifest stays the source of record. While the
store is unreachable the last overrides read stay in force.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Sequence

from platform_cli.manifest import Manifest
from platform_cli.providers import Resilient
from platform_cli.store import Store, StoreError

log = logging.getLogger("platform_cli.runtime")

Pins = tuple[tuple[str, str, str | None], ...]  # (provider, action, model), sorted: what the chain uses
Rebuild = Callable[[Manifest], list[Resilient]]


class OverrideView:
    """The overrides in force for one feature, refreshed from the store at most every `ttl_s`."""

    def __init__(
        self, manifest: Manifest, ttl_s: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.manifest = manifest
        self.ttl_s = ttl_s
        self._clock = clock
        self._until = float("-inf")
        self._pins: Pins = ()

    def pins(self, store: Store | None) -> Pins:
        """The overrides to apply now (the ones read last while the store is down or the TTL runs)."""
        if store is None or self._clock() < self._until:
            return self._pins
        try:
            rows = store.current_overrides(self.manifest.name)
        except StoreError as error:
            log.warning("runtime overrides unavailable, keeping the last ones read: %s", error)
            self._until = self._clock() + min(self.ttl_s, 5.0)
            return self._pins
        models = {spec.name: spec.model for spec in self.manifest.providers}
        self._pins = tuple(
            sorted(
                (row.provider, row.action, row.model)
                for row in rows
                if row.action != "clear" and models.get(row.provider) == row.manifest_model
            )
        )
        self._until = self._clock() + self.ttl_s
        return self._pins


def overridden(manifest: Manifest, pins: Pins) -> Manifest:
    """The manifest as the overrides make it: models replaced, disabled providers left out."""
    actions = {provider: (action, model) for provider, action, model in pins}
    specs = []
    for spec in manifest.providers:
        action, model = actions.get(spec.name, ("", None))
        if action == "disable":
            continue
        specs.append(dataclasses.replace(spec, model=model) if action == "model" and model else spec)
    return dataclasses.replace(manifest, providers=specs)


def rebuilt_chain(
    current: Sequence[Resilient], manifest: Manifest, pins: Pins, rebuild: Rebuild
) -> list[Resilient]:
    """The chain for `pins`: new providers where a model changed, the same objects (breakers) otherwise."""
    keep = {(p.name, p.model): p for p in current}
    return [keep.get((p.name, p.model), p) for p in rebuild(overridden(manifest, pins))]
