"""Guarded rollouts on simulated traffic: thousands of users in three segments asking through the real
runtime and a planted provider, time injected through $PLATFORM_NOW, decisions by `platform rollout watch`.

p95 latency is left out of these guard lists: it is the runtime's own wall-clock measurement, which a
shared test machine does not reproduce; the latency guard is tested on constructed evidence
(test_guards.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from rollout_support import Plan, Simulation, flips, publish_v1_v2, run_until, write_repo

from platform_cli.store import open_store

GUARDS = ["refusal_rate", "eval_score", "cost_per_request", "error_rate"]


@pytest.fixture
def make_sim(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store_url: str
) -> Iterator[Callable[..., Simulation]]:
    """Each scenario runs on SQLite and on a real PostgreSQL (the `store_url` fixture)."""
    made: list[Simulation] = []

    def make(plan: Plan, *, per_day: int = 900, **rollout: object) -> Simulation:
        url = store_url
        root = write_repo(tmp_path / "repo", url, guard_metrics=GUARDS, **rollout)
        publish_v1_v2(url)
        sim = Simulation(root, url, plan, monkeypatch, per_day=per_day)
        made.append(sim)
        return sim

    yield make
    for sim in made:
        sim.close()


def start(sim: Simulation, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = sim.cli(capsys, "rollout", "start", "summarize", "2", "--reason", "customer words", at=0)
    assert code == 0, out
    assert out["rollout"]["percent"] == 5 and out["rollout"]["phase"] == "soaking"


def test_a_refusal_regression_in_one_segment_is_rolled_back_and_the_audit_names_it(
    make_sim: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = make_sim(Plan(canary_refusal={"billing": 0.30}))
    start(sim, capsys)
    seen = run_until(sim, capsys, lambda out: out["outcome"] == "rolled_back", days=7)
    last = seen[-1]
    assert last["outcome"] == "rolled_back" and last["exit_code"] == 1, last
    (decision,) = last["decisions"]
    breached = {(g["metric"], g["segment"]) for g in decision["guards"] if g["state"] == "breach"}
    assert {metric for metric, _ in breached} <= {"refusal_rate", "eval_score"}, breached
    assert not any(segment in ("technical", "account") for _, segment in breached), breached
    assert "refusal_rate" in decision["summary"] and "segment billing" in decision["summary"]
    rollback_id = decision["rollback"]["rollback_id"]
    assert (
        decision["rollout"]["status"] == "rolled_back" and decision["rollout"]["rollback_id"] == rollback_id
    )

    # the rollback primitive ran: label/allocation ended, version revoked, audit names metric and segment
    code, audit = sim.cli(capsys, "rollback", "audit", rollback_id, at=len(seen) + 0.1)
    assert code == 0
    (entry,) = audit["entries"]
    assert "refusal_rate" in entry["reason"] and "segment billing" in entry["reason"]
    assert "Newcombe" in entry["reason"] and "canary" in entry["reason"]
    with open_store(sim.state_url) as store:
        assert store.prompt_label("summarize", "production") == 1
        revoked = store.prompt_revocation("summarize", 2)
        assert revoked is not None and revoked.lifted_at is None
        allocation = json.loads(store.prompt_allocation("summarize", "*").allocation)  # type: ignore[union-attr]
        assert allocation["variants"] == []
        kinds = [e.kind for e in store.rollout_events(decision["rollout"]["rollout_id"])]
    assert kinds[0] == "start" and kinds[-2:] == ["rolled_back", "rollback"]
    # every user is back on v1 after the rollback
    sim.day(len(seen) + 1, 300)
    assert {versions[-1][1] for versions in sim.served.values() if versions[-1][0] == len(seen) + 1} == {1}


def test_a_clean_canary_advances_through_every_step_to_production(
    make_sim: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = make_sim(Plan())
    start(sim, capsys)
    outcomes = []
    for day in range(21):
        sim.day(day)
        code, out = sim.cli(capsys, "rollout", "watch", "--detailed-exitcode", at=day + 1)
        outcomes.append((day + 1, out["outcome"], code))
        assert out["outcome"] in ("held", "advanced", "completing"), out["decisions"][0]["summary"]
    advanced = [(day, code) for day, outcome, code in outcomes if outcome == "advanced"]
    assert advanced == [(7, 10), (14, 10), (21, 10)]
    assert all(code == 0 for _, outcome, code in outcomes if outcome == "held")
    with open_store(sim.state_url) as store:
        assert store.prompt_label("summarize", "production") == 2  # production moved at 100%
    code, out = sim.cli(capsys, "rollout", "watch", at=21.5)  # past the settle hour: allocation removed
    assert (code, out["outcome"]) == (0, "completed")
    code, out = sim.cli(capsys, "rollout", "status", "summarize", at=21.6)
    (item,) = out["rollouts"]
    assert item["rollout"]["status"] == "completed"
    sim.day(22, 300)
    assert {seen[-1][1] for seen in sim.served.values() if seen[-1][0] == 22} == {2}
    assert flips(sim.served) == []  # widening only added users; nobody went back to v1


def test_too_little_traffic_waits_then_asks_for_a_person(
    make_sim: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = make_sim(Plan(), per_day=60)
    start(sim, capsys)
    sim.days(0, 7)
    code, out = sim.cli(capsys, "rollout", "watch", "--detailed-exitcode", at=7.5)
    assert (code, out["outcome"]) == (12, "waiting")
    (decision,) = out["decisions"]
    short = {g["metric"] for g in decision["guards"] if g["state"] == "short" and g["segment"] == "*"}
    assert "refusal_rate" in short and decision["rollout"]["percent"] == 5
    code, out = sim.cli(capsys, "rollout", "watch", at=7.6)
    assert (code, out["outcome"]) == (0, "waiting")  # the default exit code: nothing for a person yet
    sim.days(7, 14)
    code, out = sim.cli(capsys, "rollout", "watch", at=14.5)
    assert (code, out["outcome"]) == (1, "stalled"), json.dumps(out["decisions"], indent=1)[:6000]
    code, status = sim.cli(capsys, "rollout", "status", at=14.6)
    assert status["rollouts"][0]["guard_state"] == "evidence short"
    assert status["rollouts"][0]["rollout"]["percent"] == 5


def test_a_slow_cost_drift_under_the_allowance_every_day_is_flagged_by_the_trend(
    make_sim: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = make_sim(Plan(canary_drift_per_day=0.008))
    start(sim, capsys)
    seen = run_until(sim, capsys, lambda out: out["outcome"] == "drift", days=14)
    last = seen[-1]
    assert last["outcome"] == "drift" and last["exit_code"] == 1, [
        (o["outcome"], [d["summary"] for d in o.get("decisions", [])]) for o in seen
    ]
    assert all(o["outcome"] != "rolled_back" for o in seen)
    (decision,) = last["decisions"]
    cost = next(t for t in decision["trends"] if t["metric"] == "cost_per_request")
    assert cost["drifting"] and cost["canary"]["sustained"] and not cost["control"]["sustained"]
    assert 0.015 < cost["canary_week_over_week"] < 0.1  # planted: +0.8% a day (5.6% a week), estimated
    # no single comparison crossed the cost allowance (10%): every day stayed under it
    for out in seen:
        for guard in out["decisions"][0]["guards"]:
            if guard["metric"] == "cost_per_request" and guard["ci_low"] is not None:
                assert guard["state"] == "holds"
                assert guard["difference"] < guard["allowance"]
    _code, status = sim.cli(capsys, "rollout", "status", at=len(seen) + 0.1)
    assert status["rollouts"][0]["drifting"] == ["cost_per_request"]
