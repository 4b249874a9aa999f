"""Providers are built by kind from manifest entries; keys stay out of reprs and error text."""

from __future__ import annotations

from pathlib import Path

import pytest

from platform_cli.errors import UserError
from platform_cli.httpclient import redact as scrub
from platform_cli.manifest import ProviderSpec
from platform_cli.providers import (
    PROVIDER_KINDS,
    BuildContext,
    FakeProvider,
    Provider,
    ProviderError,
    build_provider,
    register_kind,
)
from platform_cli.providers.anthropic import AnthropicProvider
from platform_cli.providers.http import api_url
from platform_cli.providers.openai import OpenAICompatibleProvider, OpenAIProvider
from platform_cli.secrets import Secret

KEY = "sk-proj-registry-test-abcdefghijklmnop"
CTX = BuildContext(Path("."), keys=lambda name: Secret(name, KEY))


def test_every_manifest_kind_has_an_adapter() -> None:
    built = {
        kind: build_provider(ProviderSpec("p", kind, model, base_url="http://127.0.0.1:9"), CTX)
        for kind, model in [
            ("fake", "fake-chat-2025-01-01"),
            ("openai", "gpt-4o-2024-08-06"),
            ("openai-compatible", "llama-3.1-8b-instruct-2024-07-23"),
            ("anthropic", "claude-sonnet-4-5-20250929"),
        ]
    }
    assert set(built) == set(PROVIDER_KINDS)
    assert isinstance(built["fake"], FakeProvider)
    assert (
        type(built["openai"]) is OpenAIProvider
        and type(built["openai-compatible"]) is OpenAICompatibleProvider
    )
    assert isinstance(built["anthropic"], AnthropicProvider)
    for provider in built.values():
        assert KEY not in repr(provider) and KEY not in str(vars(provider))


def test_default_base_urls_and_v1_handling() -> None:
    openai = build_provider(ProviderSpec("p", "openai", "gpt-4o-2024-08-06"), CTX)
    anthropic = build_provider(ProviderSpec("p", "anthropic", "claude-sonnet-4-5-20250929"), CTX)
    assert isinstance(openai, OpenAIProvider) and openai.url == "https://api.openai.com/v1/chat/completions"
    assert (
        isinstance(anthropic, AnthropicProvider) and anthropic.url == "https://api.anthropic.com/v1/messages"
    )
    assert (
        api_url("https://api.openai.com/v1", "/v1/chat/completions")
        == "https://api.openai.com/v1/chat/completions"
    )
    assert api_url("http://127.0.0.1:8000/", "/v1/messages") == "http://127.0.0.1:8000/v1/messages"


def test_openai_compatible_needs_a_base_url() -> None:
    with pytest.raises(UserError, match="openai-compatible but has no base_url"):
        build_provider(ProviderSpec("local", "openai-compatible", "llama-3.1-8b-instruct-2024-07-23"), CTX)


@pytest.mark.parametrize(
    ("kind", "model"),
    [("openai", "gpt-4o"), ("anthropic", "claude-3-5-sonnet-latest"), ("anthropic", "claude-sonnet-4-5")],
)
def test_floating_aliases_are_refused(kind: str, model: str) -> None:
    with pytest.raises(UserError, match="floating alias"):
        build_provider(ProviderSpec("p", kind, model), CTX)


def test_unknown_kind_and_registering_one() -> None:
    spec = ProviderSpec("p", "local-llm", "local-2025-01-01")
    with pytest.raises(UserError, match="kind 'local-llm', which this platform-cli cannot call"):
        build_provider(spec, CTX)

    def factory(spec: ProviderSpec, ctx: BuildContext) -> Provider:
        return FakeProvider(spec.name, spec.model, echo=True)

    register_kind("local-llm", factory)
    try:
        provider = build_provider(spec, CTX)
        assert provider.complete([{"role": "user", "content": "ping"}], {}).text == "ping"
    finally:
        del PROVIDER_KINDS["local-llm"]


def test_scrub_removes_keys_even_partly_masked() -> None:
    text = f"Incorrect API key provided: sk-proj-abc*****wxyz; header Bearer {KEY}; x-api-key: {KEY} ({KEY})"
    cleaned = scrub(text, (KEY,))
    assert KEY not in cleaned and "abc*****wxyz" not in cleaned and "sk-proj-abc" not in cleaned
    assert cleaned.count("***") >= 4


def test_provider_error_repr_and_retryable_kinds() -> None:
    error = ProviderError("primary", "HTTP 503", kind="server", status=503)
    assert error.retryable and repr(error) == "ProviderError('primary', kind='server', status=503)"
    assert not ProviderError("primary", "HTTP 400", kind="client").retryable
    assert not ProviderError("primary", "no key", kind="auth").retryable
