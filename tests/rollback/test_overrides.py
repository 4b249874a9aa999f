"""`platform rollback model | provider`: pinned overrides with history in the shared store, read by a running
replica within the registry TTL without a restart (a real process calling a real HTTP server on loopback
that speaks the OpenAI and Anthropic wire formats), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from llm_server import ANTHROPIC_PATH, OPENAI_PATH, LLMServer, running_llm_server
from rollback_support import ACTOR, FEATURE, Replica, publish_repo_prompts, write_repo
from runtime_support import anthropic_entry, openai_entry

from platform_cli.cli.main import run
from platform_cli.store import open_store

TTL_S = 1.0
KEY = "sk-test-override-0000000000000000"


@pytest.fixture
def server() -> Iterator[LLMServer]:
    with running_llm_server() as running:
        yield running


@pytest.fixture
def repo(tmp_path: Path, store_url: str, server: LLMServer) -> Path:
    providers = [
        openai_entry(server.base_url, model="gpt-5.1-2025-11-13"),
        anthropic_entry(server.base_url, model="claude-haiku-4-5-20251001"),
    ]
    root = write_repo(tmp_path / "repo", store_url, providers=providers)
    publish_repo_prompts(root, store_url)
    return root


def platform(repo: Path, *args: str) -> int:
    return run(["--repo", str(repo), "rollback", *args])


def requested(server: LLMServer, since: int) -> list[tuple[str, str]]:
    return [(r.path, r.body["model"]) for r in server.requests[since:]]


def test_a_model_override_reaches_a_running_replica_within_the_ttl(
    repo: Path, store_url: str, server: LLMServer, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {**os.environ, "OPENAI_API_KEY": KEY, "ANTHROPIC_API_KEY": KEY}
    replica = Replica(repo, store_url, TTL_S, "online", env=env)
    try:
        assert replica.ask("complete summarize u1 first ticket")["provider"] == "primary"
        assert requested(server, 0) == [(OPENAI_PATH, "gpt-5.1-2025-11-13")]

        reason = "5.1 refuses billing questions"
        assert platform(repo, "model", "primary", "--to", "gpt-4o-2024-08-06", "--reason", reason) == 0
        assert "model pinned to gpt-4o-2024-08-06" in capsys.readouterr().out
        changed_at = time.monotonic()
        seen = len(server.requests)
        while True:  # the same process, no restart: the next calls after the TTL use the pinned model
            replica.ask(f"complete summarize u1 ticket {len(server.requests)}")
            models = {model for _, model in requested(server, seen)}
            if "gpt-4o-2024-08-06" in models:
                break
            assert time.monotonic() - changed_at < TTL_S + 2.0, (
                "the override was not picked up within the TTL"
            )
            time.sleep(0.1)
        assert time.monotonic() - changed_at >= 0  # took effect; and from then on only the pinned model
        seen = len(server.requests)
        for number in range(3):
            replica.ask(f"complete summarize u2 after the pin {number}")
        assert set(requested(server, seen)) == {(OPENAI_PATH, "gpt-4o-2024-08-06")}

        # take the primary out of the chain: the fallback serves, still without a restart
        assert platform(repo, "provider", "primary", "--disable", "--reason", "vendor incident") == 0
        time.sleep(TTL_S + 0.3)
        seen = len(server.requests)
        assert replica.ask("complete summarize u3 while primary is disabled")["provider"] == "fallback"
        assert requested(server, seen) == [(ANTHROPIC_PATH, "claude-haiku-4-5-20251001")]

        # enabled again: back on its pin (not on the model the pin was for); then the pin ends too
        assert platform(repo, "provider", "primary", "--enable", "--reason", "recovered") == 0
        assert "enabled again, pinned to gpt-4o-2024-08-06 as before" in capsys.readouterr().out
        time.sleep(TTL_S + 0.3)
        seen = len(server.requests)
        assert replica.ask("complete summarize u4 enabled again")["provider"] == "primary"
        assert requested(server, seen) == [(OPENAI_PATH, "gpt-4o-2024-08-06")]
        assert platform(repo, "model", "primary", "--clear", "--reason", "manifest decides again") == 0
        time.sleep(TTL_S + 0.3)
        seen = len(server.requests)
        assert replica.ask("complete summarize u5 back to normal")["provider"] == "primary"
        assert requested(server, seen) == [(OPENAI_PATH, "gpt-5.1-2025-11-13")]
    finally:
        replica.stop()

    with open_store(store_url) as store:
        history = store.override_history(FEATURE)
        audit = store.rollback_audit(FEATURE)
    assert [(o.provider, o.action, o.model) for o in reversed(history)] == [
        ("primary", "model", "gpt-4o-2024-08-06"),
        ("primary", "disable", None),
        ("primary", "model", "gpt-4o-2024-08-06"),
        ("primary", "clear", None),
    ]
    assert [(e.kind, e.reason) for e in reversed(audit)] == [
        ("model", reason), ("provider", "vendor incident"), ("provider", "recovered"),
        ("model", "manifest decides again"),
    ]  # fmt: skip


def test_only_pinned_snapshots_the_vendor_serves_are_accepted(
    repo: Path, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    refused = {
        "gpt-4o": "floating alias",
        "gpt-4o-2099-01-01": "not in the model table",
        "claude-haiku-4-5-20251001": "anthropic model",
        "gpt-3.5-turbo-0613": "retired it on 2024-06-13",
        "gpt-5.1-2025-11-13": "already names",
    }
    for model, why in refused.items():
        assert platform(repo, "model", "primary", "--to", model, "--reason", "x") == 2, model
        assert why in capsys.readouterr().err, model
    assert platform(repo, "model", "nosuch", "--to", "gpt-4o-2024-08-06", "--reason", "x") == 2
    assert "spec.providers: primary, fallback" in capsys.readouterr().err
    assert platform(repo, "model", "primary", "--reason", "x") == 2  # neither --to nor --clear
    capsys.readouterr()
    with open_store(store_url) as store:
        assert store.override_history(FEATURE) == []


def test_dry_runs_repeats_and_the_last_provider(
    repo: Path, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("model", "primary", "--to", "gpt-4o-2024-08-06", "--reason", "regression", "--author", ACTOR)
    assert platform(repo, *args, "--dry-run", "--format", "json") == 0
    assert json.loads(capsys.readouterr().out)["dry_run"] is True
    with open_store(store_url) as store:
        assert store.override_history(FEATURE) == []
    assert platform(repo, *args) == 0
    assert platform(repo, *args) == 0  # the same override again: nothing new is written
    assert "nothing to do: provider primary is already pinned to gpt-4o-2024-08-06" in capsys.readouterr().out
    assert platform(repo, "provider", "fallback", "--disable", "--reason", "outage") == 0
    assert platform(repo, "provider", "primary", "--disable", "--reason", "outage too") == 4
    assert "would leave rollback-test no provider to call" in capsys.readouterr().err
    assert platform(repo, "history", "--format", "json") == 0
    shown = json.loads(capsys.readouterr().out)["overrides"]
    assert [(o["provider"], o["action"], o["applies"]) for o in shown] == [
        ("fallback", "disable", True), ("primary", "model", True),
    ]  # fmt: skip
    assert platform(repo, "audit", "--format", "json") == 0
    entries = json.loads(capsys.readouterr().out)["entries"]
    assert platform(repo, "model", "fallback", "--to", "claude-haiku-4-5-20251001", "--reason", "x") == 2
    assert platform(repo, "model", "fallback", "--clear", "--reason", "x") == 4  # disabled: enable it first
    assert "enable it first" in capsys.readouterr().err
    assert [e["summary"] for e in entries][-1] == (
        "provider primary: model pinned to gpt-4o-2024-08-06 (manifest: gpt-5.1-2025-11-13)"
    )
