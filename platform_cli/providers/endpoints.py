"""The HTTP adapter of each provider kind, by kind: what key checks ask for a server's URL and key headers.

A key is tested the way the runtime will use it: `platform secrets rotate/verify` call the models list
beside the completions endpoint of the same adapter (`HTTPProvider.models_url`, built by the same
`api_url` as the runtime's URL), with the same headers (`auth_headers`). Nothing here repeats a vendor's
URL or header name.
"""

from __future__ import annotations

from platform_cli.providers.anthropic import AnthropicProvider
from platform_cli.providers.http import HTTPProvider
from platform_cli.providers.openai import OpenAICompatibleProvider, OpenAIProvider

HTTP_ADAPTERS: dict[str, type[HTTPProvider]] = {
    adapter.kind: adapter for adapter in (OpenAIProvider, OpenAICompatibleProvider, AnthropicProvider)
}


def http_adapter(kind: str) -> type[HTTPProvider] | None:
    """The adapter class of `kind`, or None for a kind that is not called over HTTP (fake) or unknown."""
    return HTTP_ADAPTERS.get(kind)
