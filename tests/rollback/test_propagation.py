"""The issue's end-to-end check, on SQLite and a real PostgreSQL: v1 in production, v2 on a 10% canary
(both prompts); three replica processes fill caches and histories; `platform rollback prompt` runs in a
fourth. Then no v2 answer is served from any cache (not even one a replica queued itself, nor one a slow
writer wrote after the purge), v2 turns are absent from rebuilt histories, the baseline is v1's, the canary
allocation is zero, the audit is complete, and every replica serves v1 within the (short, injected) TTL."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from rollback_support import ACTOR, FEATURE, Replica, eval_run, v1_production_v2_canary, write_repo

from platform_cli.prompts.portfolio import current_allocations
from platform_cli.prompts.registry import PromptResolver
from platform_cli.rollback import STEPS, rollback_prompt
from platform_cli.store import open_store

TTL_S = 4.0  # injected: the replicas' registry TTL (30 s in production)


def cohorts(url: str, repo: Path, prompt: str, keys: list[str]) -> tuple[list[str], list[str]]:
    """(keys on the canary, keys on control), as the runtime resolves them."""
    resolver = PromptResolver(url, repo / "prompts", ttl_s=0, lkg_dir=repo / ".lkg")
    try:
        versions = {key: resolver.resolve(prompt, key=key).version for key in keys}
    finally:
        resolver.close()
    return [k for k, v in versions.items() if v == 2], [k for k, v in versions.items() if v == 1]


@pytest.fixture
def replicas(tmp_path: Path, store_url: str) -> Iterator[tuple[Path, list[Replica]]]:
    repo = write_repo(tmp_path / "repo", store_url, history="quarantine")
    with open_store(store_url) as store:
        for prompt in ("summarize", "chat"):
            v1_production_v2_canary(store, prompt)
        eval_run(store, "summarize", 1, "run-v1")
        eval_run(store, "summarize", 2, "run-v2")  # the baseline now points at v2
    started = [Replica(repo, store_url, TTL_S), Replica(repo, store_url, TTL_S),
               Replica(repo, store_url, TTL_S, "slow-writer")]  # fmt: skip
    try:
        yield repo, started
    finally:
        for replica in started:
            replica.stop()


def test_rolling_back_a_canary_reaches_every_replica(
    replicas: tuple[Path, list[Replica]], store_url: str
) -> None:
    repo, (a, b, slow) = replicas
    users = [f"user-{i}" for i in range(300)]
    canary_users, control_users = cohorts(store_url, repo, "summarize", users)
    canary_users, control_users = canary_users[:5], control_users[:3]
    conversations = [f"conv-{i}" for i in range(300)]
    canary_convs, control_convs = cohorts(store_url, repo, "chat", conversations)
    canary_convs, control_convs = canary_convs[:4], control_convs[:2]
    assert len(canary_users) == 5 and len(canary_convs) == 4  # 10% of 300 keys

    # --- traffic: caches and histories fill on every replica ---------------------------------------------
    v2_texts: set[str] = set()
    for user in canary_users + control_users:
        first = a.ask(f"complete summarize {user} the invoice for {user} was paid twice")
        assert first["version"] == (2 if user in canary_users else 1)
        assert a.ask("flush")["flushed"]
        hit = b.ask(f"complete summarize {user} the invoice for {user} was paid twice")
        assert (hit["cache_hit"], hit["text"], hit["version"]) == (True, first["text"], first["version"])
        queued = slow.ask(f"complete summarize {user} and my card for {user} expired")  # stays queued
        again = slow.ask(f"complete summarize {user} and my card for {user} expired")  # its own queued entry
        assert again["cache_hit"] and again["version"] == queued["version"]
        if first["version"] == 2:
            v2_texts |= {first["text"], queued["text"]}
    for conversation in canary_convs + control_convs:
        for number, replica in enumerate((a, b, slow)):
            said = replica.ask(f"chat chat {conversation} message {number} in {conversation}")
            assert said["version"] == (2 if conversation in canary_convs else 1)
            if said["version"] == 2:
                v2_texts.add(said["text"])
    assert a.ask("flush")["flushed"] and b.ask("flush")["flushed"]  # the slow replica's rows stay queued
    with open_store(store_url) as store:
        assert store.count_cached_responses("summarize", 2) >= len(canary_users)  # the slow writer's: later

    # --- the rollback, from this (fourth) process, while every replica has v2 cached for a whole TTL ------
    refreshed = time.monotonic()
    for replica in (a, b, slow):
        assert replica.ask("forget") == {"forgot": True}
        assert replica.ask(f"complete summarize {canary_users[0]} refresh")["version"] == 2
        assert replica.ask(f"chat chat {canary_convs[0]} refresh in {canary_convs[0]}")["version"] == 2
    with open_store(store_url) as store:
        for prompt in ("summarize", "chat"):
            done = rollback_prompt(
                store, feature=FEATURE, prompt=prompt, history_policy="quarantine", reason="canary regressed",
                actor=ACTOR,
            )  # fmt: skip
            assert done.status == "done"
    rolled_back = time.monotonic()

    # --- at once, before the TTL: no cached v2 answer anywhere, whatever each replica still resolves -------
    stale_turns: set[str] = set()
    stale = 0
    within_ttl = time.monotonic() - refreshed < TTL_S  # then the first asks below must still get v2 (fresh)
    for user in canary_users:
        for replica in (a, b, slow):
            for text in (f"the invoice for {user} was paid twice", f"and my card for {user} expired"):
                for _ in range(2):
                    served = replica.ask(f"complete summarize {user} {text}")
                    assert not (served["cache_hit"] and served["version"] == 2), (user, served)
                    stale += served["version"] == 2
    late_v1 = {}
    for conversation in canary_convs:  # a replica still on the old label writes a v2 turn after the rollback
        late = slow.ask(f"chat chat {conversation} said right after the rollback in {conversation}")
        late_v1[conversation] = late["version"] == 1
        if late["version"] == 2:
            stale_turns |= {late["text"], f"said right after the rollback in {conversation}"}
    if within_ttl:  # the replicas still served v2, fresh, as allowed within the TTL: the checks were real
        assert stale > 0
    assert slow.ask("flush")["flushed"]  # its queued v2 rows reach the store after the purge: refused
    with open_store(store_url) as store:
        assert store.count_cached_responses("summarize", 2) == 0
        assert store.count_cached_responses("summarize", 1) > 0

    # --- within the TTL every replica serves v1 ------------------------------------------------------------
    time.sleep(max(0.0, rolled_back + TTL_S + 0.3 - time.monotonic()))
    for replica in (a, b, slow):
        for user in canary_users:
            served = replica.ask(f"complete summarize {user} the invoice for {user} was paid twice")
            assert served["version"] == 1 and served["text"] not in v2_texts
        for conversation in canary_convs:
            assert replica.ask(f"chat chat {conversation} and now? {conversation}")["version"] == 1

    # --- rebuilt histories hold no v2 turn, on every replica -----------------------------------------------
    for conversation in canary_convs:
        histories = [replica.ask(f"history {conversation}") for replica in (a, b, slow)]
        assert histories[0] == histories[1] == histories[2]
        contents = [message["content"] for message in histories[0]]
        assert not set(contents) & (v2_texts | stale_turns)
        assert not any(c.startswith("message ") for c in contents)  # the v2 exchanges' own messages too
        # only the exchanges v1 answered after the rollback: three after the TTL, and a late one if it was v1
        assert len(contents) == 2 * (3 + late_v1[conversation]), contents
    for conversation in control_convs:
        assert len(a.ask(f"history {conversation}")) == 6  # v1 conversations keep all three exchanges

    # --- the store: baseline, allocation, labels, audit -----------------------------------------------------
    with open_store(store_url) as store:
        baseline = store.eval_baseline("summarize", "smoke")
        assert baseline is not None and (baseline.run_id, baseline.prompt_version) == ("run-v1", 1)
        for prompt in ("summarize", "chat"):
            assert {s: a.shares() for s, a in current_allocations(store, prompt).items()} == {
                "*": {"control": 100}
            }
            assert {r.label: r.version for r in store.prompt_labels(prompt)} == {"canary": 1, "production": 1}
        audit = {entry.subject: json.loads(entry.record) for entry in store.rollback_audit(FEATURE)}
    assert set(audit) == {"summarize", "chat"}
    for record in audit.values():
        assert (record["actor"], record["reason"], record["from_version"], record["to_version"]) == (
            ACTOR,
            "canary regressed",
            2,
            1,
        )
        assert [s["step"] for s in record["steps"]] == list(STEPS)
        assert all(s["started_at"] <= s["finished_at"] for s in record["steps"])
        assert record["blast_radius"]["usage"]["calls"] > 0
    assert audit["summarize"]["blast_radius"]["cache"]["entries"] >= len(canary_users)
    assert audit["chat"]["blast_radius"]["conversations"]["conversations"] == len(canary_convs)
    assert audit["summarize"]["blast_radius"]["baselines"] == [
        {
            "suite": "smoke",
            "run": "run-v2",
            "set_at": audit["summarize"]["blast_radius"]["baselines"][0]["set_at"],
        }
    ]
