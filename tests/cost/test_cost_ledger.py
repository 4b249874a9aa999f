"""Report, budget check, reprice and price import on real SQLite and PostgreSQL stores, via the CLI too."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from cost_support import NOW, event, write_cost_repo

from platform_cli.cli.main import run
from platform_cli.cost.budget import check_budget
from platform_cli.cost.ledger import open_ledger, reprice
from platform_cli.cost.prices import load_bundled
from platform_cli.cost.pricing import price_usage
from platform_cli.cost.report import build_report
from platform_cli.cost.window import Window
from platform_cli.manifest import Budget
from platform_cli.store import open_store

TABLE = load_bundled()
WIDE = Window(NOW - dt.timedelta(days=60), NOW + dt.timedelta(days=1))


def _priced(**fields):  # type: ignore[no-untyped-def]
    e = event(**fields)
    from dataclasses import replace

    return replace(e, cost_usd=price_usage(e, e.model, TABLE))


def _mixed_events() -> list:  # type: ignore[type-arg]
    at = NOW - dt.timedelta(hours=2)
    return [
        # OpenAI: 10,000 prompt tokens of which 8,000 cached; 2,000 out -> $0.035
        _priced(at=at, input_tokens=10_000, cache_read_tokens=8_000, output_tokens=2_000, latency_ms=100.0),
        # Anthropic fallback: 1,000 uncached + 20,000 read + 4,000 written, 1,000 out -> $0.039
        _priced(at=at, provider="fallback", provider_kind="anthropic", model="claude-sonnet-4-5-20250929",
                input_tokens=25_000, cache_read_tokens=20_000, cache_write_tokens=4_000, output_tokens=1_000,
                fallback_used=True, latency_ms=900.0),
        # a model nobody priced
        _priced(at=at, model="mystery-model-2026-01-01", input_tokens=300, output_tokens=30, latency_ms=400),
        # a cache hit: no tokens, costs nothing
        _priced(at=at, input_tokens=0, output_tokens=0, cache_hit=True, latency_ms=3.0),
        # offline answer (the fake stood in for gpt-4o): priced for show, not billed
        _priced(at=at, provider_kind="fake", input_tokens=1_000, output_tokens=100, latency_ms=1.0),
    ]  # fmt: skip


def test_report_totals_match_the_hand_computation_and_show_unpriced(store_url: str) -> None:
    with open_store(store_url) as store:
        store.add_usage_events(_mixed_events())
        report = build_report(store, "cost-test", "model", WIDE)
    user = report.totals["user"]
    assert user.requests == 4
    assert round(user.cost_usd, 2) == 0.07 and user.cost_usd == pytest.approx(0.074, abs=1e-9)
    assert (user.unpriced_requests, user.cost_complete) == (1, False)
    assert user.cost_per_request == pytest.approx(0.074 / 3)
    assert (user.cache_hits, user.fallbacks) == (1, 1)
    by_model = {key: fig for key, fig in report.groups["user"]}
    assert by_model["mystery-model-2026-01-01"].cost_complete is False
    assert by_model["mystery-model-2026-01-01"].cost_per_request is None  # never $0
    assert report.unpriced_models == [("mystery-model-2026-01-01", 1, 330)]
    assert report.groups["offline"][0][1].requests == 1  # kept apart from user traffic
    as_json = report.as_dict()
    assert as_json["traffic"]["user"]["total"]["unpriced_requests"] == 1


def test_latency_percentiles_are_within_the_bucket_resolution(store_url: str) -> None:
    latencies = [float(v) for v in range(10, 1010, 10)]  # 10..1000 ms, exact p50 = 500, p95 = 950
    with open_store(store_url) as store:
        store.add_usage_events([_priced(at=NOW - dt.timedelta(minutes=i), latency_ms=v)
                                for i, v in enumerate(latencies)])  # fmt: skip
        report = build_report(store, "cost-test", "day", WIDE)
    total = report.totals["user"]
    assert total.p50_latency_ms == pytest.approx(500, rel=0.026)
    assert total.p95_latency_ms == pytest.approx(950, rel=0.026)


def test_budget_check_projection_thresholds_and_breaches(store_url: str) -> None:
    now = dt.datetime(2026, 11, 11, 0, 0, tzinfo=dt.timezone.utc)  # 10 days into a 30-day month
    events = [
        _priced(at=now - dt.timedelta(days=d, hours=1), input_tokens=100_000, output_tokens=10_000)
        for d in range(10)  # $0.35 per day (100k x 2.5e-6 + 10k x 1e-5)
    ]
    events.append(_priced(at=now - dt.timedelta(hours=3), input_tokens=1_000_000, output_tokens=0))  # $2.50
    with open_store(store_url) as store:
        store.add_usage_events(events)
        status = check_budget(store, "cost-test", Budget(10.0, 1.0, [0.5, 0.8, 1.0]), now=now)
    assert status.spend.cost_usd == pytest.approx(6.0)
    assert [t.reached for t in status.thresholds] == [True, False, False]
    # last 7 days: 7 x 0.35 + 2.50 = 4.95 -> 0.7071/day x 20 days left + 6.00
    assert status.projection_usd == pytest.approx(6.0 + 4.95 / 7 * 20)
    assert [t.projected for t in status.thresholds] == [True, True, True]
    assert status.over_per_request == 1 and status.costliest[0].cost_usd == pytest.approx(2.5)
    assert status.over and "per-request" in status.problems[0]


def test_budget_check_reports_unpriced_usage_as_unknown_spend(store_url: str) -> None:
    with open_store(store_url) as store:
        store.add_usage_events(_mixed_events())
        strict = check_budget(store, "cost-test", Budget(100.0, 1.0, [0.5]), now=NOW)
        lenient = check_budget(store, "cost-test", Budget(100.0, 1.0, [0.5]), now=NOW, allow_unpriced=True)
    assert strict.over and "unpriced" in strict.problems[0]
    assert strict.unpriced_models[0][0] == "mystery-model-2026-01-01"
    assert not lenient.over
    assert strict.spend.cost_usd == pytest.approx(0.074)  # the offline answer is not billed


def test_reprice_after_a_price_change_records_the_new_version(store_url: str, tmp_path: Path) -> None:
    repo = write_cost_repo(tmp_path / "repo", store_url)
    with open_store(store_url) as store:
        store.add_usage_events(_mixed_events())
    mystery = {"input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6}
    document = {"as_of": "2026-11-30", "source": "test", "models": {"mystery-model-2026-01-01": mystery}}
    (repo / "prices.json").write_text(json.dumps(document))
    ledger = open_ledger(repo)
    with ledger.store() as store:
        dry = reprice(store, ledger.feature, ledger.prices, WIDE, dry_run=True)
        assert build_report(store, ledger.feature, "day", WIDE).totals["user"].unpriced_requests == 1
        done = reprice(store, ledger.feature, ledger.prices, WIDE)
        report = build_report(store, ledger.feature, "day", WIDE)
        kept = store.price_table(ledger.prices.version)
    assert dry.dry_run and dry.unpriced == 0 and done.changed == 5
    assert dict(done.from_versions) == {"(never priced)": 5}
    assert report.totals["user"].unpriced_requests == 0
    assert report.totals["user"].cost_usd == pytest.approx(0.074 + 300e-6 + 30 * 2e-6)
    assert kept is not None and "mystery-model-2026-01-01" in (kept.models or "")


def test_cli_report_budget_and_prices_on_a_repo(
    store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = write_cost_repo(tmp_path / "repo", store_url)
    with open_store(store_url) as store:
        store.add_usage_events(_mixed_events())
    now = ["--now", "2026-11-20T13:00:00Z"]
    assert run(["--repo", str(repo), "cost", "report", "--by", "provider", "--since", "7d", *now]) == 0
    text = capsys.readouterr().out
    assert "UNPRICED" in text and "mystery-model-2026-01-01" in text and "+ 1 unpriced" in text
    assert "offline" in text
    assert run(["--repo", str(repo), "cost", "report", "--format", "csv", "--since", "7d", *now]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    total = next(r for r in rows if r["day"] == "TOTAL" and r["traffic"] == "user")
    assert (total["cost_complete"], total["unpriced_requests"]) == ("false", "1")
    assert run(["--repo", str(repo), "cost", "budget", "check", "--format", "json", *now]) == 1
    status = json.loads(capsys.readouterr().out)
    assert status["unpriced_requests"] == 1 and status["over"] is True
    assert run(["--repo", str(repo), "cost", "prices", "show", "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["unpriced"] == [] and set(shown["models"]) == {
        "gpt-4o-2024-08-06",
        "claude-sonnet-4-5-20250929",
    }


def test_prices_import_takes_litellm_entries_and_reports_bad_ones_by_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = write_cost_repo(tmp_path / "repo", f"sqlite:///{tmp_path / 'state.db'}")
    litellm = {
        "sample_spec": {"input_cost_per_token": "USD per token"},
        "gpt-4o-2024-08-06": {"input_cost_per_token": 2.4e-06, "output_cost_per_token": 9e-06,
                              "cache_read_input_token_cost": 1.2e-06, "litellm_provider": "openai"},
        "dall-e-3": {"output_cost_per_image": 0.04, "litellm_provider": "openai"},
    }  # fmt: skip
    source = tmp_path / "model_prices_and_context_window.json"
    source.write_text(json.dumps(litellm, indent=4))
    argv = ["--repo", str(repo), "cost", "prices", "import", str(source), "--as-of", "2026-11-30"]
    assert run([*argv, "--dry-run"]) == 0
    assert "would write" in capsys.readouterr().out
    assert not (repo / "prices.json").exists()
    assert run([*argv, "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["added"] == ["gpt-4o-2024-08-06"]
    assert result["not_in_file"] == ["claude-sonnet-4-5-20250929"]
    written = json.loads((repo / "prices.json").read_text())
    assert written["as_of"] == "2026-11-30"
    assert written["models"]["gpt-4o-2024-08-06"]["input_cost_per_token"] == 2.4e-06
    assert open_ledger(repo).prices.lookup("gpt-4o-2024-08-06").input_cost_per_token == 2.4e-06  # type: ignore[union-attr]

    litellm["gpt-4o-2024-08-06"]["output_cost_per_token"] = -1  # type: ignore[index]
    source.write_text(json.dumps(litellm, indent=4))
    before = (repo / "prices.json").read_text()
    assert run(argv) == 2
    err = capsys.readouterr().err
    line = next(
        i for i, text in enumerate(source.read_text().splitlines(), 1) if '"gpt-4o-2024-08-06"' in text
    )
    assert f"{source}:{line}:" in err and "output_cost_per_token" in err and "not a price" in err
    assert (repo / "prices.json").read_text() == before  # nothing half-written
