"""`platform prompts ...` end to end: real files, a real store on both engines, exit codes and JSON output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from prompt_helpers import edit_prompt, write_prompt

from platform_cli.cli.main import run
from platform_cli.store import open_store


def _run(repo: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(["--repo", str(repo), "prompts", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _json(repo: Path, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    code, out, err = _run(repo, capsys, *args, "--format", "json")
    assert code == 0, err
    data: dict[str, object] = json.loads(out)
    return data


def test_publish_promote_and_read_back(repo: Path, state: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(repo, capsys, "publish", "-m", "first", "--author", "jane@example.com")
    assert code == 0
    assert out.startswith("summarize: published v1 (sha256 ") and out.rstrip().endswith("by jane@example.com")
    assert _run(repo, capsys, "publish")[1].startswith("summarize: unchanged, already v1")

    code, _, err = _run(repo, capsys, "promote", "summarize", "1")
    assert code == 2 and "label 'production' is protected" in err and "--reason" in err
    code, out, _ = _run(repo, capsys, "promote", "summarize", "v1", "--reason", "launch", "--author", "jane")
    assert (code, out) == (0, "summarize: moved production (new label) -> v1 (by jane: launch)\n")

    edit_prompt(repo, "summarize", "in two sentences", "in three sentences")
    listed = _json(repo, capsys, "list")["prompts"]
    assert isinstance(listed, list)
    assert [(p["name"], p["file_state"], p["production_state"]) for p in listed] == [
        ("summarize", "unpublished", "unpublished")
    ]
    _run(repo, capsys, "publish", "--author", "raj")
    _run(repo, capsys, "promote", "summarize", "2", "--label", "canary", "--author", "raj")
    code, out, _ = _run(
        repo, capsys, "promote", "summarize", "canary", "--reason", "clean", "--author", "raj"
    )
    assert out == "summarize: moved production v1 -> v2 (by raj: clean)\n"

    labels = _json(repo, capsys, "labels", "summarize")["labels"]
    assert isinstance(labels, list)
    assert [(item["label"], item["version"]) for item in labels] == [("canary", 2), ("production", 2)]
    history = _json(repo, capsys, "history", "summarize", "--label", "production")["moves"]
    assert isinstance(history, list)
    assert [(m["from_version"], m["to_version"], m["moved_by"], m["reason"]) for m in history] == [
        (None, 1, "jane", "launch"),
        (1, 2, "raj", "clean"),
    ]
    at = _json(repo, capsys, "history", "summarize", "--at", str(history[0]["moved_at"]))
    assert at["labels"] == {"canary": None, "production": history[0]}

    shown = _json(repo, capsys, "show", "summarize@production")
    assert (shown["version"], shown["author"], shown["labels"]) == (2, "raj", ["canary", "production"])
    code, out, _ = _run(repo, capsys, "show", "summarize@1")
    assert (
        out.startswith("summarize v1\nsha256 ")
        and "published " in out
        and "by jane@example.com: first" in out
    )
    assert "## template\n[system]\nYou summarize tickets for the {{ segment }} queue in two sentences." in out


def test_diff_shows_the_template_change_between_versions(
    repo: Path, state: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(repo, capsys, "publish")
    edit_prompt(repo, "summarize", "in two sentences", "in three sentences")
    edit_prompt(repo, "summarize", "temperature: 0.2", "temperature: 0.4")
    code, out, _ = _run(repo, capsys, "diff", "summarize", "1", "file")
    assert code == 0
    assert out == (
        "## template\n"
        "--- summarize@1 template\n"
        "+++ summarize@file template\n"
        "@@ -1,4 +1,4 @@\n"
        " [system]\n"
        "-You summarize tickets for the {{ segment }} queue in two sentences.\n"
        "+You summarize tickets for the {{ segment }} queue in three sentences.\n"
        " [user]\n"
        " {{ ticket }}\n"
        "## parameters\n"
        "--- summarize@1 parameters\n"
        "+++ summarize@file parameters\n"
        "@@ -1,2 +1,2 @@\n"
        " max_tokens: 200\n"
        "-temperature: 0.2\n"
        "+temperature: 0.4\n"
    )
    same = _json(repo, capsys, "diff", "summarize", "v1", "1")
    assert same["changed"] == []


def test_allocate_records_shares_with_history(
    repo: Path, state: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(repo, capsys, "publish")
    edit_prompt(repo, "summarize", "in two sentences", "in three sentences")
    _run(repo, capsys, "publish")
    code, out, _ = _run(repo, capsys, "allocate", "summarize", "--variant", "v2=5", "--reason", "canary")
    assert (code, out) == (0, "summarize [all segments]: v2 5% · control 95%\n")
    code, out, _ = _run(repo, capsys, "allocate", "summarize", "--variant", "v2=25", "--dry-run")
    assert out == "would set summarize [all segments]: v2 25% · control 75% (was: v2 5% · control 95%)\n"
    _run(repo, capsys, "allocate", "summarize", "--variant", "v2=70", "--segment", "billing")
    shown = _json(repo, capsys, "allocate", "summarize")["allocations"]
    assert isinstance(shown, dict)
    assert {segment: a["shares"] for segment, a in shown.items()} == {
        "*": {"v2": 5.0, "control": 95.0},
        "billing": {"v2": 70.0, "control": 30.0},
    }
    changes = _json(repo, capsys, "history", "summarize")["allocations"]
    assert isinstance(changes, list) and [c["segment"] for c in changes] == ["*", "billing"]
    code, _, err = _run(repo, capsys, "allocate", "summarize", "--variant", "v2=5", "--segment", "vip")
    assert code == 2 and "segment 'vip' is not declared" in err
    code, _, err = _run(repo, capsys, "allocate", "summarize", "--variant", "v9=5")
    assert code == 2 and "has no version 9" in err


def test_dry_runs_and_reads_never_create_the_store(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store_file = repo / ".platform" / "state.db"  # the manifest's default, made absolute to the repo
    code, out, _ = _run(repo, capsys, "publish", "--dry-run")
    assert (code, out.split(" (")[0]) == (0, "summarize: would publish v1")
    assert _json(repo, capsys, "list")["prompts"]
    assert _run(repo, capsys, "labels", "summarize")[1].startswith("summarize: no labels")
    assert not store_file.exists()
    assert _run(repo, capsys, "publish")[0] == 0
    assert store_file.is_file()


def test_bad_files_unknown_labels_and_versions_exit_2_with_clear_messages(
    repo: Path, state: str, capsys: pytest.CaptureFixture[str]
) -> None:
    write_prompt(repo, "triage", "description: Triage.\ntemplate: 'Classify {{ ticket }} {{ tone }}'\n")
    code, out, err = _run(repo, capsys, "lint")
    assert code == 2
    assert "prompts/triage.yaml:2:11: $.template: the template uses 'ticket', which is not declared" in out
    assert "ok: summarize" in out and "2 problems in 2 prompt file(s)" in err
    code, _, err = _run(repo, capsys, "publish")
    assert code == 2 and "prompts/triage.yaml:2:11" in err
    with open_store(state) as store:
        assert store.prompt_names() == []  # nothing was published: one bad file stops the publish

    code, _, err = _run(repo, capsys, "publish", "summarize")
    assert code == 0
    code, _, err = _run(repo, capsys, "show", "summarize@staging")
    assert code == 2 and "prompt 'summarize' has no label 'staging' (labels: none)" in err
    code, _, err = _run(repo, capsys, "promote", "summarize", "4", "--label", "canary")
    assert code == 2 and "prompt 'summarize' has no version 4 (published: 1..1)" in err
    code, _, err = _run(repo, capsys, "history", "summarize", "--at", "soon")
    assert code == 2 and "--at 'soon': not a time" in err
    code, _, err = _run(repo, capsys, "show", "nosuch")
    assert code == 2 and "no prompt named 'nosuch'" in err and "`platform prompts list`" in err


def test_protected_labels_come_from_the_manifest(
    repo: Path, state: str, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = repo / "ai-feature.yaml"
    manifest.write_text(manifest.read_text() + "  prompts: {protected_labels: [production, canary]}\n")
    _run(repo, capsys, "publish")
    code, _, err = _run(repo, capsys, "promote", "summarize", "1", "--label", "canary")
    assert code == 2 and "label 'canary' is protected" in err
    manifest.write_text(manifest.read_text().replace("[production, canary]", "production"))
    code, _, err = _run(repo, capsys, "promote", "summarize", "1", "--label", "canary")
    assert code == 2 and "ai-feature.yaml:11:" in err and "expected a list of label names" in err


@pytest.mark.parametrize(
    "command", [["labels", "nope"], ["history", "nope"], ["history", "nope", "--at", "2025-01-01"]]
)
@pytest.mark.parametrize("published", [False, True], ids=["empty-store", "other-prompt-published"])
def test_reading_a_prompt_that_does_not_exist_exits_2(
    repo: Path, state: str, capsys: pytest.CaptureFixture[str], command: list[str], published: bool
) -> None:
    if published:
        assert _run(repo, capsys, "publish", "--author", "jane")[0] == 0
    code, out, err = _run(repo, capsys, *command)
    assert (code, out) == (2, "")
    assert "no prompt named 'nope'" in err and "`platform prompts list`" in err


@pytest.mark.parametrize("ref", ["nope", "nope@production", "nope@2"])
def test_show_of_a_prompt_with_no_file_suggests_list_not_publish(
    repo: Path, state: str, capsys: pytest.CaptureFixture[str], ref: str
) -> None:
    assert _run(repo, capsys, "publish", "--author", "jane")[0] == 0
    code, _, err = _run(repo, capsys, "show", ref)
    assert code == 2 and "`platform prompts list`" in err and "publish nope" not in err


def test_show_of_an_unpublished_file_suggests_publishing_it(
    repo: Path, state: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(repo, capsys, "show", "summarize")
    assert code == 2 and "run `platform prompts publish summarize`" in err
    assert _run(repo, capsys, "labels", "summarize")[0] == 0  # a file with no versions yet is a known prompt
