"""prompt-label-production on a generated repo: fresh repos say what to run; planted defects fail only it.

The repo's state store is a real SQLite file or PostgreSQL database, chosen with $PLATFORM_STATE_URL.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest

from platform_cli.prompts.files import load_prompt
from platform_cli.prompts.labels import promote
from platform_cli.prompts.versions import publish
from platform_cli.readiness.check import check_repo
from platform_cli.readiness.model import Finding, Report
from platform_cli.scaffold import new_feature
from platform_cli.store import open_store

TODAY = dt.date(2026, 11, 27)
RULE = "prompt-label-production"
PROMPT = "prompts/summarize.yaml"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("generated") / "support-summarizer"
    new_feature(dest, {"name": "Support Summarizer", "eval_owner": "jane.doe@example.com"})
    return dest


@pytest.fixture
def repo(generated: Path, tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(generated, root, symlinks=True)
    monkeypatch.setenv("PLATFORM_STATE_URL", store_url)
    return root


def _check(root: Path) -> tuple[Report, Finding]:
    report = check_repo(root, today=TODAY)
    return report, next(f for f in report.findings if f.rule.id == RULE)


def _failed(report: Report) -> set[str]:
    return {f.rule.id for f in report.findings if f.failed}


def _publish(root: Path, store_url: str, name: str = "summarize") -> int:
    with open_store(store_url) as store:
        prompt = load_prompt(root / "prompts", name)
        return publish(store, prompt, author="jane").version


def _promote(store_url: str, version: int, name: str = "summarize") -> None:
    with open_store(store_url) as store:
        promote(store, name, version, "production", author="jane", reason="evaluated")


def _release_chat(root: Path, store_url: str) -> None:
    """The template's second prompt, released as is, so the findings below are about summarize."""
    _promote(store_url, _publish(root, store_url, "chat"), "chat")


def _edit(root: Path, old: str, new: str) -> None:
    path = root / PROMPT
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def test_a_fresh_repo_is_told_exactly_what_to_run(repo: Path, store_url: str) -> None:
    report, finding = _check(repo)
    assert finding.rule.level == "silver"
    if store_url.startswith("sqlite"):
        # a local file that does not exist here (a fresh clone, a CI runner): unknown, with the real cause,
        # never "publish" into a throwaway store as the only advice
        assert finding.status == "unknown"
        (message,) = finding.messages
        assert "no state store here" in message and "does not exist" in message
        assert "platform prompts publish" in message and "PostgreSQL" in message
        assert report.blocking("bronze") == []
        assert not (repo / ".platform").exists()
        return
    assert finding.status == "fail"
    assert list(finding.messages) == [
        f"prompt '{name}' has no production label in the state store: run `platform prompts publish "
        f'{name}`, then `platform prompts promote {name} 1 --label production --reason "..."`'
        for name in ("chat", "summarize")
    ]
    assert [(loc.file, loc.line) for loc in finding.locations] == [("prompts/chat.yaml", 1), (PROMPT, 1)]
    assert report.blocking("bronze") == []  # silver: a fresh repo still reaches bronze
    assert not (repo / ".platform").exists()  # the check never creates the store


def test_production_on_the_files_version_passes_and_an_unpublished_edit_fails_only_this_rule(
    repo: Path, store_url: str
) -> None:
    _release_chat(repo, store_url)
    _promote(store_url, _publish(repo, store_url))
    baseline, finding = _check(repo)
    assert finding.status == "pass"
    assert list(finding.messages) == [
        "production serves a published version for 2 prompt(s): chat v1, summarize v1"
    ]

    _edit(repo, "Answer in at most two sentences.", "Answer in at most three sentences.")
    subprocess.run(["git", "commit", "-qam", "edit the prompt"], cwd=repo, check=True, capture_output=True)
    report, finding = _check(repo)
    assert _failed(report) - _failed(baseline) == {RULE}
    assert list(finding.messages) == [
        "prompts/summarize.yaml has changes that are not published (production serves v1): run `platform "
        "prompts publish summarize` (production stays on v1 until you promote v2)"
    ]

    assert _publish(repo, store_url) == 2  # published, deliberately not promoted yet: explicitly older
    report, finding = _check(repo)
    assert finding.status == "pass" and "summarize v1 (file is v2, not promoted yet)" in finding.messages[0]


def test_production_newer_than_the_file_fails(repo: Path, store_url: str) -> None:
    _release_chat(repo, store_url)
    _publish(repo, store_url)
    _edit(repo, "Answer in at most two sentences.", "Answer in at most three sentences.")
    _promote(store_url, _publish(repo, store_url))
    _edit(repo, "Answer in at most three sentences.", "Answer in at most two sentences.")  # back to v1
    _, finding = _check(repo)
    assert list(finding.messages) == [
        "production serves v2, newer than prompts/summarize.yaml (v1): the file is out of date; update it to "
        "match `platform prompts show summarize@production`"
    ]


def test_an_invalid_prompt_file_fails_with_its_problem(repo: Path, store_url: str) -> None:
    _release_chat(repo, store_url)
    _promote(store_url, _publish(repo, store_url))
    _edit(repo, "temperature: 0.2", "temperature: warm")
    _, finding = _check(repo)
    assert finding.status == "fail"
    assert finding.messages[0].startswith("prompts/summarize.yaml is invalid: prompts/summarize.yaml:7:")
    assert "$.parameters.temperature: expected a number" in finding.messages[0]


def test_an_unreachable_store_is_unknown_not_a_pass(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLATFORM_STATE_URL", "postgresql://app:s3cret@127.0.0.1:1/state?connect_timeout=2")
    _, finding = _check(repo)
    assert finding.status == "unknown"
    assert "cannot read the prompt registry" in finding.messages[0]
    assert "s3cret" not in finding.messages[0]
