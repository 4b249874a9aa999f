"""`platform rollout` as users run it: refusals with their exit codes, dry runs that write nothing, abort
and advance by hand, status in text and JSON, and the clock that cannot be set ahead."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from rollout_support import publish_v1_v2, write_repo

from platform_cli import clock
from platform_cli.cli.main import run
from platform_cli.prompts.portfolio import allocate
from platform_cli.store import open_store


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    root = write_repo(tmp_path / "repo", url)
    monkeypatch.setenv(clock.ENV, "2026-03-02T00:00:00Z")
    publish_v1_v2(url)
    return root, url


def cli(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = run(["--repo", str(root), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def as_json(text: str) -> Any:
    return json.loads(text)


def test_start_dry_run_writes_nothing_then_start_allocates_the_first_step(
    repo: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    root, url = repo
    code, out, _ = cli(capsys, root, "rollout", "start", "summarize", "2", "--dry-run")
    assert code == 0 and "would start" in out and "[5%]" in out
    with open_store(url) as store:
        assert store.active_rollout("summarize") is None and store.prompt_allocation("summarize", "*") is None
    code, out, _ = cli(capsys, root, "rollout", "start", "summarize", "v2", "--format", "json")
    data = as_json(out)
    assert code == 0 and data["rollout"]["variant"] == "v2" and data["rollout"]["control_version"] == 1
    with open_store(url) as store:
        allocation = json.loads(store.prompt_allocation("summarize", "*").allocation)  # type: ignore[union-attr]
    assert allocation["variants"][0]["name"] == "v2"
    assert sum(end - begin for begin, end in allocation["variants"][0]["ranges"]) == 500  # 5% of 10,000
    code, _, err = cli(capsys, root, "rollout", "start", "summarize", "2")
    assert code == 2 and "already rolling out v2" in err


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("summarize", "9"), 2, "has no version 9"),
        (("summarize", "1"), 2, "already what production serves"),
        (("summarize", "two"), 2, "write a published version number"),
    ],
)
def test_start_refuses_what_it_cannot_walk(
    repo: tuple[Path, str], capsys: pytest.CaptureFixture[str], args: tuple[str, ...], code: int, message: str
) -> None:
    root, _ = repo
    found, _, err = cli(capsys, root, "rollout", "start", *args)
    assert (found, message in err) == (code, True), err


def test_a_prompt_that_already_splits_its_traffic_is_refused(
    repo: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    root, url = repo
    with open_store(url) as store:
        allocate(store, "summarize", {"v2": 1000}, author="a@example.com", reason="experiment")
    code, _, err = cli(capsys, root, "rollout", "start", "summarize", "2")
    assert code == 2 and "already splits its traffic" in err and "--variant NAME=0" in err


def test_the_eval_gate_on_production_applies_before_users_get_the_version(
    repo: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = repo
    manifest = root / "ai-feature.yaml"
    manifest.write_text(manifest.read_text().replace("gated_labels: []", "gated_labels: [production]"))
    code, _, err = cli(capsys, root, "rollout", "start", "summarize", "2")
    assert code == 1 and "refused by the eval gate" in err and "no finished run of v2" in err
    code, _, err = cli(capsys, root, "rollout", "start", "summarize", "2", "--override-gate")
    assert code == 2 and "--override-gate needs --reason" in err
    code, out, _ = cli(
        capsys, root, "rollout", "start", "summarize", "2", "--override-gate", "--reason", "hotfix"
    )
    assert code == 0 and "OVERRIDDEN" in out


def test_a_clock_set_ahead_of_the_real_one_is_refused(
    repo: tuple[Path, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, _ = repo
    assert cli(capsys, root, "rollout", "start", "summarize", "2")[0] == 0
    ahead = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    code, _, err = cli(capsys, root, "rollout", "watch", "--now", ahead)
    assert code == 4 and "cannot be skipped" in err
    monkeypatch.setenv(clock.ENV, ahead)
    assert cli(capsys, root, "rollout", "status")[0] == 4
    code, _, err = cli(capsys, root, "rollout", "watch", "--now", "next tuesday")
    assert code == 2 and "--now 'next tuesday'" in err


def test_watch_holds_while_soaking_and_says_how_guards_decide(
    repo: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = repo
    code, out, _ = cli(capsys, root, "rollout", "watch")
    assert (code, out.strip()) == (0, "no active rollout")
    assert cli(capsys, root, "rollout", "start", "summarize", "2")[0] == 0
    code, out, _ = cli(capsys, root, "rollout", "watch", "--now", "2026-03-03T00:00:00Z")
    assert code == 0 and out.startswith("HELD: summarize v2") and "soaking at 5% for 1.0 of 7 days" in out
    code, out, _ = cli(capsys, root, "rollout", "status", "--now", "2026-03-03T01:00:00Z")
    assert code == 0 and "guards: evidence short" in out and "How guards decide" in out
    assert "Newcombe" in out and "min" in out
    code, out, _ = cli(capsys, root, "rollout", "status", "summarize", "--format", "json",
                       "--now", "2026-03-03T01:00:00Z")  # fmt: skip
    data = as_json(out)
    guards = {g["metric"]: g for g in data["rollouts"][0]["guards"] if g["segment"] == "*"}
    assert guards["refusal_rate"]["min_samples"] == 40 and guards["refusal_rate"]["test"].startswith(
        "Newcombe"
    )
    assert data["settings"]["guards"][0]["relative"] is not None
    assert {t["metric"] for t in data["rollouts"][0]["trends"]} >= {"refusal_rate", "cost_per_request"}


def test_advance_by_hand_then_abort_sends_everyone_back_to_control(
    repo: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    root, url = repo
    assert cli(capsys, root, "rollout", "start", "summarize", "2")[0] == 0
    code, out, _ = cli(capsys, root, "rollout", "advance", "summarize", "--reason", "ok", "--dry-run")
    assert code == 0 and "would advance" in out
    code, out, _ = cli(capsys, root, "rollout", "advance", "summarize", "--reason", "product call",
                       "--format", "json")  # fmt: skip
    assert code == 0 and as_json(out)["after"]["percent"] == 25
    code, _, err = cli(capsys, root, "rollout", "abort", "summarize")
    assert code == 2 and "--reason" in err
    code, out, _ = cli(capsys, root, "rollout", "abort", "summarize", "--reason", "launch moved")
    assert code == 0 and "aborted" in out
    with open_store(url) as store:
        allocation = json.loads(store.prompt_allocation("summarize", "*").allocation)  # type: ignore[union-attr]
        assert allocation["variants"] == [] and store.prompt_label("summarize", "production") == 1
        assert store.prompt_revocation("summarize", 2) is None  # an abort is not a rollback
        (record,) = store.rollouts("rollout-sim", "summarize")
        kinds = [e.kind for e in store.rollout_events(record.rollout_id)]
    assert record.status == "aborted" and kinds == ["start", "advance", "abort"]
    code, _, err = cli(capsys, root, "rollout", "abort", "summarize", "--reason", "again")
    assert code == 2 and "no active rollout (last: ro-" in err


def test_abort_after_production_moved_points_at_rollback(
    repo: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    root, url = repo
    assert cli(capsys, root, "rollout", "start", "summarize", "2")[0] == 0
    for _ in range(3):
        assert cli(capsys, root, "rollout", "advance", "summarize", "--reason", "fast")[0] == 0
    with open_store(url) as store:
        assert store.prompt_label("summarize", "production") == 2
    code, _, err = cli(capsys, root, "rollout", "abort", "summarize", "--reason", "too late")
    assert code == 4 and "platform rollback prompt summarize" in err
    code, out, _ = cli(capsys, root, "rollout", "watch", "--detailed-exitcode", "--now",
                       "2026-03-02T00:30:00Z")  # fmt: skip
    assert code == 0 and out.startswith("COMPLETING")
    code, out, _ = cli(capsys, root, "rollout", "watch", "--detailed-exitcode", "--now",
                       "2026-03-02T02:00:00Z")  # fmt: skip
    assert code == 11 and out.startswith("COMPLETED")


def test_every_rollout_command_has_help_with_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("start", "status", "advance", "abort", "watch", "score"):
        capsys.readouterr()
        assert run(["rollout", command, "--help"]) == 0
        assert "Example:" in capsys.readouterr().out, command
