"""A drill's scratch copy: the same engine as the shared store (a PostgreSQL schema of the same database),
holding the prompt's registry, allocations (same salt: same cohorts), revocations and baselines; then gone."""

from __future__ import annotations

from rollback_support import ACTOR, eval_run, fill, v1_production_v2_canary

from platform_cli.prompts.portfolio import current_allocations
from platform_cli.rollback.scratch import copy_prompt_state, scratch_store
from platform_cli.store import open_store


def test_the_scratch_copy_holds_the_prompts_state_and_disappears(store_url: str) -> None:
    with open_store(store_url) as shared:
        v1_production_v2_canary(shared)
        fill(shared, "summarize", 2)
        eval_run(shared, "summarize", 1, "run-v1")
        shared.revoke_prompt_version(
            "summarize", 1, history="flag", rollback_id="rb-old", at="2020-01-01T00:00:00Z"
        )
        shared.lift_revocation("summarize", 1, at="2020-01-02T00:00:00Z", by=ACTOR)
        with scratch_store(shared, store_url) as place:
            assert place.description.startswith(
                "postgresql schema" if shared.dialect == "postgresql" else "temp"
            )
            assert "password" not in place.description and "***" not in place.description
            with open_store(place.url) as scratch:
                assert scratch.dialect == shared.dialect
                copied = copy_prompt_state(shared, scratch, "summarize")
                assert copied == {
                    "versions": 2,
                    "label_moves": 2,
                    "allocations": 1,
                    "revocations": 1,
                    "baselines": 1,
                }
                assert scratch.prompt_labels("summarize") == shared.prompt_labels("summarize")
                assert scratch.prompt_salt("summarize") == shared.prompt_salt("summarize")
                assert current_allocations(scratch, "summarize") == current_allocations(shared, "summarize")
                assert scratch.prompt_revocations("summarize") == shared.prompt_revocations("summarize")
                assert scratch.eval_baseline("summarize", "smoke") == shared.eval_baseline(
                    "summarize", "smoke"
                )
                # the shared store's runtime rows stay where they are
                assert scratch.count_cached_responses("summarize", 2) == 0
                scratch.purge_cached_responses("summarize", 2)
            assert shared.count_cached_responses("summarize", 2) == 3
        if shared.dialect == "postgresql":
            left = shared._db.fetchall(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'platform_drill_%'"
            )
            assert left == []
        assert shared.prompt_labels("summarize")[0].label == "canary"
