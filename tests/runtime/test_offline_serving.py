"""Offline answers (PLATFORM_OFFLINE) never pass as a real provider's: not in the cache, not in usage."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from llm_server import OPENAI_PATH, LLMServer, Reply, openai_body, running_llm_server
from runtime_support import openai_entry, publish_prompts, write_feature

from platform_cli.runtime import Feature
from platform_cli.secrets import Secret
from platform_cli.store import open_store

TICKET = {"ticket": "My card was charged twice in March."}


@pytest.fixture
def server() -> Iterator[LLMServer]:
    with running_llm_server() as running:
        yield running


def test_an_offline_answer_is_not_served_later_as_the_real_providers(
    tmp_path: Path, server: LLMServer, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = write_feature(tmp_path / "repo", [openai_entry(server.base_url)])
    publish_prompts(repo, store_url)  # a shared store is published by CI, never on first use
    monkeypatch.setenv("PLATFORM_OFFLINE", "1")
    with Feature.load(repo, state_url=store_url) as offline:
        fake = offline.complete("summarize", TICKET)
        assert offline.complete("summarize", TICKET).cache_hit  # offline answers still cache among themselves
        assert offline.flush()
    assert (fake.provider, fake.model) == ("primary", "gpt-4o-2024-08-06")

    monkeypatch.delenv("PLATFORM_OFFLINE")
    server.script(OPENAI_PATH, Reply(body=openai_body("Charged twice in March; refund requested.")))
    with Feature.load(repo, state_url=store_url, secrets=lambda name: Secret(name, "sk-test")) as online:
        real = online.complete("summarize", TICKET)
        assert online.flush()
    assert real.cache_hit is False and real.text == "Charged twice in March; refund requested."

    with open_store(store_url) as store:
        events = store.usage_events("runtime-test")
    assert [(e.cache_hit, e.provider_kind) for e in events] == [
        (False, "fake"), (True, "fake"), (False, "openai"),
    ]  # fmt: skip
    assert {e.model for e in events} == {"gpt-4o-2024-08-06"}  # the kind is what tells them apart
