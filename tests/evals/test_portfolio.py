"""`platform eval portfolio`: every variant on the same cases; per segment the winner with intervals, a
suggested allocation (clearly worse variants get none), and --apply through the registry's allocations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eval_repos import generated
from runtime_support import publish_prompts

from platform_cli.cli.main import run
from platform_cli.store import open_store


def test_portfolio_finds_the_segment_where_a_variant_loses_and_applies_the_allocation(
    tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PLATFORM_OFFLINE", "1")
    monkeypatch.setenv("PLATFORM_STATE_URL", store_url)
    repo = generated(tmp_path / "repo")
    base = ["--repo", str(repo)]
    publish_prompts(repo, store_url)  # PostgreSQL: CI publishes v1 (SQLite: published on first use)
    assert run([*base, "eval", "run", "smoke"]) == 0  # production v1
    prompt = repo / "prompts/summarize.yaml"
    old = '"{{ ticket }}"'
    new = "\"{% if segment == 'billing' %}Please help me.{% else %}{{ ticket }}{% endif %}\""
    prompt.write_text(prompt.read_text().replace(old, new))
    assert run([*base, "prompts", "publish", "summarize"]) == 0
    capsys.readouterr()

    portfolio = ["eval", "portfolio", "summarize", "--variant", "v2", "--apply", "--format", "json"]
    assert run([*base, *portfolio]) == 0
    report = json.loads(capsys.readouterr().out)
    segments = {s["segment"]: s for s in report["segments"]}
    assert segments["billing"]["winner"] == "production"
    billing_v2 = next(v for v in segments["billing"]["variants"] if v["variant"] == "v2")
    assert billing_v2["dominated"] and billing_v2["delta_vs_best"][2] < 0
    assert segments["billing"]["allocation"] == {"v2": 0.0}
    assert segments["technical"]["allocation"] == {"v2": 50.0}  # no difference on technical: keep exploring
    with open_store(store_url) as store:
        allocations = {r.segment: json.loads(r.allocation) for r in store.prompt_allocations("summarize")}
    assert set(allocations) == {"billing", "technical"}
