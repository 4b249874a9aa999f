"""What each journal step does to the store, on both engines: labels, allocations, cache, turns, baselines,
the audit record, and the guards (one unfinished rollback per prompt, an append-only audit log)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from rollback_support import ACTOR, FEATURE, eval_run, fill, v1_production_v2_canary

from platform_cli.errors import Refused
from platform_cli.prompts.labels import promote
from platform_cli.prompts.portfolio import current_allocations
from platform_cli.rollback import STEPS, begin, make_plan, rollback_prompt
from platform_cli.store import Store, StoreError, open_store


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with open_store(store_url) as opened:
        v1_production_v2_canary(opened)
        fill(opened, "summarize", 1)
        fill(opened, "summarize", 2)
        yield opened


def roll(store: Store, policy: str = "quarantine") -> None:
    outcome = rollback_prompt(
        store, feature=FEATURE, prompt="summarize", history_policy=policy, reason="refusals up", actor=ACTOR
    )
    assert outcome.status == "done"


def test_labels_allocation_and_cache_of_the_bad_version_are_undone(store: Store) -> None:
    roll(store)
    assert {r.label: r.version for r in store.prompt_labels("summarize")} == {"canary": 1, "production": 1}
    last_move = store.prompt_label_moves("summarize")[-1]
    assert (last_move.label, last_move.from_version, last_move.to_version) == ("canary", 2, 1)
    assert last_move.moved_by == ACTOR and "refusals up" in last_move.reason
    assert {seg: a.shares() for seg, a in current_allocations(store, "summarize").items()} == {
        "*": {"control": 100}
    }
    assert (store.count_cached_responses("summarize", 2), store.count_cached_responses("summarize", 1)) == (
        0,
        3,
    )
    revocation = store.prompt_revocation("summarize", 2)
    assert revocation is not None and revocation.lifted_at is None and revocation.history == "quarantine"


@pytest.mark.parametrize("policy", ["quarantine", "flag", "summarize"])
def test_the_history_policy_marks_every_turn_of_the_bad_version_and_only_those(
    store: Store, policy: str
) -> None:
    roll(store, policy)
    turns = [t for conversation in ("conv-0", "conv-1", "conv-2") for t in store.all_turns(conversation)]
    bad = [t for t in turns if t.prompt_version == 2]
    good = [t for t in turns if t.prompt_version == 1]
    assert len(bad) == 6 and len(good) == 6
    assert all(t.quarantined_at is None for t in good)
    assert all((t.quarantined_at is not None) == (policy == "quarantine") for t in bad)
    marked = store._db.fetchall(
        "SELECT history_action, count(*) FROM conversation_turns GROUP BY history_action"
    )
    assert sorted((a, int(n)) for a, n in marked if a is not None) == [(policy, 6)]


def test_a_label_moved_by_someone_else_since_the_plan_is_left_where_they_put_it(store: Store) -> None:
    plan = make_plan(store, feature=FEATURE, prompt="summarize", history_policy="quarantine")
    record, resumed = begin(store, plan, reason="bad", actor=ACTOR)
    assert not resumed
    promote(store, "summarize", 1, "canary", author="someone@example.com", reason="quick fix")
    from platform_cli.rollback import run

    steps = {s.step: json.loads(s.result or "{}") for s in run(store, record.rollback_id)}
    assert steps["move_labels"] == {"moved": [], "already": ["canary"], "left_alone": []}
    assert [m.moved_by for m in store.prompt_label_moves("summarize")].count("someone@example.com") == 1


def test_the_baseline_goes_back_to_the_targets_and_says_when_there_is_none(store: Store) -> None:
    eval_run(store, "summarize", 1, "run-v1")
    eval_run(store, "summarize", 2, "run-v2")
    roll(store)
    baseline = store.eval_baseline("summarize", "smoke")
    assert baseline is not None and (baseline.run_id, baseline.prompt_version) == ("run-v1", 1)
    assert "refusals up" in baseline.reason


def test_a_baseline_with_no_target_run_is_reported_not_restored(store_url: str) -> None:
    with open_store(store_url) as store:
        v1_production_v2_canary(store)
        eval_run(store, "summarize", 2, "run-v2")
        outcome = rollback_prompt(
            store, feature=FEATURE, prompt="summarize", history_policy="flag", reason="bad", actor=ACTOR
        )
        result = json.loads(next(s.result for s in outcome.steps if s.step == "restore_baseline") or "{}")
        assert result["restored"] == []
        assert result["not_restored"][0]["suite"] == "smoke"
        assert "platform eval baseline set" in result["not_restored"][0]["hint"]


def test_the_audit_record_is_complete(store: Store) -> None:
    roll(store)
    [entry] = store.rollback_audit(FEATURE)
    record = json.loads(entry.record)
    assert (entry.actor, entry.reason, entry.kind, entry.subject) == (
        ACTOR,
        "refusals up",
        "prompt",
        "summarize",
    )
    assert (record["from_version"], record["to_version"], record["history_policy"]) == (2, 1, "quarantine")
    assert record["blast_radius"]["cache"]["entries"] == 3
    assert record["blast_radius"]["conversations"]["turns"] == 6
    assert [s["step"] for s in record["steps"]] == list(STEPS)
    assert all(
        s["started_at"] and s["finished_at"] and s["started_at"] <= s["finished_at"] for s in record["steps"]
    )
    assert record["started_at"] <= record["steps"][0]["started_at"]
    assert record["finished_at"] == record["steps"][-1]["finished_at"] == entry.at


def test_the_audit_log_is_append_only_in_the_database_itself(store: Store) -> None:
    roll(store)
    for statement in ("UPDATE rollback_audit SET reason = 'nothing happened'", "DELETE FROM rollback_audit"):
        with pytest.raises(StoreError, match="append-only"):
            store._db.execute(statement)
    assert store.rollback_audit(FEATURE)[0].reason == "refusals up"


def test_another_rollback_of_the_prompt_waits_for_the_unfinished_one(store: Store) -> None:
    plan = make_plan(store, feature=FEATURE, prompt="summarize", history_policy="quarantine")
    record, _ = begin(store, plan, reason="bad", actor=ACTOR)
    with pytest.raises(Refused, match=f"platform rollback resume {record.rollback_id}"):
        rollback_prompt(
            store, feature=FEATURE, prompt="summarize", history_policy="quarantine", reason="x", actor=ACTOR,
            bad=1, target=2,
        )  # fmt: skip
    # the same rollback asked again picks the unfinished one up and finishes it
    again = rollback_prompt(
        store, feature=FEATURE, prompt="summarize", history_policy="quarantine", reason="x", actor=ACTOR
    )
    assert (again.status, again.rollback_id, again.resumed) == ("done", record.rollback_id, True)
