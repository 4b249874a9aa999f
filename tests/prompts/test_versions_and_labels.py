"""Immutable versions and labels with history, on SQLite and a real PostgreSQL server."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from prompt_helpers import edit_prompt

from platform_cli.errors import UserError
from platform_cli.prompts.errors import UnknownLabel, UnknownPrompt, UnknownVersion
from platform_cli.prompts.files import load_prompt
from platform_cli.prompts.labels import label_version, labels_at, parse_time, promote
from platform_cli.prompts.versions import as_prompt, publish, resolve_ref
from platform_cli.store import Store, StoreConflict
from platform_cli.store.engine import utc_timestamp


def _publish(store: Store, repo: Path, message: str = "") -> tuple[int, bool]:
    result = publish(store, load_prompt(repo / "prompts", "summarize"), author="jane", message=message)
    return result.version, result.created


def test_publishing_unchanged_content_is_a_no_op_and_an_edit_makes_the_next_version(
    repo: Path, store: Store
) -> None:
    assert _publish(store, repo, "first") == (1, True)
    assert _publish(store, repo, "again") == (1, False)
    assert [v.version for v in store.prompt_versions("summarize")] == [1]

    edit_prompt(repo, "summarize", "in two sentences", "in three sentences")
    assert _publish(store, repo, "three") == (2, True)
    assert _publish(store, repo) == (2, False)

    # Going back to v1's content is v1 again: versions are identified by their content.
    edit_prompt(repo, "summarize", "in three sentences", "in two sentences")
    assert _publish(store, repo) == (1, False)
    versions = store.prompt_versions("summarize")
    assert [(v.version, v.author, v.message) for v in versions] == [
        (1, "jane", "first"),
        (2, "jane", "three"),
    ]
    assert as_prompt(versions[1]).render({"ticket": "t"})[0]["content"].endswith("in three sentences.")


def test_a_dry_run_publish_writes_nothing(repo: Path, store: Store) -> None:
    result = publish(store, load_prompt(repo / "prompts", "summarize"), author="jane", dry_run=True)
    assert (result.version, result.created, result.dry_run) == (1, True, True)
    assert store.prompt_versions("summarize") == []


def test_published_versions_and_history_cannot_be_changed_even_with_raw_sql(repo: Path, store: Store) -> None:
    _publish(store, repo)
    promote(store, "summarize", 1, "staging", author="jane")
    db = store._db  # the engine itself: what a hand-written statement would use
    for statement in (
        "UPDATE prompt_versions SET message = 'rewritten'",
        "DELETE FROM prompt_versions",
        "UPDATE prompt_label_moves SET moved_by = 'someone else'",
        "DELETE FROM prompt_label_moves",
    ):
        with pytest.raises(StoreConflict, match="append-only"):
            db.execute(statement)
    assert store.prompt_versions("summarize")[0].message == ""
    assert store.prompt_label_moves("summarize")[0].moved_by == "jane"


def test_promote_records_who_when_from_to_and_why(repo: Path, store: Store) -> None:
    _publish(store, repo)
    edit_prompt(repo, "summarize", "in two sentences", "in three sentences")
    _publish(store, repo)

    first = promote(store, "summarize", 1, "production", author="jane", reason="first release")
    second = promote(store, "summarize", 2, "production", author="raj", reason="eval +3%")
    again = promote(store, "summarize", 2, "production", author="raj", reason="again")

    assert (first.changed, second.changed, again.changed) == (True, True, False)
    moves = store.prompt_label_moves("summarize")
    assert [(m.label, m.from_version, m.to_version, m.moved_by, m.reason) for m in moves] == [
        ("production", None, 1, "jane", "first release"),
        ("production", 1, 2, "raj", "eval +3%"),
    ]
    assert moves[0].moved_at <= moves[1].moved_at
    assert label_version(store, "summarize", "production") == 2
    assert resolve_ref(store, "summarize", "production").version == 2


def test_protected_labels_need_a_reason(repo: Path, store: Store) -> None:
    _publish(store, repo)
    with pytest.raises(UserError, match=r"label 'production' is protected .* --reason"):
        promote(store, "summarize", 1, "production", author="jane")
    with pytest.raises(UserError, match=r"label 'prod' is protected"):
        promote(store, "summarize", 1, "prod", author="jane", protected=["prod"])
    assert promote(store, "summarize", 1, "canary", author="jane").changed  # not protected
    assert store.prompt_label("summarize", "production") is None


def test_history_answers_which_version_was_in_production_at_a_past_time(repo: Path, store: Store) -> None:
    _publish(store, repo)
    edit_prompt(repo, "summarize", "in two sentences", "in three sentences")
    _publish(store, repo)
    before_any = utc_timestamp()
    time.sleep(0.002)
    promote(store, "summarize", 1, "production", author="jane", reason="launch")
    time.sleep(0.002)
    during_v1 = utc_timestamp()
    time.sleep(0.002)
    promote(store, "summarize", 2, "production", author="raj", reason="better")
    promote(store, "summarize", 2, "canary", author="raj")
    time.sleep(0.002)
    promote(store, "summarize", 1, "production", author="raj", reason="rollback: refusals up")
    now = utc_timestamp()

    at_start = labels_at(store, "summarize", before_any)
    assert at_start == {"canary": None, "production": None}
    at_v1 = labels_at(store, "summarize", during_v1)
    assert at_v1["production"] is not None and at_v1["production"].to_version == 1
    assert at_v1["canary"] is None
    at_now = labels_at(store, "summarize", now)
    assert at_now["production"] is not None
    assert (at_now["production"].to_version, at_now["production"].reason) == (1, "rollback: refusals up")
    assert at_now["canary"] is not None and at_now["canary"].to_version == 2


def test_unknown_labels_versions_and_prompts_say_what_to_do(repo: Path, store: Store) -> None:
    with pytest.raises(
        UnknownLabel, match=r"no published version yet \(run `platform prompts publish summarize`"
    ):
        label_version(store, "summarize", "production")
    _publish(store, repo)
    promote(store, "summarize", 1, "canary", author="jane")
    with pytest.raises(
        UnknownLabel, match=r"has no label 'staging' \(labels: canary\); point it at a version"
    ):
        label_version(store, "summarize", "staging")
    with pytest.raises(UnknownVersion, match=r"has no version 7 \(published: 1..1\)"):
        promote(store, "summarize", 7, "canary", author="jane")
    with pytest.raises(UnknownPrompt, match=r"prompt 'triage' has no published version"):
        promote(store, "triage", 1, "canary", author="jane")
    with pytest.raises(UserError, match=r"label 'v2' is not a valid label name"):
        promote(store, "summarize", 1, "v2", author="jane")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-01-31", "2025-01-31T00:00:00.000000Z"),
        ("2025-01-31T14:30:00Z", "2025-01-31T14:30:00.000000Z"),
        ("2025-01-31 14:30", "2025-01-31T14:30:00.000000Z"),
        ("2025-01-31T16:30:00+02:00", "2025-01-31T14:30:00.000000Z"),
    ],
)
def test_at_times_are_read_as_utc(text: str, expected: str) -> None:
    assert parse_time(text) == expected


def test_an_unreadable_at_time_is_a_usage_error() -> None:
    with pytest.raises(UserError, match=r"--at 'last tuesday': not a time"):
        parse_time("last tuesday")
