"""`platform rollback model | provider`: pinned overrides with history in the shared store, read by running
replicas within the registry TTL without a restart (a real process calling a real HTTP server on loopback
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


def after_the_ttl(written: float) -> None:
    """Wait until a whole TTL has passed since the store write that returned at `written` (monotonic, the
    same clock in every process): a replica re-reads overrides on its first call a TTL after its last read,
    and that read was before the write (else it saw it), so every call from now on must see the write."""
    time.sleep(max(0.0, written + TTL_S + 0.01 - time.monotonic()))


def test_a_model_override_reaches_running_replicas_within_the_ttl(
    repo: Path, store_url: str, server: LLMServer, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {**os.environ, "OPENAI_API_KEY": KEY, "ANTHROPIC_API_KEY": KEY}
    replicas = [Replica(repo, store_url, TTL_S, "online", env=env) for _ in range(2)]
    try:
        for number, replica in enumerate(replicas):  # both read the overrides (none), call 5.1 (no cache hit)
            assert (
                replica.ask(f"complete summarize u1 replica {number} first ticket")["provider"] == "primary"
            )
        assert requested(server, 0) == [(OPENAI_PATH, "gpt-5.1-2025-11-13")] * 2

        reason = "5.1 refuses billing questions"
        assert platform(repo, "model", "primary", "--to", "gpt-4o-2024-08-06", "--reason", reason) == 0
        written = time.monotonic()
        assert "model pinned to gpt-4o-2024-08-06" in capsys.readouterr().out
        after_the_ttl(written)  # the same processes, no restart: every call after the TTL uses the pin
        seen = len(server.requests)
        for number in range(3):
            for index, replica in enumerate(replicas):  # distinct texts: no call is a cache hit
                replica.ask(f"complete summarize u2 replica {index} after the pin {number}")
        assert requested(server, seen) == [(OPENAI_PATH, "gpt-4o-2024-08-06")] * 6

        # take the primary out of the chain: the fallback serves, still without a restart
        assert platform(repo, "provider", "primary", "--disable", "--reason", "vendor incident") == 0
        after_the_ttl(time.monotonic())
        for index, replica in enumerate(replicas):
            seen = len(server.requests)
            assert (
                replica.ask(f"complete summarize u3 replica {index} while primary is disabled")["provider"]
                == "fallback"
            )
            assert requested(server, seen) == [(ANTHROPIC_PATH, "claude-haiku-4-5-20251001")]

        # enabled again: back on its pin (not on the model the pin was for); then the pin ends too
        assert platform(repo, "provider", "primary", "--enable", "--reason", "recovered") == 0
        after_the_ttl(time.monotonic())
        assert "enabled again, pinned to gpt-4o-2024-08-06 as before" in capsys.readouterr().out
        for index, replica in enumerate(replicas):
            seen = len(server.requests)
            assert (
                replica.ask(f"complete summarize u4 replica {index} enabled again")["provider"] == "primary"
            )
            assert requested(server, seen) == [(OPENAI_PATH, "gpt-4o-2024-08-06")]
        assert platform(repo, "model", "primary", "--clear", "--reason", "manifest decides again") == 0
        after_the_ttl(time.monotonic())
        for index, replica in enumerate(replicas):
            seen = len(server.requests)
            assert (
                replica.ask(f"complete summarize u5 replica {index} back to normal")["provider"] == "primary"
            )
            assert requested(server, seen) == [(OPENAI_PATH, "gpt-5.1-2025-11-13")]
    finally:
        for replica in replicas:
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
