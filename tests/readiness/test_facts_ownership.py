"""The `ownership` and `oncall` facts."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from fact_repos import BASE_MANIFEST, collect, line_containing, make_repo, manifest

from platform_cli.readiness.facts.ownership import OncallCollector, OwnershipCollector, owner_kind


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("jane.doe@example.com", "person"),
        ("@jdoe", "person"),
        ("jdoe", "person"),
        (["jane.doe@example.com", "raj@example.com"], "list"),
        (["jane.doe@example.com"], "list"),
        ("team-demo", "team"),  # the owning team itself
        ("@acme/ml-evals", "team"),  # a GitHub team
        ("ai-team@example.com", "team"),
        ("support-squad", "team"),
        ("Jane Doe", "invalid"),
        ("", "missing"),
        (None, "missing"),
        (42, "invalid"),
    ],
)
def test_owner_kind(value: Any, kind: str) -> None:
    assert owner_kind(value, "team-demo") == kind


def _with_eval_owner(value: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE_MANIFEST)
    data["metadata"]["eval_owner"] = value
    return data


def test_ownership_fact_points_at_eval_owner(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", BASE_MANIFEST)
    fact = collect(OwnershipCollector(), root)
    assert fact.value == {
        "owner": "team-demo",
        "eval_owner": "jane.doe@example.com",
        "eval_owner_kind": "person",
        "eval_owner_count": 1,
    }
    assert (fact.file, fact.line) == (
        "ai-feature.yaml",
        line_containing(root, "ai-feature.yaml", "eval_owner"),
    )


def test_ownership_fact_with_a_list_of_owners(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", _with_eval_owner(["a@example.com", "b@example.com"]))
    fact = collect(OwnershipCollector(), root)
    assert fact.value["eval_owner_kind"] == "list" and fact.value["eval_owner_count"] == 2


def test_oncall_fact_lists_every_provider_owner(tmp_path: Path) -> None:
    providers = [
        {
            "name": "primary",
            "kind": "fake",
            "model": "fake-chat-2025-01-01",
            "oncall_owner": "jane@example.com",
        },
        {"name": "backup", "kind": "fake", "model": "fake-chat-2025-02-01"},
    ]
    root = make_repo(tmp_path / "repo", manifest(providers=providers, oncall={"rotation": "demo-primary"}))
    fact = collect(OncallCollector(), root)
    assert fact.value["rotation"] == "demo-primary" and fact.value["escalation"] is None
    primary, backup = fact.value["providers"]
    assert primary["oncall_owner"] == "jane@example.com"
    assert primary["line"] == line_containing(root, "ai-feature.yaml", "oncall_owner")
    assert backup["oncall_owner"] is None
    assert backup["line"] == line_containing(root, "ai-feature.yaml", "name: backup")
    assert fact.line == line_containing(root, "ai-feature.yaml", "rotation:")


def test_oncall_fact_without_rotation(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", manifest(oncall=None))
    fact = collect(OncallCollector(), root)
    assert fact.value["rotation"] is None
