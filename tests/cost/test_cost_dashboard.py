"""The cost dashboard: one offline HTML file, opened in real headless chromium (Debian's, via Playwright):
every panel renders, no console error, no network request, unpriced usage called out; and --serve."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
import requests
from browser import visit
from cost_support import event, write_cost_repo

from platform_cli.cli.main import run
from platform_cli.cost.dashboard import PANELS, label
from platform_cli.cost.prices import load_bundled
from platform_cli.cost.pricing import price_usage
from platform_cli.store import open_store

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone.utc)


def _history() -> list:  # type: ignore[type-arg]
    """Five weeks of mixed OpenAI/Anthropic traffic, a new prompt version, eval and offline traffic, and a
    model nobody priced."""
    table = load_bundled()
    events = []
    for day in range(35):
        at = NOW - dt.timedelta(days=35 - day)
        for i in range(12):
            anthropic = i % 4 == 0
            e = event(
                at + dt.timedelta(minutes=11 * i),
                prompt_version=1 if day < 20 else 2,
                provider="fallback" if anthropic else "primary",
                provider_kind="anthropic" if anthropic else "openai",
                model="claude-sonnet-4-5-20250929" if anthropic else "gpt-4o-2024-08-06",
                input_tokens=2_000 + 20 * day, cache_read_tokens=800 if i % 3 == 0 else 0,
                cache_write_tokens=300 if anthropic else 0, output_tokens=150,
                latency_ms=150.0 + 40 * i, refusal=i == 5, fallback_used=anthropic, cache_hit=False,
            )  # fmt: skip
            events.append(replace(e, cost_usd=price_usage(e, e.model, table)))
    events.append(event(NOW - dt.timedelta(hours=5), model="<b>mystery</b>-2026-01-01", cost_usd=None))
    offline = event(NOW - dt.timedelta(hours=4), provider_kind="fake")
    events.append(replace(offline, cost_usd=price_usage(offline, offline.model, table)))
    return events


@pytest.fixture
def dashboard_repo(tmp_path: Path) -> Path:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    repo = write_cost_repo(tmp_path / "repo", url, soak_days=35)
    with open_store(url) as store:
        store.add_usage_events(_history())
    return repo


def _artifact(name: str) -> Path:
    """Where screenshots go: $PLATFORM_TEST_ARTIFACTS, else <tmp>/platform-cli-test-artifacts (never the
    repo; kept after the run, unlike pytest's rotating temp dirs)."""
    default = Path(tempfile.gettempdir()) / "platform-cli-test-artifacts"
    base = Path(os.environ.get("PLATFORM_TEST_ARTIFACTS") or default)
    base.mkdir(parents=True, exist_ok=True)
    return base / name


def test_dashboard_renders_every_panel_offline_in_headless_chromium(
    dashboard_repo: Path, tmp_path: Path
) -> None:
    page = tmp_path / "cost.html"
    argv = ["--repo", str(dashboard_repo), "cost", "dashboard", "-o", str(page), "--now", NOW.isoformat()]
    assert run(argv) == 0
    html = page.read_text(encoding="utf-8")
    assert "<script src" not in html and "https://" not in html.split("<script>", 1)[0]
    shot = _artifact("cost-dashboard.png")
    seen = visit(page, shot)
    print(f"dashboard screenshot: {shot}")

    assert seen.errors == []
    assert seen.requests == [page.resolve().as_uri()]  # the file itself, nothing else
    panels = {p["name"]: p for p in seen.panels}
    assert list(panels) == [name for name, _ in PANELS]
    for name, probe in panels.items():
        assert probe["svgs"] >= 1 and probe["marks"] >= 1, f"panel {name} drew nothing: {probe}"
    assert panels["spend"]["marks"] >= 4  # daily bars, month to date, budget, projection
    assert panels["cost_per_request"]["marks"] == 2  # summarize@v1 and @v2
    unpriced = panels["unpriced"]["text"]
    assert "UNPRICED usage is not in any cost" in unpriced and "<b>mystery</b>-2026-01-01" in unpriced
    assert "+ 1 unpriced" in seen.text  # the headline total says so too, never a bare $0
    assert shot.stat().st_size > 50_000


def test_data_labels_cannot_inject_markup() -> None:
    assert (
        label('<a href="javascript:alert(1)">x</a>')
        == '\u2039a href="javascript:alert(1)"\u203ax\u2039/a\u203a'
    )


def test_dashboard_serve_answers_live_from_the_store(dashboard_repo: Path) -> None:
    command = [sys.executable, "-m", "platform_cli", "--repo", str(dashboard_repo), "cost", "dashboard",
               "--serve", "--port", "0", "--now", NOW.isoformat()]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", first)
        assert match, first + (proc.stderr.read() if proc.poll() is not None and proc.stderr else "")
        base = f"http://127.0.0.1:{match.group(1)}"
        page = requests.get(base + "/", timeout=60)
        assert page.status_code == 200 and 'data-panel="unpriced"' in page.text
        assert requests.get(base + "/healthz", timeout=10).text == "ok\n"
        assert requests.get(base + "/etc/passwd", timeout=10).status_code == 404
    finally:
        proc.terminate()
        proc.wait(timeout=10)
