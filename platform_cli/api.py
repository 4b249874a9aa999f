"""The public API of platform-cli: the one module a generated feature repository (and its tests) imports.

    from platform_cli.api import Feature

    feature = Feature.load(REPO_ROOT)
    result = feature.complete("summarize", {"ticket": text}, user=user_id, segment="billing")

Every name in `__all__` is a contract, pinned with its signature by tests/test_public_api.py, and kept
compatible within a release series (generated repos depend on `platform-cli~=X.Y.Z`). Everything else in
the package is internal and may be renamed or moved in any release; that is why this module exists as a
flat façade instead of `platform_cli.runtime` itself: the runtime's own modules can be split and moved
without any generated repository noticing.

- Serving: `Feature` (load, complete, chat, history, usage_events, flush, close), `Result`, `Usage`.
- Errors a feature catches: `PlatformError` (root of all of them), `UserError` (bad input: a missing prompt
  variable, an undeclared segment), `AllProvidersFailed` (every provider failed; `.failures` says why),
  `PromptUnavailable` (store down and no last-known-good copy).
- Tests: `FakeProvider` (an offline, deterministic provider to append as a fallback), `lint_prompts`
  (every prompt file's problems), `PromptResolver` / `ResolvedPrompt` (resolve a prompt the way the runtime
  does), `load_manifest` / `Manifest` (the manifest), `state_url` (the store the feature uses),
  `UsageEvent` (what `Feature.usage_events()` returns), `Problem` (what `lint_prompts` reports).

Adding a name: import it here, add it to `__all__` and to the pinned table in tests/test_public_api.py, and
say so in the changelog of the release; removing or changing one needs a new major (or, before 1.0, minor)
version, because every generated repository may use it.
"""

from __future__ import annotations

from pathlib import Path

from platform_cli.errors import PlatformError, Problem, UserError
from platform_cli.manifest import Manifest, load_manifest, resolve_state_url
from platform_cli.prompts.errors import PromptUnavailable
from platform_cli.prompts.lint import lint_prompts
from platform_cli.prompts.registry import PromptResolver, ResolvedPrompt
from platform_cli.providers.base import Usage
from platform_cli.providers.fake import FakeProvider
from platform_cli.repo import MANIFEST_NAME
from platform_cli.runtime.feature import Feature
from platform_cli.runtime.result import AllProvidersFailed, Result
from platform_cli.store.runtime import UsageEvent

__all__ = [
    "AllProvidersFailed",
    "FakeProvider",
    "Feature",
    "Manifest",
    "PlatformError",
    "Problem",
    "PromptResolver",
    "PromptUnavailable",
    "ResolvedPrompt",
    "Result",
    "Usage",
    "UsageEvent",
    "UserError",
    "lint_prompts",
    "load_manifest",
    "state_url",
]


def state_url(repo: Path | str) -> str:
    """The state store URL the feature at `repo` uses: $PLATFORM_STATE_URL, else its spec.state.url."""
    return resolve_state_url(load_manifest(Path(repo) / MANIFEST_NAME))
