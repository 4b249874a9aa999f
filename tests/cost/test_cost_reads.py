"""Read commands never create the store; commands that write files have --dry-run; the dashboard reads the
ledger once; repricing keeps offline answers at their offline price."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cost_support import NOW, event, write_cost_repo

from platform_cli.cli.main import run
from platform_cli.cost.dashboard_data import collect
from platform_cli.cost.ledger import open_ledger, reprice
from platform_cli.cost.prices import load_bundled
from platform_cli.cost.pricing import price_usage
from platform_cli.cost.window import Window
from platform_cli.manifest import Budget
from platform_cli.store import open_store

AT = ["--now", NOW.isoformat()]


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["cost", "report", "--since", "7d"], 0),
        (["cost", "report", "--format", "json"], 0),
        (["cost", "budget", "check"], 0),
        (["cost", "budget", "check", "--format", "json"], 0),
        (["cost", "trends"], 0),
        (["cost", "metrics"], 0),
        (["cost", "dashboard", "--dry-run"], 0),
    ],
)
def test_reads_of_a_store_never_written_say_so_and_create_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], code: int
) -> None:
    state = tmp_path / "state" / "state.db"
    repo = write_cost_repo(tmp_path / "repo", f"sqlite:///{state}")
    assert run(["--repo", str(repo), *argv, *AT]) == code
    out, err = capsys.readouterr()
    assert "no usage recorded yet" in err
    assert not state.exists() and not state.parent.exists()  # no file, no directory
    if "json" in argv:
        data = json.loads(out)  # stdout stays machine-readable: the notice went to stderr
        assert data.get("requests_mtd", 0) == 0


def test_the_dashboard_of_a_store_never_written_is_an_empty_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state.db"
    repo = write_cost_repo(tmp_path / "repo", f"sqlite:///{state}")
    page = tmp_path / "cost.html"
    assert run(["--repo", str(repo), "cost", "dashboard", "-o", str(page), *AT]) == 0
    assert "no usage recorded yet" in capsys.readouterr().err
    assert "<b>0</b> requests" in page.read_text(encoding="utf-8")
    assert not state.exists()


def test_reads_of_an_existing_store_do_not_say_it_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    repo = write_cost_repo(tmp_path / "repo", url)
    with open_store(url) as store:
        store.add_usage_events([event(NOW - dt.timedelta(hours=1), cost_usd=0.01)])
    assert run(["--repo", str(repo), "cost", "report", "--format", "json", *AT]) == 0
    out, err = capsys.readouterr()
    assert "no usage" not in err
    assert json.loads(out)["traffic"]["user"]["total"]["requests"] == 1


@pytest.mark.parametrize(("command", "name"), [("alerts", "rules.yml"), ("grafana", "dashboard.json")])
def test_generators_dry_run_print_what_they_would_write_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, name: str
) -> None:
    repo = write_cost_repo(tmp_path / "repo", f"sqlite:///{tmp_path / 'state.db'}")
    target = tmp_path / "monitoring" / name
    argv = ["--repo", str(repo), "cost", command, "-o", str(target)]
    assert run([*argv, "--dry-run"]) == 0
    preview, err = capsys.readouterr()
    assert not target.exists() and not target.parent.exists()
    assert f"would write {target}" in err and "a new file" in err and "nothing written" in err
    target.parent.mkdir()
    assert run(argv) == 0
    capsys.readouterr()
    assert target.read_text(encoding="utf-8") == preview  # the preview is exactly what gets written
    assert run([*argv, "--dry-run"]) == 0
    assert "unchanged" in capsys.readouterr().err
    target.write_text("edited by hand\n", encoding="utf-8")
    assert run([*argv, "--dry-run"]) == 0
    assert "would replace it" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "edited by hand\n"


def test_report_dry_run_writes_no_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = write_cost_repo(tmp_path / "repo", f"sqlite:///{tmp_path / 'state.db'}")
    target = tmp_path / "usage.csv"
    argv = ["--repo", str(repo), "cost", "report", "--format", "csv", "-o", str(target), "--dry-run", *AT]
    assert run(argv) == 0
    out, err = capsys.readouterr()
    assert out.startswith("day,traffic,requests") and f"would write {target}" in err
    assert not target.exists()


def _history() -> list[Any]:
    table = load_bundled()
    events = []
    for day in range(30):
        for hour in (1, 9, 17):
            e = event(NOW - dt.timedelta(days=day, hours=hour), prompt_version=1 + day // 10,
                      variant="canary" if hour == 9 else None, latency_ms=100.0 + day)  # fmt: skip
            events.append(replace(e, cost_usd=price_usage(e, e.model, table)))
    return events


def test_the_dashboard_reads_the_cached_days_once(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every panel, the budget and the soak trend are summed from one read: one query of the per-day cache,
    and events only for the partial days at the windows' ends (not once per panel)."""
    window = Window(NOW - dt.timedelta(days=25, hours=5), NOW)
    with open_store(store_url) as store:
        store.add_usage_events(_history())

        def build() -> Any:
            return collect(store, "cost-test", window, now=NOW, budget=Budget(100.0, 0.05, [0.5]),
                           soak_days=21, price_version="v", price_as_of="2026-11-01")  # fmt: skip

        build()  # fills and verifies the cache
        seen: list[str] = []
        execute = store._db.execute

        def recording(statement: Any, params: Any = ()) -> Any:
            seen.append(store._db.text(statement))
            return execute(statement, params)

        monkeypatch.setattr(store._db, "execute", recording)
        data = build()
    cache_reads = [s for s in seen if "FROM usage_daily " in s and s.startswith("SELECT")]
    event_scans = [s for s in seen if "FROM usage_events" in s and "GROUP BY" in s]
    assert len(cache_reads) == 1
    assert len(event_scans) <= 2  # the partial first day of the window and today
    assert data.total.requests == sum(f.requests for f in data.daily.values())
    assert data.budget is not None and data.trends is not None and data.trends.trends


def test_reprice_keeps_offline_answers_at_their_offline_price(store_url: str, tmp_path: Path) -> None:
    repo = write_cost_repo(tmp_path / "repo", store_url)
    at = NOW - dt.timedelta(hours=1)
    with open_store(store_url) as store:
        store.add_usage_events([
            # the fake answering under its own model id: bills nothing ($0, not unpriced)
            event(at, provider_kind="fake", model="fake-chat-2025-01-01", cost_usd=0.0),
            # the fake standing in for a declared model: priced as that model
            event(at, provider_kind="fake", model="gpt-4o-2024-08-06", cost_usd=None),
            # a real provider's model nobody priced stays unpriced
            event(at, provider_kind="openai", model="mystery-2026-01-01", cost_usd=None),
        ])  # fmt: skip
    ledger = open_ledger(repo)
    with ledger.store() as store:
        done = reprice(store, ledger.feature, ledger.prices, Window(at, NOW))
        costs = {e.model: e.cost_usd for e in store.usage_events("cost-test")}
    assert (done.priced, done.unpriced) == (2, 1)
    assert costs["fake-chat-2025-01-01"] == 0.0
    assert costs["gpt-4o-2024-08-06"] == pytest.approx(1000 * 2.5e-6 + 100 * 1e-5)
    assert costs["mystery-2026-01-01"] is None


def test_metrics_dry_run_writes_and_pushes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    repo = write_cost_repo(tmp_path / "repo", url)
    with open_store(url) as store:
        store.add_usage_events([event(NOW - dt.timedelta(hours=1), cost_usd=0.01)])
    target = tmp_path / "ai.prom"
    argv = ["--repo", str(repo), "cost", "metrics", "--dry-run", *AT]
    assert run([*argv, "--textfile", str(target)]) == 0
    out, err = capsys.readouterr()
    assert "platform_cost_spend_mtd_usd" in out and f"would write {target}" in err
    assert not target.exists()
    # nothing listens on this port: a real push would fail, a dry run never connects
    assert run([*argv, "--pushgateway", "http://127.0.0.1:9"]) == 0
    out, err = capsys.readouterr()
    assert "platform_cost_spend_mtd_usd" in out and "nothing pushed" in err
