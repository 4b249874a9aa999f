"""One HTTP policy for every outbound call, against real servers on 127.0.0.1 (two ports = two origins).

Before it, the Anthropic adapter's `x-api-key` followed a 307 to another host (requests strips only
`Authorization`), and the key check then "passed" on the other host's answer; a vendor error was cut to
200 characters before the key was scrubbed, so a key straddling the cut leaked into the message.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from llm_server import ANTHROPIC_PATH, OPENAI_PATH, LLMServer, Reply, running_llm_server

from platform_cli.httpclient import (
    RedirectRefused,
    ResponseTooLarge,
    excerpt,
    new_session,
    redact,
)
from platform_cli.manifest import ProviderSpec
from platform_cli.providers import BuildContext, ProviderError, build_provider
from platform_cli.secrets import Secret
from platform_cli.secrets.checks import ModelsListCheck
from platform_cli.secrets.model import SecretUnavailable
from platform_cli.secrets.vault import VaultBackend

KEY = "sk-ant-api03-LoopbackSecretKey0123456789abcdefXYZ"
MODELS = {"anthropic": "claude-sonnet-4-5-20250929", "openai": "gpt-4o-2024-08-06"}


@pytest.fixture
def servers() -> Iterator[tuple[LLMServer, LLMServer]]:
    with running_llm_server() as origin, running_llm_server() as elsewhere:
        yield origin, elsewhere


def _provider(base_url: str, kind: str, key: str = KEY) -> object:
    spec = ProviderSpec("primary", kind, MODELS[kind], base_url=base_url, api_key_secret="K", max_retries=0)
    return build_provider(spec, BuildContext(Path("."), keys=lambda name: Secret(name, key)))


def _seen_key(server: LLMServer) -> bool:
    return any(KEY in value for r in server.requests for value in r.headers.values())


@pytest.mark.parametrize(("kind", "path"), [("anthropic", ANTHROPIC_PATH), ("openai", OPENAI_PATH)])
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_provider_key_never_follows_a_redirect_to_another_origin(
    servers: tuple[LLMServer, LLMServer], kind: str, path: str, status: int
) -> None:
    origin, elsewhere = servers
    origin.script(path, Reply(status, headers={"Location": f"{elsewhere.base_url}{path}"}))
    raw = _provider(origin.base_url, kind)
    with pytest.raises(ProviderError, match="redirected to another origin") as caught:
        raw.complete([{"role": "user", "content": "hi"}], {})  # type: ignore[attr-defined]
    assert elsewhere.requests == []
    assert KEY not in str(caught.value)


def test_a_same_origin_redirect_is_followed_with_its_credentials(
    servers: tuple[LLMServer, LLMServer],
) -> None:
    origin, _ = servers
    origin.script("/old", Reply(307, headers={"Location": ANTHROPIC_PATH}))
    raw = _provider(origin.base_url + "/old", "anthropic")
    raw.url = origin.base_url + "/old"  # type: ignore[attr-defined]
    completion = raw.complete([{"role": "user", "content": "hi"}], {})  # type: ignore[attr-defined]
    assert completion.text
    assert origin.last(ANTHROPIC_PATH).headers["x-api-key"] == KEY


@pytest.mark.parametrize("kind", ["anthropic", "openai"])
def test_a_key_check_does_not_pass_on_another_hosts_answer(
    servers: tuple[LLMServer, LLMServer], kind: str
) -> None:
    origin, elsewhere = servers
    origin.script("/v1/models", Reply(307, headers={"Location": f"{elsewhere.base_url}/v1/models"}))
    result = ModelsListCheck(f"{origin.base_url}/v1/models", kind).run(KEY)
    assert not result.ok and "another origin" in result.detail
    assert elsewhere.requests == []


def test_vault_token_never_follows_a_redirect(servers: tuple[LLMServer, LLMServer]) -> None:
    origin, elsewhere = servers
    target = f"{elsewhere.base_url}/v1/secret/metadata/ai/x"
    origin.script("/v1/secret/metadata/ai/x", Reply(307, headers={"Location": target}))
    backend = VaultBackend("K", "ai/x", addr=origin.base_url, token="hvs.LoopbackVaultToken0123456789")
    with pytest.raises(SecretUnavailable, match="another origin"):
        backend.describe()
    assert elsewhere.requests == []


@pytest.mark.parametrize("header", ["x-api-key", "X-Custom-Token", "Authorization", "Cookie"])
def test_any_header_stays_with_its_origin(servers: tuple[LLMServer, LLMServer], header: str) -> None:
    origin, elsewhere = servers
    origin.script("/x", Reply(302, headers={"Location": f"{elsewhere.base_url}/y"}))
    with new_session({header: KEY}) as session, pytest.raises(RedirectRefused):
        session.get(f"{origin.base_url}/x")
    assert elsewhere.requests == []


def test_an_oversized_answer_is_refused_before_it_is_held(servers: tuple[LLMServer, LLMServer]) -> None:
    origin, _ = servers
    origin.script(OPENAI_PATH, Reply(body='{"x": "' + "a" * 9_000_000 + '"}'))
    raw = _provider(origin.base_url, "openai")
    with pytest.raises(ProviderError, match="answered 9000009 bytes") as caught:
        raw.complete([{"role": "user", "content": "hi"}], {})  # type: ignore[attr-defined]
    assert caught.value.kind == "malformed"
    origin.script("/big", Reply(body="b" * 5000))
    with new_session(max_response_bytes=1000) as session, pytest.raises(ResponseTooLarge):
        session.get(f"{origin.base_url}/big")
    assert isinstance(ResponseTooLarge("x"), requests.RequestException)


# a vendor-shaped key, and a key with no vendor shape (an OpenAI-compatible gateway's): only the value
# itself says what to redact, so a cut before redaction would leave its first characters in the message
CUSTOM_KEY = "Zq8wLmN3pR7tY2vB5kX9cD4fG6hJ"


@pytest.mark.parametrize("key", [KEY, CUSTOM_KEY])
@pytest.mark.parametrize("offset", range(150, 215, 5))
def test_a_key_straddling_the_excerpt_cut_never_leaks(
    servers: tuple[LLMServer, LLMServer], offset: int, key: str
) -> None:
    origin, _ = servers
    message = "x" * offset + f" key {key} was rejected"
    origin.script(ANTHROPIC_PATH, Reply(401, {"error": {"type": "authentication_error", "message": message}}))
    with pytest.raises(ProviderError) as caught:
        _provider(origin.base_url, "anthropic", key).complete([{"role": "user", "content": "hi"}], {})  # type: ignore[attr-defined]
    text = str(caught.value)
    for start in range(len(key) - 8):
        assert key[start : start + 8] not in text, f"8 characters of the key leaked at offset {offset}"


def test_redact_removes_echoed_parts_and_key_shapes() -> None:
    custom = "Zq8wLmN3pR7tY2vB5kX9"  # an OpenAI-compatible server's key with no vendor prefix
    text = f"key Zq8wLmN3pR7t... is invalid; Bearer {custom}; x-api-key: {custom}; AKIAABCDEFGHIJKLMNOP"
    cleaned = redact(text, (custom,))
    assert "Zq8wLmN3" not in cleaned and "AKIAABCDEFGH" not in cleaned
    assert excerpt("a" * 500, (), 50).endswith("…") and len(excerpt("a" * 500, (), 50)) == 50


def test_proxy_variables_are_honoured_per_origin_and_read_once_per_session(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example")
    session = new_session()
    through = session.merge_environment_settings("https://api.example/v1/x", {}, True, True, None)
    direct = session.merge_environment_settings("https://internal.example/v1/x", {}, True, True, None)
    assert through["proxies"].get("https") == "http://127.0.0.1:3128"
    assert "https" not in direct["proxies"]
    through["proxies"]["https"] = "http://changed.example"  # requests may change what it is given...
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9999")  # ...and the environment is read once
    again = session.merge_environment_settings("https://api.example/v1/y", {}, True, True, None)
    assert again["proxies"].get("https") == "http://127.0.0.1:3128"
    assert (
        new_session()
        .merge_environment_settings("https://api.example/", {}, True, True, None)["proxies"]
        .get("https")
        == "http://127.0.0.1:9999"
    )  # a new session reads it again
