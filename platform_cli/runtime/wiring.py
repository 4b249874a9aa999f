"""Build a feature's parts from its manifest: the manifest itself and the provider fallback chain."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from platform_cli.errors import UserError
from platform_cli.manifest import Manifest, load_manifest
from platform_cli.providers import (
    BuildContext,
    FakeProvider,
    Provider,
    Resilient,
    build_provider,
    make_resilient,
)
from platform_cli.repo import MANIFEST_NAME, find_repo
from platform_cli.secrets import Secret, SecretReader


def offline_from_env() -> bool:
    """$PLATFORM_OFFLINE is set: serve every provider with the deterministic fake."""
    return os.environ.get("PLATFORM_OFFLINE", "").lower() in {"1", "true", "yes"}


def manifest_of(target: Path | str | Manifest | None) -> Manifest:
    """The manifest at `target`: a loaded Manifest, an ai-feature.yaml, or a directory in a feature repo."""
    if isinstance(target, Manifest):
        return target
    path = Path(target) if target is not None else None
    if path is not None and path.is_file():
        return load_manifest(path)
    return load_manifest(find_repo(start=path) / MANIFEST_NAME)


def provider_chain(
    manifest: Manifest,
    *,
    fail_providers: Iterable[str] = (),
    fallbacks: Sequence[Provider] = (),
    offline: bool = False,
    secrets: Callable[[str], Secret] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Resilient]:
    """The declared providers in fallback order, each behind retries and a breaker, then `fallbacks`.

    A provider named in `fail_providers` fails every call; `offline` serves every real provider with a
    FakeProvider seeded from its options (a fake one is built as declared).
    """
    failing = set(fail_providers)
    unknown = failing - {p.name for p in manifest.providers}
    if unknown:
        raise UserError(f"fail_providers names unknown provider(s): {', '.join(sorted(unknown))}")
    keys = secrets if secrets is not None else SecretReader(manifest).get
    ctx = BuildContext(manifest.root, manifest, keys=keys)
    chain: list[Resilient] = []
    for spec in manifest.providers:
        raw: Provider
        if spec.name in failing:
            raw = FakeProvider(spec.name, spec.model, fail=True)
        elif offline and spec.kind != FakeProvider.kind:
            raw = FakeProvider(spec.name, spec.model, seed=int(spec.options.get("seed", 0)))
        else:
            raw = build_provider(spec, ctx)
        chain.append(make_resilient(raw, spec, sleep=sleep))
    for extra in fallbacks:
        chain.append(extra if isinstance(extra, Resilient) else make_resilient(extra, None, sleep=sleep))
    return chain
