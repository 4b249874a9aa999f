"""`platform rollback prompt | resume | audit | history`: text, JSON, dry runs writing nothing, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rollback_support import ACTOR, eval_run, fill, snapshot, v1_production_v2_canary, write_repo

from platform_cli.cli.main import run
from platform_cli.rollback import begin, make_plan
from platform_cli.store import open_store

CONVERSATIONS = ("conv-0", "conv-1", "conv-2")


@pytest.fixture
def repo(tmp_path: Path, store_url: str) -> Path:
    root = write_repo(tmp_path / "repo", store_url, history="summarize")
    with open_store(store_url) as store:
        v1_production_v2_canary(store)
        fill(store, "summarize", 1)
        fill(store, "summarize", 2, cost=0.002)
        eval_run(store, "summarize", 1, "run-v1")
        eval_run(store, "summarize", 2, "run-v2")
    return root


def platform(repo: Path, *args: str) -> int:
    return run(["--repo", str(repo), "rollback", *args])


def test_dry_run_shows_the_plan_and_blast_radius_and_writes_nothing(
    repo: Path, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with open_store(store_url) as store:
        before = snapshot(store, conversations=CONVERSATIONS)
    assert platform(repo, "prompt", "summarize", "--reason", "refusals up", "--dry-run") == 0
    out = capsys.readouterr().out
    assert "dry run: nothing changed" in out
    assert "bad version:   v2 (canary: label canary, variant canary 10% in every segment)" in out
    assert "history:       summarize" in out
    assert "cache:         3 entries" in out and "3 conversations, 6 turns" in out
    assert "cost $0.0060" in out and "baselines:     smoke -> run-v2" in out
    assert (
        platform(repo, "prompt", "summarize", "--reason", "refusals up", "--dry-run", "--format", "json") == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert (data["status"], data["rollback_id"], data["steps"]) == ("dry-run", None, [])
    assert data["would_run"][0] == "revoke" and data["plan"]["blast_radius"]["usage"]["priced_calls"] == 3
    with open_store(store_url) as store:
        assert snapshot(store, conversations=CONVERSATIONS) == before


def test_rollback_then_audit_and_history(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        platform(
            repo, "prompt", "summarize", "--reason", "refusals up", "--author", ACTOR, "--format", "json"
        )
        == 0
    )
    done = json.loads(capsys.readouterr().out)
    assert done["status"] == "done" and [s["status"] for s in done["steps"]] == ["done"] * 7
    assert done["audit"]["record"]["reason"] == "refusals up"
    rollback_id = done["rollback_id"]

    assert platform(repo, "audit", rollback_id, "--format", "json") == 0
    [entry] = json.loads(capsys.readouterr().out)["entries"]
    assert entry["rollback_id"] == rollback_id and entry["actor"] == ACTOR
    assert platform(repo, "audit", str(entry["id"])) == 0
    text = capsys.readouterr().out
    assert f"Rollback {rollback_id}" in text and "why:           refusals up" in text
    assert "restore_baseline" in text and "smoke run-v2 -> run-v1" in text

    assert platform(repo, "history", "--format", "json") == 0
    history = json.loads(capsys.readouterr().out)
    assert [e["rollback_id"] for e in history["entries"]] == [rollback_id] and history["unfinished"] == []
    assert platform(repo, "history") == 0
    assert "v2 (canary) rolled back to v1, history summarize" in capsys.readouterr().out

    assert platform(repo, "prompt", "summarize", "--reason", "refusals up") == 0
    assert "nothing to do: v2 was rolled back to v1 and nothing moved since" in capsys.readouterr().out


def test_an_unfinished_rollback_shows_in_history_resumes_and_blocks_a_different_one(
    repo: Path, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with open_store(store_url) as store:
        plan = make_plan(store, feature="rollback-test", prompt="summarize", history_policy="flag")
        record, _ = begin(store, plan, reason="interrupted one", actor=ACTOR)
    assert platform(repo, "history") == 0
    assert f"UNFINISHED {record.rollback_id}" in capsys.readouterr().out
    assert platform(repo, "prompt", "summarize", "--from", "1", "--to", "2", "--reason", "other") == 4
    assert f"platform rollback resume {record.rollback_id}" in capsys.readouterr().err
    assert platform(repo, "audit", record.rollback_id) == 2
    assert "unfinished" in capsys.readouterr().err
    assert platform(repo, "resume", "--dry-run") == 0
    assert "would run revoke, move_labels" in capsys.readouterr().out
    assert platform(repo, "resume") == 0
    assert "resumed and finished" in capsys.readouterr().out
    assert platform(repo, "resume") == 0
    assert capsys.readouterr().out.strip() == "no unfinished rollback"


def test_bad_input_exits_2_with_what_to_do(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert platform(repo, "prompt", "summarize") == 2  # --reason is required
    assert "--reason" in capsys.readouterr().err
    assert platform(repo, "prompt", "summarize", "--reason", " ") == 2
    assert "say why" in capsys.readouterr().err
    assert platform(repo, "prompt", "summarize", "--to", "two", "--reason", "x") == 2
    assert "--to 'two'" in capsys.readouterr().err
    assert platform(repo, "prompt", "nosuch", "--reason", "x") == 2
    assert "no published version" in capsys.readouterr().err
    assert platform(repo, "resume", "rb-nope") == 2
    assert platform(repo, "audit", "99") == 2
