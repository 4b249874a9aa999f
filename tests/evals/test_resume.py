"""A run killed with SIGKILL half way resumes without calling any finished case again (the loopback server
counts the calls per case), on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from eval_repos import against_server, ticket_rows, write_dataset, write_suite
from llm_server import OPENAI_PATH, Reply, running_llm_server
from runtime_support import publish_prompts

from platform_cli.store import open_store

CASES = 160
SUITE = """name: resume
prompt: summarize
dataset: evals/datasets/resume.jsonl
scorers:
  - {type: refusal}
  - {type: max-sentences, field: max_sentences}
"""
_CASE = re.compile(r"case-(\d+)")


def _env(store_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PLATFORM_STATE_URL"] = store_url
    env.pop("PLATFORM_OFFLINE", None)
    return env


def _sigint_default() -> None:
    """In the child before exec: SIGINT back to its default (a background job inherits it ignored, and
    Python then keeps it ignored instead of raising KeyboardInterrupt)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _case_of(body: object) -> str:
    messages = body.get("messages", []) if isinstance(body, dict) else []
    found = _CASE.search(" ".join(str(m.get("content", "")) for m in messages))
    assert found, body
    return f"case-{found.group(1)}"


def test_sigkill_half_way_then_resume_calls_no_finished_case_again(tmp_path: Path, store_url: str) -> None:
    with running_llm_server() as server:
        server.script(OPENAI_PATH, *[Reply(delay_s=0.03) for _ in range(CASES * 2)])
        root = against_server(tmp_path / "repo", server.base_url)
        write_suite(root, "resume", SUITE)
        write_dataset(root, "resume", ticket_rows(CASES))
        publish_prompts(root, store_url)  # PostgreSQL: CI publishes first (SQLite: on first use)
        platform = [sys.executable, "-m", "platform_cli", "--repo", str(root), "eval", "run", "resume"]
        proc = subprocess.Popen([*platform, "-j", "4"], env=_env(store_url), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)  # fmt: skip
        deadline = time.monotonic() + 120
        while server.count(OPENAI_PATH) < CASES // 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed half way"
        # requests the killed process had already sent may still be read by the server: let them land
        settled, seen = time.monotonic() + 0.5, server.count(OPENAI_PATH)
        while time.monotonic() < settled:
            time.sleep(0.05)
            if server.count(OPENAI_PATH) != seen:
                settled, seen = time.monotonic() + 0.5, server.count(OPENAI_PATH)
        before_kill = [_case_of(r.body) for r in server.requests]
        with open_store(store_url) as store:
            (run,) = store.eval_runs("resume")
            assert run.status == "running"  # killed: nobody could mark it
            finished = {case for case, _ in store.finished_eval_keys(run.run_id)}
        assert 0 < len(finished) < CASES
        assert finished <= set(before_kill)

        done = subprocess.run([*platform, "--resume", run.run_id, "--format", "json"], env=_env(store_url),
                              capture_output=True, text=True, timeout=300)  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        after = [_case_of(r.body) for r in server.requests[len(before_kill) :]]

    assert not set(after) & finished, "a finished case was called again"
    unfinished = {f"case-{i}" for i in range(CASES)} - finished
    # nothing is called twice, and only unfinished cases are called; an unfinished case that is not called
    # again was answered before the kill and is served from the response cache the killed run had written
    assert len(after) == len(set(after)) and set(after) <= unfinished
    assert unfinished - set(after) <= set(before_kill)
    with open_store(store_url) as store:
        resumed = store.eval_run(run.run_id)
        assert resumed is not None and resumed.status == "finished" and resumed.verdict == "pass"
        assert store.count_eval_results(run.run_id) == CASES
    lines = (root / ".platform/evals/runs" / f"{run.run_id}.jsonl").read_text().splitlines()
    assert len(lines) == CASES  # the run file was rebuilt from the store, then appended: no duplicates


def test_ctrl_c_keeps_what_finished_exits_130_and_resume_finishes(tmp_path: Path) -> None:
    store_url = f"sqlite:///{tmp_path / 'state.db'}"
    with running_llm_server() as server:
        server.script(OPENAI_PATH, *[Reply(delay_s=0.03) for _ in range(CASES * 2)])
        root = against_server(tmp_path / "repo", server.base_url)
        write_suite(root, "resume", SUITE)
        write_dataset(root, "resume", ticket_rows(CASES))
        platform = [sys.executable, "-m", "platform_cli", "--repo", str(root), "eval", "run", "resume"]
        # SIGINT as a terminal delivers it: not ignored, even when this test runs in a background job
        proc = subprocess.Popen([*platform, "-j", "4", "--no-cache"], env=_env(store_url),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                preexec_fn=_sigint_default)  # fmt: skip
        deadline = time.monotonic() + 120
        while server.count(OPENAI_PATH) < CASES // 3 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 130, err
        assert "interrupted" in err and "--resume" in err
        with open_store(store_url) as store:
            (run,) = store.eval_runs("resume")
            kept = store.count_eval_results(run.run_id)
            assert run.status == "interrupted" and 0 < kept < CASES
            assert kept == server.count(OPENAI_PATH)  # every answer the server gave was kept
        done = subprocess.run([*platform, "--resume", run.run_id], env=_env(store_url), capture_output=True,
                              text=True, timeout=300)  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        assert server.count(OPENAI_PATH) == CASES  # no case was asked twice
