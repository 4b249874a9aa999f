"""`platform rollback drill` on both engines: it passes against the real runtime with every history policy,
fails (and is recorded as failed) when the runtime would serve a rolled-back version's cached answer, and
never touches the shared store beyond its own record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rollback_support import ACTOR, eval_run, snapshot, v1_production_v2_canary, write_repo

from platform_cli.cli.main import run
from platform_cli.rollback.drill import run_drill
from platform_cli.rollback.project import load_project
from platform_cli.runtime.cache import ResponseCache
from platform_cli.store import open_store


@pytest.mark.parametrize("policy", ["quarantine", "flag", "summarize"])
def test_a_drill_passes_and_is_recorded_in_the_shared_store(
    tmp_path: Path, store_url: str, policy: str
) -> None:
    repo = write_repo(tmp_path / "repo", store_url, history=policy)
    with open_store(store_url) as store:
        v1_production_v2_canary(store)
        eval_run(store, "summarize", 1, "run-v1")
        before = snapshot(store)
    result = run_drill(load_project(repo), actor=ACTOR, ttl_s=0.5)
    failed = [c for c in result.checks if not c.passed]
    assert result.record.passed and not failed, failed
    names = {c.name for c in result.checks}
    assert {"no_bad_cache_hits_before", "serves_target_within_ttl", "histories", "cache_purged",
            "baseline_restored", "resumed", "audit_complete"} <= names  # fmt: skip
    assert result.record.duration_ms > result.record.rollback_ms > 0
    expected = (
        "postgresql schema platform_drill_" if store_url.startswith("postgresql") else "temporary sqlite"
    )
    assert result.record.scratch.startswith(expected)
    with open_store(store_url) as store:
        [recorded] = store.drills("rollback-test")
        assert (recorded.drill_id, recorded.passed, recorded.history_policy) == (
            result.record.drill_id,
            True,
            policy,
        )
        assert snapshot(store) == before  # the shared prompt state is untouched: the drill ran on a copy


def test_a_day_zero_repo_drills_the_production_scenario_without_publishing_anything_shared(
    tmp_path: Path, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = write_repo(tmp_path / "repo", store_url)
    args = ["--repo", str(repo), "rollback", "drill", "--scenario", "production", "--ttl", "0.5"]
    assert run([*args, "--dry-run", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["prompt"] == "chat"  # the first prompt file
    assert run([*args, "--format", "json"]) == 0
    drill = json.loads(capsys.readouterr().out)
    assert drill["passed"] and drill["scenario"] == "production"
    assert drill["rollback"]["plan"]["role"] == "production"
    with open_store(store_url) as store:
        assert store.latest_prompt_version("chat") is None and store.prompt_names() == []
        assert len(store.drills("rollback-test")) == 1


def test_a_runtime_that_serves_a_rolled_back_answer_fails_the_drill(
    tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Planted defect: the cache forgets to check revocations for answers a replica queued itself."""
    repo = write_repo(tmp_path / "repo", store_url)

    def forgetful_get(self: ResponseCache, store, key, unwritten=None):  # type: ignore[no-untyped-def]
        if unwritten is not None:
            return original(self, store, key, None) or _as_answer(unwritten)
        return original(self, store, key, None)

    original = ResponseCache.get

    def _as_answer(entry):  # type: ignore[no-untyped-def]
        data = json.loads(entry.response)
        from platform_cli.providers import Usage
        from platform_cli.runtime.cache import CachedAnswer

        return CachedAnswer(data["text"], data["finish_reason"], False, Usage(), entry.provider, entry.model,
                            entry.prompt_version, None, entry.created_at)  # fmt: skip

    monkeypatch.setattr(ResponseCache, "get", forgetful_get)
    # a TTL long enough that the replicas still resolve the drill version when the check asks again
    assert run(["--repo", str(repo), "rollback", "drill", "--ttl", "5", "--format", "json"]) == 1
    out = capsys.readouterr()
    drill = json.loads(out.out)
    failed = {c["name"] for c in drill["checks"] if not c["passed"]}
    assert "no_bad_cache_hits_before" in failed and "failed" in out.err
    with open_store(store_url) as store:
        [recorded] = store.drills("rollback-test")
        assert not recorded.passed and store.last_passed_drill("rollback-test") is None
