"""The runtime reads provider overrides from the shared store with the registry TTL: a running replica (a real
process calling a real HTTP server on loopback that speaks the OpenAI and Anthropic wire formats) switches
models and providers without a restart, on SQLite and PostgreSQL. Rows are written with the store API here;
the commands that write them are tested with the model table."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from llm_server import ANTHROPIC_PATH, OPENAI_PATH, LLMServer, running_llm_server
from rollback_support import ACTOR, FEATURE, Replica, publish_repo_prompts, write_repo
from runtime_support import anthropic_entry, openai_entry

from platform_cli.store import open_store
from platform_cli.store.engine import utc_timestamp
from platform_cli.store.rollback import OverrideRecord

TTL_S = 1.0
KEY = "sk-test-override-0000000000000000"
MANIFEST_MODEL = "gpt-5.1-2025-11-13"


@pytest.fixture
def server() -> Iterator[LLMServer]:
    with running_llm_server() as running:
        yield running


def override(url: str, action: str, model: str | None = None, manifest_model: str = MANIFEST_MODEL) -> None:
    with open_store(url) as store:
        store.add_runtime_override(
            OverrideRecord(
                0, FEATURE, "primary", action, model, manifest_model, utc_timestamp(), ACTOR, "test"
            )
        )


def requested(server: LLMServer, since: int) -> list[tuple[str, str]]:
    return [(r.path, r.body["model"]) for r in server.requests[since:]]


def served_after_ttl(replica: Replica, server: LLMServer, user: str) -> list[tuple[str, str]]:
    time.sleep(TTL_S + 0.3)
    seen = len(server.requests)
    replica.ask(f"complete summarize {user} a ticket from {user}")
    return requested(server, seen)


def test_a_running_replica_follows_overrides_within_the_ttl(
    tmp_path: Path, store_url: str, server: LLMServer
) -> None:
    providers = [
        openai_entry(server.base_url, model=MANIFEST_MODEL),
        anthropic_entry(server.base_url, model="claude-haiku-4-5-20251001"),
    ]
    repo = write_repo(tmp_path / "repo", store_url, providers=providers)
    publish_repo_prompts(repo, store_url)
    env = {**os.environ, "OPENAI_API_KEY": KEY, "ANTHROPIC_API_KEY": KEY}
    replica = Replica(repo, store_url, TTL_S, "online", env=env)
    try:
        assert served_after_ttl(replica, server, "u1") == [(OPENAI_PATH, MANIFEST_MODEL)]
        override(store_url, "model", "gpt-4o-2024-08-06")
        assert served_after_ttl(replica, server, "u2") == [(OPENAI_PATH, "gpt-4o-2024-08-06")]
        override(store_url, "disable")
        assert served_after_ttl(replica, server, "u3") == [(ANTHROPIC_PATH, "claude-haiku-4-5-20251001")]
        # an override written for a model the manifest no longer names does not apply
        override(store_url, "model", "gpt-4o-2024-08-06", manifest_model="gpt-4.1-2025-04-14")
        assert served_after_ttl(replica, server, "u4") == [(OPENAI_PATH, MANIFEST_MODEL)]
        override(store_url, "clear")
        assert served_after_ttl(replica, server, "u5") == [(OPENAI_PATH, MANIFEST_MODEL)]
    finally:
        replica.stop()
