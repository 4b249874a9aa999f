"""Providers registered by kind: build the adapter a manifest entry names, refusing unpinned models."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from platform_cli.errors import PlatformError, UserError
from platform_cli.manifest import Manifest, ProviderSpec
from platform_cli.models import get_kind, is_offline, judge, kind_names, load_model_table, snapshot_date
from platform_cli.providers import anthropic, openai
from platform_cli.providers.base import Provider
from platform_cli.providers.fake import FakeProvider
from platform_cli.providers.http import KeySource
from platform_cli.providers.resilience import CircuitBreaker, RetryPolicy
from platform_cli.providers.resilient import Resilient
from platform_cli.secretvalue import Secret


@dataclass(frozen=True)
class BuildContext:
    """What a factory may use: the repo root (for fixture files), the manifest, and the key reader."""

    root: Path
    manifest: Manifest | None = None
    keys: Callable[[str], Secret] | None = None  # secret name -> Secret, read at request time


ProviderFactory = Callable[[ProviderSpec, BuildContext], Provider]


def _fake(spec: ProviderSpec, ctx: BuildContext) -> Provider:
    return FakeProvider.from_options(spec.name, spec.model, spec.options, root=ctx.root)


def _key_source(spec: ProviderSpec, ctx: BuildContext) -> KeySource | None:
    name, keys = spec.api_key_secret, ctx.keys
    if name is None or keys is None:
        return None
    return lambda: keys(name)


def _openai(spec: ProviderSpec, ctx: BuildContext) -> Provider:
    return openai.OpenAIProvider(
        spec.name,
        spec.model,
        base_url=spec.base_url or openai.DEFAULT_BASE_URL,
        key=_key_source(spec, ctx),
        timeout_s=spec.timeout_s,
    )


def _openai_compatible(spec: ProviderSpec, ctx: BuildContext) -> Provider:
    if not spec.base_url:
        raise UserError(
            f"{_where(spec, ctx, 'base_url')}: provider '{spec.name}' is openai-compatible but has no "
            "base_url; set it to the server's address, e.g. http://127.0.0.1:8000"
        )
    return openai.OpenAICompatibleProvider(
        spec.name, spec.model, base_url=spec.base_url, key=_key_source(spec, ctx), timeout_s=spec.timeout_s
    )


def _anthropic(spec: ProviderSpec, ctx: BuildContext) -> Provider:
    return anthropic.AnthropicProvider(
        spec.name,
        spec.model,
        base_url=spec.base_url or anthropic.DEFAULT_BASE_URL,
        key=_key_source(spec, ctx),
        timeout_s=spec.timeout_s,
    )


_ADAPTERS: dict[str, ProviderFactory] = {
    "fake": _fake,
    "openai": _openai,
    "openai-compatible": _openai_compatible,
    "anthropic": _anthropic,
}
# One adapter per kind platform_cli.models lists (the one list of kinds); a test checks none is missing.
PROVIDER_KINDS: dict[str, ProviderFactory] = {kind: _ADAPTERS[kind] for kind in kind_names()}


def register_kind(kind: str, factory: ProviderFactory) -> None:
    """Add (or replace) the adapter for `kind`. A new kind must also be described in platform_cli.models
    (`add_kind`) for manifests to be allowed to name it."""
    PROVIDER_KINDS[kind] = factory


def _where(spec: ProviderSpec, ctx: BuildContext, field: str) -> str:
    if ctx.manifest is None:
        return f"provider {spec.name}"
    line = ctx.manifest.line_of(["spec", "providers", spec.index, field])
    return f"{ctx.manifest.display}:{line}" if line else ctx.manifest.display


def check_pinned(spec: ProviderSpec, ctx: BuildContext) -> None:
    """Call only snapshots: refuse what the model table calls an alias (or another vendor's model); an id
    the table does not list must at least be dated in its vendor's style (readiness reports it unknown)."""
    try:
        table = load_model_table()
    except PlatformError as error:
        raise UserError(f"cannot check provider '{spec.name}' model '{spec.model}': {error}") from error
    verdict = judge(table, spec.kind, spec.model, spec.base_url)
    if verdict.status in ("alias", "other-vendor"):
        raise UserError(
            f"{_where(spec, ctx, 'model')}: provider '{spec.name}' model {verdict.explain(table)}; the "
            "runtime only calls pinned snapshots"
        )
    if verdict.status == "unknown" and snapshot_date(spec.kind, spec.model) is None:
        kind = get_kind(spec.kind)
        hint = kind.pin_hint if kind else "use a snapshot id"
        raise UserError(
            f"{_where(spec, ctx, 'model')}: provider '{spec.name}' model '{spec.model}' is a floating alias "
            f"as far as platform-cli can tell (the model table does not list it and it carries no date); "
            f"the runtime only calls pinned snapshots ({hint})"
        )


def build_provider(spec: ProviderSpec, ctx: BuildContext) -> Provider:
    """The raw adapter for `spec` (no retries, no breaker). UserError for an unknown kind or alias."""
    factory = PROVIDER_KINDS.get(spec.kind)
    if factory is None:
        raise UserError(
            f"{_where(spec, ctx, 'kind')}: provider '{spec.name}' has kind '{spec.kind}', which this "
            f"platform-cli cannot call (known: {', '.join(sorted(PROVIDER_KINDS))})"
        )
    if not is_offline(spec.kind):
        check_pinned(spec, ctx)
    return factory(spec, ctx)


def make_resilient(
    provider: Provider,
    spec: ProviderSpec | None,
    *,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> Resilient:
    """Wrap `provider` with the retry policy and breaker `spec` configures (breaker on by default)."""
    options = spec.options if spec is not None else {}
    policy = RetryPolicy.from_options(spec.max_retries if spec is not None else None, options)
    return Resilient(provider, policy, CircuitBreaker.from_options(options), sleep=sleep, rng=rng)
