"""Choosing the bad and the target version from the label history and allocations; the blast radius."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rollback_support import ACTOR, FEATURE, eval_run, fill, publish_version, v1_production_v2_canary

from platform_cli.errors import UserError
from platform_cli.prompts.labels import promote
from platform_cli.prompts.portfolio import allocate
from platform_cli.rollback import make_plan, rollback_prompt
from platform_cli.rollback.blast import cost_text
from platform_cli.store import Store, open_store


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with open_store(store_url) as opened:
        yield opened


def plan(store: Store, **kwargs: int) -> tuple[int, int, str]:
    made = make_plan(store, feature=FEATURE, prompt="summarize", history_policy="quarantine", **kwargs)
    return made.bad_version, made.target_version, made.role


def test_a_canary_label_with_an_allocation_is_the_bad_version_and_production_the_target(store: Store) -> None:
    v1_production_v2_canary(store)
    made = make_plan(store, feature=FEATURE, prompt="summarize", history_policy=None)
    assert (made.bad_version, made.target_version, made.role) == (2, 1, "canary")
    assert [(c.label, c.from_version, c.to_version) for c in made.labels] == [("canary", 2, 1)]
    assert [(a.segment, a.variants, a.percent) for a in made.allocations] == [("*", ("canary",), 10.0)]
    assert made.served_by == ("label canary", "variant canary 10% in every segment")
    assert made.history_policy == "quarantine" and "spec.rollback.history is not set" in made.notes[0]


def test_a_pinned_variant_in_one_segment_is_a_canary_too(store: Store) -> None:
    assert publish_version(store, "summarize", "") == 1
    promote(store, "summarize", 1, "production", author=ACTOR, reason="launch")
    assert publish_version(store, "summarize", " v2") == 2
    allocate(store, "summarize", {"v2": 2500}, segment="billing", author=ACTOR)
    made = make_plan(store, feature=FEATURE, prompt="summarize", history_policy="flag")
    assert (made.bad_version, made.target_version, made.role) == (2, 1, "canary")
    assert made.labels == ()
    assert [(a.segment, a.variants) for a in made.allocations] == [("billing", ("v2",))]


def test_production_goes_back_to_the_version_before_it_skipping_rolled_back_ones(store: Store) -> None:
    for number in (1, 2, 3):
        assert publish_version(store, "summarize", f" v{number}" * (number > 1)) == number
    promote(store, "summarize", 1, "production", author=ACTOR, reason="launch")
    promote(store, "summarize", 2, "production", author=ACTOR, reason="v2")
    assert plan(store) == (2, 1, "production")
    promote(store, "summarize", 3, "production", author=ACTOR, reason="v3")
    assert plan(store) == (3, 2, "production")
    # v2 was rolled back once: production's previous version is then v1
    store.revoke_prompt_version(
        "summarize", 2, history="quarantine", rollback_id="rb-x", at="2020-01-01T00:00:00Z"
    )
    assert plan(store) == (3, 1, "production")
    assert plan(store, target=1) == (3, 1, "production")
    with pytest.raises(UserError, match="was itself rolled back"):
        plan(store, target=2)
    # moving a label to a revoked version on purpose lifts the revocation
    promote(store, "summarize", 2, "staging", author=ACTOR, reason="it was fine after all")
    assert plan(store) == (3, 2, "production")


def test_versions_that_cannot_be_chosen_are_refused_with_what_to_do(store: Store) -> None:
    with pytest.raises(UserError, match="no published version"):
        plan(store)
    assert publish_version(store, "summarize", "") == 1
    promote(store, "summarize", 1, "production", author=ACTOR, reason="launch")
    with pytest.raises(UserError, match=r"never pointed at another version before v1.*--to VERSION"):
        plan(store)
    assert publish_version(store, "summarize", " v2") == 2
    with pytest.raises(UserError, match="--from 7: prompt 'summarize' has no version 7"):
        plan(store, bad=7)
    with pytest.raises(UserError, match="--to 1 is the version being rolled back"):
        plan(store, bad=1, target=1)
    assert plan(store, bad=2) == (2, 1, "version")  # named, though nothing serves it
    assert publish_version(store, "summarize", " v3") == 3
    promote(store, "summarize", 2, "canary", author=ACTOR, reason="try")
    allocate(store, "summarize", {"v3": 500}, author=ACTOR)
    with pytest.raises(
        UserError, match=r"several canaries \(v2 \(label canary\); v3 \(variant v3 5%.*--from"
    ):
        plan(store)
    assert plan(store, bad=3) == (3, 1, "canary")


def test_blast_radius_counts_what_the_bad_version_left(store: Store) -> None:
    v1_production_v2_canary(store)
    fill(store, "summarize", 1, count=2)
    fill(store, "summarize", 2, count=3)
    eval_run(store, "summarize", 2, "run-v2")
    eval_run(store, "summarize", 2, "run-v2b", baseline=False)
    blast = make_plan(store, feature=FEATURE, prompt="summarize", history_policy="quarantine").blast_radius
    assert blast["cache"]["entries"] == 3
    conversations = blast["conversations"]
    assert (conversations["conversations"], conversations["turns"]) == (3, 6)
    assert conversations["sample_conversations"] == ["conv-2", "conv-1", "conv-0"]
    assert len(conversations["sample_turns"]) == 3 and conversations["first"] <= conversations["last"]
    assert blast["users"] == 3
    assert blast["cohorts"] == [{"variant": "canary", "segment": "billing", "calls": 3, "users": 3}]
    assert blast["usage"]["calls"] == 3 and blast["usage"]["input_tokens"] == 300
    assert (blast["usage"]["cost_usd"], blast["usage"]["unpriced_calls"]) == (None, 3)
    assert cost_text(blast["usage"]) == "unpriced (3 calls)"  # never $0
    assert blast["eval_runs"]["count"] == 2
    assert [b["suite"] for b in blast["baselines"]] == ["smoke"]


def test_cost_text_never_says_zero_for_unpriced_calls() -> None:
    assert cost_text({"cost_usd": None, "unpriced_calls": 4}) == "unpriced (4 calls)"
    assert cost_text({"cost_usd": 0.25, "unpriced_calls": 1}) == "$0.2500 + 1 call unpriced"
    assert cost_text({"cost_usd": 0.25, "unpriced_calls": 0}) == "$0.2500"
    assert cost_text({"cost_usd": None, "unpriced_calls": 0}) == "$0 (no tokens used)"


def test_a_repeat_is_a_noop_until_something_moves(store: Store) -> None:
    v1_production_v2_canary(store)
    first = rollback_prompt(
        store, feature=FEATURE, prompt="summarize", history_policy="quarantine", reason="bad", actor=ACTOR
    )
    again = rollback_prompt(
        store, feature=FEATURE, prompt="summarize", history_policy="quarantine", reason="bad", actor=ACTOR
    )
    assert (first.status, again.status, again.rollback_id) == ("done", "noop", first.rollback_id)
    named = rollback_prompt(
        store,
        feature=FEATURE,
        prompt="summarize",
        history_policy="quarantine",
        reason="bad",
        actor=ACTOR,
        bad=2,
    )
    assert named.status == "noop" and named.noop is not None and "already rolled back" in named.noop.why
    # a new canary after the rollback is a new rollback, not a repeat
    assert publish_version(store, "summarize", " v3") == 3
    promote(store, "summarize", 3, "canary", author=ACTOR, reason="try v3")
    third = rollback_prompt(
        store, feature=FEATURE, prompt="summarize", history_policy="quarantine", reason="v3 bad", actor=ACTOR
    )
    assert (third.status, third.plan.bad_version, third.plan.target_version) == ("done", 3, 1)
    assert len(store.rollback_audit(FEATURE)) == 2
