"""The online scoring pass: the eval harness's scorers on stored live answers, off the request path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rollout_support import FEATURE, MODEL, write_repo

from platform_cli.errors import InvalidFile
from platform_cli.evals.model import Answer, CallError
from platform_cli.evals.scorers.base import JudgeCall
from platform_cli.manifest import load_manifest
from platform_cli.providers.fake import REFUSAL_TEXT
from platform_cli.rollout.scoring import score_pending
from platform_cli.store import open_store
from platform_cli.store.rollout import OnlineSample

JUDGE_SUITE = """name: online
prompt: summarize
dataset: evals/datasets/online.jsonl
owner: ann@example.com
scorers:
  - {type: refusal}
  - {type: judge, prompt: grade}
"""


def sample(
    text: str, *, prompt: str = "summarize", variant: str = "v2", refusal: bool = False
) -> OnlineSample:
    return OnlineSample(
        "2026-03-02T10:00:00.000000Z", FEATURE, "complete", prompt, 2, "h", variant, "billing", "u",
        json.dumps({"ticket": "t", "segment": "billing"}), text, refusal, "stop", 12.0, "primary", MODEL,
        0.0001, False, 60, 20,
    )  # fmt: skip


def repo(tmp_path: Path, **rollout: object) -> tuple[Path, str]:
    url = f"sqlite:///{tmp_path / 's.db'}"
    return write_repo(tmp_path / "repo", url, **rollout), url


def test_live_answers_are_scored_by_the_suites_scorers_that_need_no_expected_value(tmp_path: Path) -> None:
    root, url = repo(tmp_path, online_scoring={"suite": "online"})
    manifest = load_manifest(root / "ai-feature.yaml")
    with open_store(url) as store:
        store.add_online_samples([sample("Summary of the ticket."), sample(REFUSAL_TEXT, refusal=True),
                                  sample("x" * 900), sample("other", prompt="chat")])  # fmt: skip
        result = score_pending(store, manifest)
        again = score_pending(store, manifest)
        rows = {r.score for r in store.sample_scores(FEATURE, "summarize", "2026", "2027")}
        chat = store.sample_scores(FEATURE, "chat", "2026", "2027")
    assert result.scorers == ["refusal", "max-length"] and result.suite == "online"
    assert list(result.left_out) == ["icontains-any"] and "expected value" in result.left_out["icontains-any"]
    assert (result.scored, result.unscored_left, again.scored) == (4, 0, 0)
    # a clean answer scores 1; a refusal fails `refusal`; an overlong answer gets max-length's partial credit
    assert max(rows) == 1.0 and 0.5 in rows and any(0.5 < r < 1.0 for r in rows)
    assert chat == []  # the suite judges summarize: another prompt's samples get no score


def test_the_judge_runs_within_its_daily_budget_and_leaves_the_rest_for_tomorrow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, url = repo(tmp_path, online_scoring={"suite": "online", "judge_budget_usd": 1.0})
    (root / "evals" / "suites" / "online.yaml").write_text(JUDGE_SUITE)
    manifest = load_manifest(root / "ai-feature.yaml")
    calls: list[JudgeCall] = []

    def judge(call: JudgeCall) -> Answer:
        calls.append(call)
        return Answer(text='{"score": 0.8, "reason": "fine"}', cost_usd=0.4, model=MODEL)

    monkeypatch.setenv("PLATFORM_NOW", "2026-03-02T12:00:00Z")
    with open_store(url) as store:
        store.add_online_samples([sample(f"answer {i}") for i in range(6)])
        first = score_pending(store, manifest, judge=judge)
        assert (first.scored, first.unscored_left) == (3, 3)  # $0.40 each: the third goes over $1
        assert first.judge_stopped is not None and "budget" in first.judge_stopped
        assert first.judge_spent_today_usd == pytest.approx(1.2)
        assert calls[0].variables["output"] == "answer 0"
        same_day = score_pending(store, manifest, judge=judge)
        assert same_day.scored == 0 and "budget" in (same_day.judge_stopped or "")
        monkeypatch.setenv("PLATFORM_NOW", "2026-03-03T12:00:00Z")
        next_day = score_pending(store, manifest, judge=judge)
        assert (next_day.scored, next_day.unscored_left) == (3, 0)


def test_an_unpriced_judge_stops_rather_than_spend_without_a_count(tmp_path: Path) -> None:
    root, url = repo(tmp_path, online_scoring={"suite": "online", "judge_budget_usd": 1.0})
    (root / "evals" / "suites" / "online.yaml").write_text(JUDGE_SUITE)
    manifest = load_manifest(root / "ai-feature.yaml")
    with open_store(url) as store:
        store.add_online_samples([sample("answer")])
        result = score_pending(store, manifest, judge=lambda call: Answer(text='{"score": 1}', model="x"))
    assert result.scored == 0 and result.unscored_left == 1
    assert result.judge_stopped is not None and "unpriced" in result.judge_stopped


def test_a_failing_judge_leaves_the_samples_for_the_next_pass_instead_of_scoring_them_zero(
    tmp_path: Path,
) -> None:
    root, url = repo(tmp_path, online_scoring={"suite": "online", "judge_budget_usd": 1.0})
    (root / "evals" / "suites" / "online.yaml").write_text(JUDGE_SUITE)
    manifest = load_manifest(root / "ai-feature.yaml")

    def limited(call: JudgeCall) -> Answer:
        raise CallError("judge grade: HTTP 429 from primary", rate_limited=True, retry_after_s=30)

    with open_store(url) as store:
        store.add_online_samples([sample("answer 0"), sample("answer 1")])
        failed = score_pending(store, manifest, judge=limited)
        assert (failed.scored, failed.unscored_left) == (0, 2)
        assert failed.judge_stopped is not None and "rate-limited" in failed.judge_stopped
        assert "429" in failed.judge_stopped
        assert store.sample_scores(FEATURE, "summarize", "2026", "2027") == []  # no 0 recorded
        fine = Answer(text='{"score": 0.9, "reason": "fine"}', cost_usd=0.01, model=MODEL)
        later = score_pending(store, manifest, judge=lambda call: fine)
        assert (later.scored, later.unscored_left, later.judge_stopped) == (2, 0, None)


def test_without_online_scoring_nothing_is_scored(tmp_path: Path) -> None:
    root, url = repo(tmp_path, online_scoring=None)
    with open_store(url) as store:
        assert score_pending(store, load_manifest(root / "ai-feature.yaml")).configured is False


def test_scorers_listed_in_the_manifest_judge_every_prompt(tmp_path: Path) -> None:
    root, url = repo(tmp_path)  # online_scoring.scorers: refusal, max-length
    with open_store(url) as store:
        store.add_online_samples([sample("fine"), sample("other prompt, fine too", prompt="chat")])
        result = score_pending(store, load_manifest(root / "ai-feature.yaml"))
        scored = [*store.sample_scores(FEATURE, "summarize", "2026", "2027"),
                  *store.sample_scores(FEATURE, "chat", "2026", "2027")]  # fmt: skip
    assert (result.suite, result.scored, result.left_out) == ("ai-feature.yaml", 2, {})
    assert [s.score for s in scored] == [1.0, 1.0]


def test_a_bad_scorer_in_the_manifest_is_located_at_its_line(tmp_path: Path) -> None:
    root, url = repo(tmp_path, online_scoring={"scorers": [{"type": "refusal"}, {"type": "refusall"},
                                                           {"type": "regex", "value": "("}]})  # fmt: skip
    path = root / "ai-feature.yaml"
    lines = path.read_text().splitlines()
    with open_store(url) as store, pytest.raises(InvalidFile) as error:
        score_pending(store, load_manifest(path))
    text = str(error.value)
    typo = next(i for i, line in enumerate(lines, 1) if "refusall" in line)
    assert f"ai-feature.yaml:{typo}" in text and "did you mean 'refusal'" in text
    assert "not a valid regular expression" in text
