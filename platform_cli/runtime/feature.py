"""The feature runtime: resolve the prompt, render it, call providers in fallback order, report what served.

This is the day-0 runtime: prompts come from the repo's `prompts/` files and the `fake` provider serves
offline. The registry, HTTP providers, cache and usage ledger plug in behind this same API.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platform_cli.errors import UserError
from platform_cli.manifest import Manifest, ProviderSpec, load_manifest
from platform_cli.prompts import PromptFile, load_prompt, render_messages
from platform_cli.providers import FakeProvider, Provider, ProviderError, Usage
from platform_cli.repo import find_repo


@dataclass(frozen=True)
class Result:
    text: str
    prompt: str
    prompt_version: str  # the content hash of the version served (a registry number once published)
    provider: str
    model: str
    usage: Usage
    latency_s: float
    fallback_used: bool
    cache_hit: bool = False
    finish_reason: str = "stop"


class AllProvidersFailed(UserError):
    """Every provider in the fallback chain failed; the message lists why each one did."""


def _offline() -> bool:
    return os.environ.get("PLATFORM_OFFLINE", "").lower() in {"1", "true", "yes"}


def _build_provider(spec: ProviderSpec, fail: bool) -> Provider:
    if spec.kind == "fake" or _offline() or fail:
        seed = int((spec.options or {}).get("seed", 0))
        return FakeProvider(spec.name, spec.model, seed=seed, fail=fail)
    raise UserError(
        f"provider {spec.name!r} (kind {spec.kind}) is not available in this version of platform-cli yet; "
        "set PLATFORM_OFFLINE=1 to serve it with the offline fake provider"
    )


class Feature:
    """One AI feature, wired from its manifest."""

    def __init__(self, root: Path, manifest: Manifest, providers: list[Provider]) -> None:
        self.root = root
        self.manifest = manifest
        self.providers = providers
        self._prompts: dict[str, PromptFile] = {}

    @classmethod
    def load(cls, repo: Path | str | None = None, *, fail_providers: Iterable[str] = ()) -> Feature:
        """Load the feature at `repo` (or the nearest parent with ai-feature.yaml).

        `fail_providers` names providers that must fail every call: fault injection for fallback tests.
        """
        root = find_repo(start=Path(repo) if repo is not None else None)
        manifest = load_manifest(root / "ai-feature.yaml")
        failing = set(fail_providers)
        unknown = failing - {p.name for p in manifest.providers}
        if unknown:
            raise UserError(f"fail_providers names unknown provider(s): {', '.join(sorted(unknown))}")
        providers = [_build_provider(p, p.name in failing) for p in manifest.providers]
        return cls(root, manifest, providers)

    def prompt(self, name: str) -> PromptFile:
        if name not in self._prompts:
            self._prompts[name] = load_prompt(self.root / "prompts", name)
        return self._prompts[name]

    def complete(
        self,
        prompt: str,
        variables: Mapping[str, Any],
        *,
        user: str | None = None,
        segment: str | None = None,
    ) -> Result:
        """Render `prompt` with `variables` and call the providers in fallback order."""
        if segment is not None and self.manifest.segments and segment not in self.manifest.segments:
            raise UserError(
                f"segment {segment!r} is not declared in ai-feature.yaml (declared: "
                f"{', '.join(self.manifest.segments)})"
            )
        prompt_file = self.prompt(prompt)
        messages = render_messages(prompt_file, variables)
        failures: list[str] = []
        started = time.perf_counter()
        for index, provider in enumerate(self.providers):
            try:
                completion = provider.complete(messages, prompt_file.parameters)
            except ProviderError as error:
                failures.append(str(error))
                continue
            return Result(
                text=completion.text,
                prompt=prompt,
                prompt_version=prompt_file.content_hash[:12],
                provider=provider.name,
                model=completion.model,
                usage=completion.usage,
                latency_s=time.perf_counter() - started,
                fallback_used=index > 0,
                finish_reason=completion.finish_reason,
            )
        raise AllProvidersFailed("every provider failed: " + "; ".join(failures))
