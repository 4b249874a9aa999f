"""The HTTP adapters against a real HTTP server on 127.0.0.1 speaking the OpenAI and Anthropic formats.

Covers success, usage with cached and reasoning tokens, refusals, 429 + Retry-After, 500, a response slower
than the timeout, malformed JSON, 4xx; retry counts, the circuit breaker opening and half-opening, and the
fallback chain. Where a test must not wait through a backoff, the provider's `sleep` records the waits
instead (the requests themselves are always real); one test sleeps through a real Retry-After.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from llm_server import (
    ANTHROPIC_PATH,
    OPENAI_PATH,
    LLMServer,
    Reply,
    anthropic_body,
    openai_body,
    running_llm_server,
)
from runtime_support import SUMMARIZE, anthropic_entry, openai_entry, write_feature

from platform_cli.errors import UserError
from platform_cli.manifest import ProviderSpec
from platform_cli.providers import BuildContext, ProviderError, Resilient, build_provider, make_resilient
from platform_cli.runtime import AllProvidersFailed, Feature
from platform_cli.secrets import Secret
from platform_cli.store import open_store

KEY = "sk-loopback-test-key-0123456789abcdef"
MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello there"}]
PARAMS = {"temperature": 0, "max_tokens": 32}


@pytest.fixture
def server() -> Iterator[LLMServer]:
    with running_llm_server() as running:
        yield running


def provider(
    server: LLMServer, kind: str = "openai", *, waits: list[float] | None = None, **fields: Any
) -> Resilient:
    models = {"openai": "gpt-4o-2024-08-06", "openai-compatible": "llama-3.1-8b-instruct-2024-07-23",
              "anthropic": "claude-sonnet-4-5-20250929"}  # fmt: skip
    spec = ProviderSpec(
        name=fields.pop("name", "primary"),
        kind=kind,
        model=models[kind],
        base_url=fields.pop("base_url", server.base_url),
        api_key_secret="API_KEY",
        **fields,
    )
    raw = build_provider(spec, BuildContext(Path("."), keys=lambda name: Secret(name, KEY)))
    recorded = waits if waits is not None else []
    return make_resilient(raw, spec, sleep=recorded.append)


# --- success and usage normalization ----------------------------------------------------------------------
def test_openai_usage_counts_cached_tokens_inside_prompt_tokens(server: LLMServer) -> None:
    body = openai_body(
        "Done.", prompt_tokens=1200, cached_tokens=1024, completion_tokens=300, reasoning_tokens=120
    )
    server.script(OPENAI_PATH, Reply(body=body))
    completion = provider(server).complete(MESSAGES, PARAMS)

    usage = completion.usage
    assert (usage.input_tokens, usage.cache_read_tokens, usage.cache_write_tokens) == (1200, 1024, 0)
    assert usage.uncached_input_tokens == 176
    assert (usage.output_tokens, usage.reasoning_tokens) == (300, 120)
    assert completion.text == "Done." and completion.finish_reason == "stop" and not completion.refusal
    assert completion.system_fingerprint == "fp_loopback"
    assert completion.served_model == "gpt-4o-2024-08-06" and completion.attempts == 1

    sent = server.last(OPENAI_PATH)
    assert sent.headers["Authorization"] == f"Bearer {KEY}"
    assert sent.body["model"] == "gpt-4o-2024-08-06"  # the pinned model from the manifest, always
    assert sent.body["messages"] == MESSAGES
    assert sent.body["max_completion_tokens"] == 32 and sent.body["temperature"] == 0


def test_anthropic_usage_adds_cache_reads_and_writes_outside_input_tokens(server: LLMServer) -> None:
    body = anthropic_body(
        "Done.",
        input_tokens=20,
        cache_read_input_tokens=1000,
        cache_creation_input_tokens=180,
        output_tokens=40,
    )
    server.script(ANTHROPIC_PATH, Reply(body=body))
    completion = provider(server, "anthropic").complete(MESSAGES, PARAMS)

    usage = completion.usage
    assert (usage.input_tokens, usage.cache_read_tokens, usage.cache_write_tokens) == (1200, 1000, 180)
    assert usage.uncached_input_tokens == 20
    assert usage.output_tokens == 40 and usage.reasoning_tokens == 0
    assert completion.text == "Done." and completion.finish_reason == "stop"

    sent = server.last(ANTHROPIC_PATH)
    assert sent.headers["x-api-key"] == KEY and sent.headers["anthropic-version"] == "2023-06-01"
    assert "Authorization" not in sent.headers
    assert sent.body["system"] == "Be brief."
    assert sent.body["messages"] == [{"role": "user", "content": "Hello there"}]
    assert sent.body["max_tokens"] == 32 and sent.body["model"] == "claude-sonnet-4-5-20250929"


def test_openai_compatible_base_url_with_v1_is_not_doubled(server: LLMServer) -> None:
    compatible = provider(server, "openai-compatible", base_url=server.base_url + "/v1/")
    assert compatible.complete(MESSAGES, PARAMS).text == "An OpenAI answer."
    sent = server.last(OPENAI_PATH)
    assert sent.body["max_tokens"] == 32  # compatible servers get the classic parameter name


@pytest.mark.parametrize(
    ("path", "kind", "body"),
    [
        (OPENAI_PATH, "openai", openai_body(refusal="I can't help with that.")),
        (OPENAI_PATH, "openai", openai_body("filtered", finish_reason="content_filter")),
        (ANTHROPIC_PATH, "anthropic", anthropic_body("", stop_reason="refusal")),
    ],
    ids=["openai-message-refusal", "openai-content-filter", "anthropic-stop-reason"],
)
def test_refusals_are_detected(server: LLMServer, path: str, kind: str, body: dict[str, Any]) -> None:
    server.script(path, Reply(body=body))
    completion = provider(server, kind).complete(MESSAGES, PARAMS)
    assert completion.refusal is True
    assert completion.finish_reason in ("refusal", "content_filter")


# --- retries -----------------------------------------------------------------------------------------------
def test_429_retry_after_is_honoured_for_real(server: LLMServer) -> None:
    server.script(OPENAI_PATH, Reply(429, {"error": {"message": "slow down"}}, {"Retry-After": "1"}))
    spec = ProviderSpec("primary", "openai", "gpt-4o-2024-08-06", base_url=server.base_url, max_retries=2)
    real = make_resilient(build_provider(spec, BuildContext(Path("."))), spec)  # real time.sleep

    started = time.monotonic()
    completion = real.complete(MESSAGES, PARAMS)
    assert time.monotonic() - started >= 1.0
    assert completion.attempts == 2 and server.count(OPENAI_PATH) == 2


@pytest.mark.parametrize(
    ("header", "value", "seconds"), [("Retry-After", "3", 3.0), ("retry-after-ms", "1500", 1.5)]
)
def test_retry_after_sets_the_wait(server: LLMServer, header: str, value: str, seconds: float) -> None:
    server.script(
        ANTHROPIC_PATH, Reply(429, {"type": "error", "error": {"message": "rate"}}, {header: value})
    )
    waits: list[float] = []
    completion = provider(server, "anthropic", waits=waits).complete(MESSAGES, PARAMS)
    assert completion.attempts == 2
    assert len(waits) == 1 and seconds <= waits[0] <= seconds * 1.1  # honoured, plus at most 10% jitter


def test_a_retry_after_longer_than_the_limit_fails_over_at_once(server: LLMServer) -> None:
    server.script(OPENAI_PATH, Reply(429, {"error": {"message": "quota"}}, {"Retry-After": "120"}))
    waits: list[float] = []
    with pytest.raises(ProviderError) as caught:
        provider(server, waits=waits).complete(MESSAGES, PARAMS)
    assert caught.value.kind == "rate_limit" and caught.value.retry_after_s == 120
    assert waits == [] and server.count(OPENAI_PATH) == 1


def test_500_is_retried_with_jittered_exponential_backoff_then_raised(server: LLMServer) -> None:
    server.script(OPENAI_PATH, *[Reply(500, {"error": {"message": "boom"}})] * 4)
    waits: list[float] = []
    with pytest.raises(ProviderError) as caught:
        provider(server, waits=waits, max_retries=3).complete(MESSAGES, PARAMS)
    assert caught.value.kind == "server" and caught.value.status == 500 and caught.value.attempts == 4
    assert server.count(OPENAI_PATH) == 4
    assert len(waits) == 3
    for retry, wait in enumerate(waits, start=1):
        assert 0 <= wait <= 0.25 * 2 ** (retry - 1)  # full jitter under the exponential cap


def test_a_response_slower_than_the_timeout_is_retried_then_reported(server: LLMServer) -> None:
    server.script(OPENAI_PATH, Reply(delay_s=1.0), Reply(delay_s=1.0))
    with pytest.raises(ProviderError) as caught:
        provider(server, timeout_s=0.2, max_retries=1).complete(MESSAGES, PARAMS)
    assert caught.value.kind == "timeout" and "0.2s" in str(caught.value)
    assert server.count(OPENAI_PATH) == 2


def test_malformed_json_is_retried_and_the_next_good_answer_served(server: LLMServer) -> None:
    server.script(
        OPENAI_PATH, Reply(body="{not json"), Reply(body={"choices": []}), Reply(body=openai_body("ok"))
    )
    completion = provider(server, max_retries=2).complete(MESSAGES, PARAMS)
    assert completion.text == "ok" and completion.attempts == 3


def test_malformed_json_every_time_is_a_malformed_error(server: LLMServer) -> None:
    server.script(ANTHROPIC_PATH, *[Reply(body="<html>gateway</html>")] * 2)
    with pytest.raises(ProviderError) as caught:
        provider(server, "anthropic", max_retries=1).complete(MESSAGES, PARAMS)
    assert caught.value.kind == "malformed"


@pytest.mark.parametrize(("status", "kind"), [(400, "client"), (401, "auth"), (404, "client")])
def test_client_errors_are_not_retried(server: LLMServer, status: int, kind: str) -> None:
    # The body quotes the key the way OpenAI's 401 does: it must not reach the error message.
    server.script(OPENAI_PATH, Reply(status, {"error": {"message": f"Incorrect API key provided: {KEY}"}}))
    with pytest.raises(ProviderError) as caught:
        provider(server).complete(MESSAGES, PARAMS)
    assert caught.value.kind == kind and caught.value.status == status
    assert server.count(OPENAI_PATH) == 1
    assert KEY not in str(caught.value) and KEY[:20] not in repr(caught.value)


# --- circuit breaker ---------------------------------------------------------------------------------------
def test_breaker_opens_fails_fast_then_half_opens_for_one_trial(server: LLMServer) -> None:
    breaker = {"failure_threshold": 2, "reset_after_s": 0.3}
    guarded = provider(server, max_retries=0, options={"circuit_breaker": breaker})
    server.script(OPENAI_PATH, Reply(500), Reply(500))
    for _ in range(2):
        with pytest.raises(ProviderError):
            guarded.complete(MESSAGES, PARAMS)
    assert guarded.state == "open"

    with pytest.raises(ProviderError) as caught:
        guarded.complete(MESSAGES, PARAMS)
    assert caught.value.kind == "breaker_open"
    assert server.count(OPENAI_PATH) == 2  # refused without a request

    time.sleep(0.35)
    assert guarded.state == "half-open"
    server.script(OPENAI_PATH, Reply(500))  # the trial fails: open again
    with pytest.raises(ProviderError):
        guarded.complete(MESSAGES, PARAMS)
    assert guarded.state == "open" and server.count(OPENAI_PATH) == 3

    time.sleep(0.35)
    assert guarded.complete(MESSAGES, PARAMS).text == "An OpenAI answer."  # the trial succeeds
    assert guarded.state == "closed" and server.count(OPENAI_PATH) == 4
    assert guarded.breaker is not None and guarded.breaker.opened_count == 2


def test_breaker_is_on_by_default_even_with_a_single_provider(server: LLMServer, tmp_path: Path) -> None:
    repo = write_feature(tmp_path / "repo", [openai_entry(server.base_url, max_retries=0)])
    server.script(OPENAI_PATH, *[Reply(503)] * 5)
    with Feature.load(repo, secrets=lambda name: Secret(name, KEY), cache_ttl_s=0) as feature:
        for _ in range(5):
            with pytest.raises(AllProvidersFailed):
                feature.complete("summarize", {"ticket": "hi"})
        assert feature.provider_states() == {"primary": "open"}
        with pytest.raises(AllProvidersFailed) as caught:
            feature.complete("summarize", {"ticket": "hi"})
    assert [f.kind for f in caught.value.failures] == ["breaker_open"]
    assert server.count(OPENAI_PATH) == 5


# --- fallback through the runtime --------------------------------------------------------------------------
def test_failing_openai_primary_falls_back_to_anthropic(server: LLMServer, tmp_path: Path) -> None:
    repo = write_feature(
        tmp_path / "repo",
        [
            openai_entry(
                server.base_url, max_retries=1, options={"circuit_breaker": {"failure_threshold": 2}}
            ),
            anthropic_entry(server.base_url),
        ],
    )
    server.script(OPENAI_PATH, *[Reply(500)] * 2)
    answer = anthropic_body("From the fallback.", input_tokens=7, cache_read_input_tokens=3, output_tokens=4)
    server.script(ANTHROPIC_PATH, Reply(body=answer))
    with Feature.load(repo, secrets=lambda name: Secret(name, KEY), sleep=lambda s: None) as feature:
        result = feature.complete("summarize", {"ticket": "Card declined"}, segment="billing")
        assert (result.provider, result.fallback_used, result.text) == (
            "fallback",
            True,
            "From the fallback.",
        )
        assert result.model == "claude-sonnet-4-5-20250929"
        assert (result.usage.input_tokens, result.usage.cache_read_tokens) == (10, 3)
        assert result.attempts == 3  # two to the primary, one to the fallback
        assert feature.provider_states() == {"primary": "open", "fallback": "closed"}

        # With the primary's breaker open, the next call goes straight to the fallback.
        again = feature.complete("summarize", {"ticket": "Another card declined"}, segment="billing")
        assert again.provider == "fallback" and server.count(OPENAI_PATH) == 2
        assert feature.flush()
        with open_store(feature.state_url) as store:
            events = store.usage_events(feature.name)
    assert [(e.provider, e.fallback_used, e.attempts, e.input_tokens) for e in events] == [
        ("fallback", True, 3, 10),
        ("fallback", True, 1, 12),
    ]


def test_floating_model_alias_is_refused(tmp_path: Path) -> None:
    repo = write_feature(tmp_path / "repo", [{**openai_entry("http://127.0.0.1:9"), "model": "gpt-4o"}])
    with pytest.raises(
        UserError, match=r"ai-feature.yaml:\d+: provider 'primary' model 'gpt-4o' is a floating alias"
    ):
        Feature.load(repo, secrets=lambda name: Secret(name, KEY))


def test_a_prompt_cannot_choose_its_own_model(tmp_path: Path) -> None:
    prompt = {**SUMMARIZE, "parameters": {"model": "gpt-4o"}}
    repo = write_feature(tmp_path / "repo", prompts=[prompt])
    with Feature.load(repo) as feature, pytest.raises(UserError, match=r"parameters\.model is not allowed"):
        feature.complete("summarize", {"ticket": "hi"})


def test_a_401_during_rotation_is_retried_once_with_the_previous_key(server: LLMServer) -> None:
    rotated = Secret("API_KEY", "sk-new-key-not-live-yet-000000", previous=Secret("API_KEY", KEY))
    spec = ProviderSpec(
        "primary",
        "openai",
        "gpt-4o-2024-08-06",
        base_url=server.base_url,
        api_key_secret="API_KEY",
        max_retries=0,
    )
    raw = build_provider(spec, BuildContext(Path("."), keys=lambda name: rotated))
    server.script(
        OPENAI_PATH, Reply(401, {"error": {"message": "invalid key"}}), Reply(body=openai_body("ok"))
    )

    assert make_resilient(raw, spec).complete(MESSAGES, PARAMS).text == "ok"
    assert [r.headers["Authorization"] for r in server.requests] == [
        "Bearer sk-new-key-not-live-yet-000000",
        f"Bearer {KEY}",
    ]
