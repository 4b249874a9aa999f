"""The `budget` and `rollout` facts."""

from __future__ import annotations

from pathlib import Path

from fact_repos import collect, line_containing, make_repo, manifest

from platform_cli.readiness.facts.budget_rollout import BudgetCollector, RolloutCollector


def test_budget_declared(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", manifest())
    fact = collect(BudgetCollector(), root)
    table = fact.value.pop("price_table")
    assert fact.value == {
        "declared": True,
        "monthly_usd": 100.0,
        "per_request_usd": 0.01,
        "alert_at": [0.5, 0.8, 1.0],
        "models": [p["model"] for p in manifest()["spec"]["providers"] if p["kind"] != "fake"],
        "unpriced_models": [],
    }
    assert table["version"].startswith("p-") and table["as_of"]
    assert fact.line == line_containing(root, "ai-feature.yaml", "budget:")


def test_budget_partial_and_absent(tmp_path: Path) -> None:
    partial = make_repo(tmp_path / "partial", manifest(budget={"monthly_usd": 50}))
    value = collect(BudgetCollector(), partial).value
    assert {k: value[k] for k in ("declared", "monthly_usd", "per_request_usd", "alert_at")} == {
        "declared": True,
        "monthly_usd": 50.0,
        "per_request_usd": None,
        "alert_at": [],
    }
    absent = make_repo(tmp_path / "absent", manifest(budget=None))
    fact = collect(BudgetCollector(), absent)
    assert fact.value["declared"] is False and fact.value["monthly_usd"] is None
    assert fact.line == line_containing(absent, "ai-feature.yaml", "spec:")


def test_rollout(tmp_path: Path) -> None:
    root = make_repo(
        tmp_path / "repo",
        manifest(rollout={"steps": [1, 100], "soak_days": 7, "guard_metrics": ["p95_latency"]}),
    )
    fact = collect(RolloutCollector(), root)
    assert fact.value == {
        "declared": True,
        "steps": [1, 100],
        "soak_days": 7,
        "guard_metrics": ["p95_latency"],
    }
    assert fact.line == line_containing(root, "ai-feature.yaml", "soak_days")
    absent = make_repo(tmp_path / "absent", manifest(rollout=None))
    assert collect(RolloutCollector(), absent).value == {
        "declared": False,
        "steps": [],
        "soak_days": None,
        "guard_metrics": [],
    }
