"""A rollout on a real PostgreSQL with two serving processes: every user gets the same version from both
processes, nobody goes back from the canary to control while the rollout widens step by step, and
`rollout watch` (in a third process) walks it to production on the traffic both processes served."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rollout_support import SEGMENTS, START, publish_v1_v2, write_repo

from platform_cli import clock
from platform_cli.cli.main import run
from platform_cli.store import open_store

WORKER = Path(__file__).with_name("rollout_worker.py")
pytestmark = pytest.mark.postgres


class Worker:
    def __init__(self, repo: Path, url: str, seed: int, plan: dict[str, Any] | None = None) -> None:
        # a fixed seed per process: the planted provider's draws (2% refusals) are the same every run, so a
        # rare run of refusals cannot breach a guard in one run and not the next
        self.process = subprocess.Popen(
            [sys.executable, str(WORKER), str(repo), url, str(seed), json.dumps(plan or {})],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
        )  # fmt: skip

    def ask(self, command: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, f"worker {self.process.pid} exited with {self.process.poll()}"
        reply: dict[str, Any] = json.loads(line)
        return reply

    def stop(self) -> None:
        if self.process.poll() is None and self.process.stdin is not None:
            self.process.stdin.write(json.dumps({"quit": True}) + "\n")
            self.process.stdin.close()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()  # by its own PID: we started it
                self.process.wait(10)


@pytest.fixture
def plan() -> dict[str, Any]:
    return {}  # a clean canary (2% refusals like control); a test overrides it to plant a regression


@pytest.fixture
def workers(
    tmp_path: Path, postgres_url: str, plan: dict[str, Any]
) -> Iterator[tuple[Path, str, list[Worker]]]:
    root = write_repo(
        tmp_path / "repo", postgres_url, guard_metrics=["refusal_rate", "eval_score", "error_rate"]
    )
    publish_v1_v2(postgres_url)
    pair = [Worker(root, postgres_url, seed=1, plan=plan), Worker(root, postgres_url, seed=2, plan=plan)]
    try:
        yield root, postgres_url, pair
    finally:
        for worker in pair:
            worker.stop()


def stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class Cli:
    """`platform --repo ROOT ARGS --format json` in this process, `at` days after START."""

    def __init__(
        self, root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        self.root, self.monkeypatch, self.capsys = root, monkeypatch, capsys

    def __call__(self, *args: str, at: float) -> tuple[int, dict[str, Any]]:
        self.monkeypatch.setenv(clock.ENV, stamp(START + dt.timedelta(days=at)))
        self.capsys.readouterr()
        code = run(["--repo", str(self.root), *args, "--format", "json"])
        return code, json.loads(self.capsys.readouterr().out)


def test_users_stay_in_their_cohort_across_steps_in_two_processes(
    workers: tuple[Path, str, list[Worker]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, url, pair = workers
    rng = random.Random(5)

    cli = Cli(root, monkeypatch, capsys)
    assert cli("rollout", "start", "summarize", "2", "--reason", "two processes", at=0)[0] == 0
    history: dict[str, list[int]] = {}
    outcomes = []
    for day in range(21):
        for worker in pair:
            assert worker.ask({"invalidate": True}) == {"ok": True}
        users = [f"user-{n}" for n in rng.sample(range(4000), 400)]
        requests = []
        for index, user in enumerate(users):
            at = stamp(START + dt.timedelta(days=day, seconds=index * 200))
            requests.append([user, SEGMENTS[int(user.split("-")[1]) % 3], at])
        first = pair[0].ask({"requests": requests})["versions"]
        second = pair[1].ask({"requests": requests})["versions"]
        assert first == second, "the two processes served a user different versions"
        for user, version in first:
            history.setdefault(user, []).append(version)
        code, out = cli("rollout", "watch", at=day + 1)
        outcomes.append((day + 1, out["outcome"]))
        assert code == 0 and out["outcome"] in ("held", "advanced"), out["decisions"][0]["summary"]
    assert [day for day, outcome in outcomes if outcome == "advanced"] == [7, 14, 21]
    back = [
        user for user, seen in history.items() if any(a == 2 and b == 1 for a, b in itertools.pairwise(seen))
    ]
    assert back == []
    on_canary = {user for user, seen in history.items() if 2 in seen}
    assert 0.3 * len(history) < len(on_canary) < 0.8 * len(history)  # about half had it at the 50% step
    with open_store(url) as store:
        assert store.prompt_label("summarize", "production") == 2
        (record,) = store.rollouts("rollout-sim", "summarize")
        percents = [json.loads(e.detail).get("to_percent") for e in store.rollout_events(record.rollout_id)
                    if e.kind == "advance"]  # fmt: skip
    assert percents == [25, 50, 100]
    code, out = cli("rollout", "watch", at=21.5)
    assert (code, out["outcome"]) == (0, "completed")
    for worker in pair:
        worker.ask({"invalidate": True})
    final = pair[0].ask({"requests": [[u, "billing", stamp(START + dt.timedelta(days=22))] for u in history]})
    assert {version for _, version in final["versions"]} == {2}


@pytest.mark.parametrize("plan", [{"canary_refusal": {"billing": 0.30}}])
def test_a_refusal_regression_served_by_two_processes_is_rolled_back_for_both(
    workers: tuple[Path, str, list[Worker]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Both processes serve a canary that refuses 30% of billing requests (2% elsewhere and on control);
    `rollout watch` rolls it back through the rollback primitive, the audit names the metric and segment,
    and both processes serve v1 to everyone once they re-read the registry."""
    root, url, pair = workers
    rng = random.Random(9)

    cli = Cli(root, monkeypatch, capsys)
    assert cli("rollout", "start", "summarize", "2", "--reason", "two processes", at=0)[0] == 0
    outcome: dict[str, Any] = {}
    day = 0
    for day in range(7):
        for worker in pair:
            assert worker.ask({"invalidate": True}) == {"ok": True}
        users = [f"user-{n}" for n in rng.sample(range(4000), 400)]
        requests = [[user, SEGMENTS[int(user.split("-")[1]) % 3],
                     stamp(START + dt.timedelta(days=day, seconds=index * 200))]
                    for index, user in enumerate(users)]  # fmt: skip
        # each process serves half of the day's requests: the evidence is what both wrote to the store
        assert pair[0].ask({"requests": requests[::2]})["versions"]
        assert pair[1].ask({"requests": requests[1::2]})["versions"]
        code, outcome = cli("rollout", "watch", at=day + 1)
        if outcome["outcome"] == "rolled_back":
            break
        assert code == 0 and outcome["outcome"] in ("held", "waiting"), outcome["decisions"][0]["summary"]
    assert outcome["outcome"] == "rolled_back" and code == 1, outcome["decisions"][0]["summary"]
    (decision,) = outcome["decisions"]
    assert "refusal_rate" in decision["summary"] and "segment billing" in decision["summary"]
    code, audit = cli("rollback", "audit", decision["rollback"]["rollback_id"], at=day + 1.1)
    (entry,) = audit["entries"]
    assert "refusal_rate" in entry["reason"] and "segment billing" in entry["reason"]
    with open_store(url) as store:
        assert store.prompt_label("summarize", "production") == 1
        revoked = store.prompt_revocation("summarize", 2)
        assert revoked is not None and revoked.lifted_at is None
    for worker in pair:
        assert worker.ask({"invalidate": True}) == {"ok": True}
    after = [[f"user-{n}", SEGMENTS[n % 3], stamp(START + dt.timedelta(days=day + 2))] for n in range(300)]
    for worker in pair:
        assert {version for _, version in worker.ask({"requests": after})["versions"]} == {1}
