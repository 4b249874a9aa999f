"""Model providers behind one Protocol, registered by kind: fake, openai, openai-compatible, anthropic.

provider = build_provider(spec, BuildContext(root, manifest, keys=reader.get))   # raw adapter
guarded = make_resilient(provider, spec)      # retries + backoff + Retry-After + circuit breaker
completion = guarded.complete(messages, params)
"""

from platform_cli.providers.base import Completion, Provider, ProviderError, Usage
from platform_cli.providers.fake import FakeProvider
from platform_cli.providers.registry import (
    PROVIDER_KINDS,
    BuildContext,
    build_provider,
    check_pinned,
    make_resilient,
    register_kind,
)
from platform_cli.providers.resilience import CircuitBreaker, RetryPolicy, parse_retry_after
from platform_cli.providers.resilient import Resilient

__all__ = [
    "PROVIDER_KINDS",
    "BuildContext",
    "CircuitBreaker",
    "Completion",
    "FakeProvider",
    "Provider",
    "ProviderError",
    "Resilient",
    "RetryPolicy",
    "Usage",
    "build_provider",
    "check_pinned",
    "make_resilient",
    "parse_retry_after",
    "register_kind",
]
