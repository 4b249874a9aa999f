"""A rollback process SIGKILLed after (or inside) each journal step, then `platform rollback resume`: the end
state equals an uninterrupted rollback's, on SQLite and PostgreSQL. Real processes, real signals."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from rollback_support import ACTOR, FEATURE, eval_run, fill, snapshot, v1_production_v2_canary, write_repo

from platform_cli.cli.main import run
from platform_cli.rollback import STEPS, rollback_prompt
from platform_cli.store import open_store

WORKER = Path(__file__).with_name("rollback_worker.py")
CONVERSATIONS = ("conv-0", "conv-1", "conv-2")
CASES = [("after", step) for step in STEPS] + [
    ("inside", step) for step in ("move_labels", "history", "audit")
]


def prepare(url: str) -> None:
    with open_store(url) as store:
        v1_production_v2_canary(store)
        fill(store, "summarize", 1)
        fill(store, "summarize", 2)
        eval_run(store, "summarize", 1, "run-v1")
        eval_run(store, "summarize", 2, "run-v2")


def state(url: str) -> dict[str, object]:
    with open_store(url) as store:
        return snapshot(store, conversations=CONVERSATIONS)


@pytest.mark.parametrize(("mode", "step"), CASES, ids=[f"{m}-{s}" for m, s in CASES])
def test_killed_rollback_resumes_to_the_uninterrupted_end_state(
    store_url: str,
    fresh_url: Callable[[], str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    mode: str,
    step: str,
) -> None:
    reference = fresh_url()
    prepare(reference)
    with open_store(reference) as store:
        done = rollback_prompt(
            store, feature=FEATURE, prompt="summarize", history_policy="quarantine",
            reason="canary regressed", actor=ACTOR,
        )  # fmt: skip
    assert done.status == "done"

    prepare(store_url)
    killed = subprocess.run(
        [sys.executable, str(WORKER), store_url, mode, step], capture_output=True, text=True, timeout=120
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    with open_store(store_url) as store:
        last = store.last_rollback("summarize")
        assert last is not None
        journal = {s.step: s for s in store.rollback_steps(last.rollback_id)}
    position = STEPS.index(step)
    finished = STEPS[: position + 1] if mode == "after" else STEPS[:position]
    assert [name for name, s in journal.items() if s.status == "done"] == list(finished)
    assert last.status == ("done" if finished == STEPS else "running")

    repo = write_repo(tmp_path / "repo", store_url)
    capsys.readouterr()
    assert run(["--repo", str(repo), "rollback", "resume", "--format", "json"]) == 0
    resumed = json.loads(capsys.readouterr().out)["rollbacks"]
    if finished == STEPS:
        assert resumed == []  # nothing unfinished: resume has nothing to do
    else:
        assert [r["rollback_id"] for r in resumed] == [last.rollback_id]
        assert resumed[0]["status"] == "done"
    after = state(store_url)
    assert after == state(reference)
    assert after["rollback"][0] == "done" and len(after["audit"]) == 1
    with open_store(store_url) as store:
        attempts = {s.step: s.attempts for s in store.rollback_steps(last.rollback_id)}
    assert attempts == {s: (2 if (mode, s) == ("inside", step) else 1) for s in STEPS}

    # resuming again, and running the same rollback again, change nothing
    assert run(["--repo", str(repo), "rollback", "resume", "--format", "json"]) == 0
    assert (
        run(["--repo", str(repo), "rollback", "prompt", "summarize", "--reason", "again", "--format", "json"])
        == 0
    )
    assert json.loads(capsys.readouterr().out.split("\n}\n", 1)[1])["status"] == "noop"
    assert state(store_url) == after
