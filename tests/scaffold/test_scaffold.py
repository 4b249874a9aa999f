"""Scaffolding end to end through the CLI: validation, atomicity, trust, engines, git."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from platform_cli.cli.main import run
from platform_cli.resources import templates_dir
from platform_cli.scaffold.releases import releases

NAME = "Support Summarizer"
# the golden path's latest release, read from its release records (never written into a test)
LATEST = releases(templates_dir() / "ai-feature")[-1].version


def tree_snapshot(root: Path) -> dict[str, bytes]:
    """Every file below root (including .git internals) with its bytes: proof that nothing changed."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _new(dest: Path, *extra: str) -> int:
    return run(
        [
            "scaffold",
            "new-ai-feature",
            str(dest),
            "--defaults",
            "--quiet",
            "--data",
            f"name={NAME}",
            "--data",
            "eval_owner=jane.doe@example.com",
            *extra,
        ]
    )


def _leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def test_new_ai_feature_creates_a_committed_valid_repo(tmp_path: Path) -> None:
    dest = tmp_path / "out"
    assert _new(dest) == 0
    manifest = yaml.safe_load((dest / "ai-feature.yaml").read_text())
    assert manifest["metadata"]["name"] == "support-summarizer"
    assert manifest["metadata"]["eval_owner"] == "jane.doe@example.com"
    assert (dest / "src" / "support_summarizer" / "feature.py").is_file()
    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert answers["_commit"] == f"v{LATEST}"
    assert answers["_src_path"] == "platform-cli:templates/ai-feature"
    log = subprocess.run(["git", "log", "--format=%s"], cwd=dest, capture_output=True, text=True, check=True)
    assert (
        log.stdout.strip()
        == f"Scaffold ai-feature v{LATEST} with platform-cli " + __import__("platform_cli").__version__
    )
    status = subprocess.run(["git", "status", "--porcelain"], cwd=dest, capture_output=True, text=True)
    assert status.stdout == ""
    assert _leftovers(tmp_path) == []


def test_second_run_on_same_dest_exits_2_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "out"
    assert _new(dest) == 0
    before = tree_snapshot(dest)
    capsys.readouterr()
    assert _new(dest) == 2
    assert "already a generated repository" in capsys.readouterr().err
    assert tree_snapshot(dest) == before
    assert _leftovers(tmp_path) == []


def test_dry_run_lists_files_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dest = tmp_path / "out"
    code = run(
        [
            "scaffold",
            "new-ai-feature",
            str(dest),
            "--defaults",
            "--dry-run",
            "--data",
            "name=X Y",
            "--data",
            "eval_owner=a@example.com",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "would write" in out and "ai-feature.yaml" in out and "RUNBOOK.md" in out
    assert not dest.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("slug", "Bad Slug!", "safe directory name"),
        ("package", "9lives", "valid Python package name"),
        ("eval_owner", "team-a, team-b", "exactly one person"),
        ("monthly_budget_usd", "-5", "positive number"),
        ("primary_model", "gpt-4o", "a fake provider cannot serve it"),
        ("fallback_provider", "azure", "fallback_provider"),
        ("eval_ownr", "a@example.com", "did you mean 'eval_owner'"),
        ("monthly_budget_usd", "lots", "must be a number"),
    ],
)
def test_invalid_answers_exit_2_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str, value: str, expected: str
) -> None:
    dest = tmp_path / "out"
    assert _new(dest, "--data", f"{key}={value}") == 2
    err = capsys.readouterr().err
    assert expected in err and key in err
    assert not dest.exists()
    assert list(tmp_path.iterdir()) == []


def test_without_git_email_the_eval_owner_defaults_to_the_login_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "empty-gitconfig"))
    monkeypatch.setenv("LOGNAME", "sam.lee")
    from platform_cli.scaffold import gitrepo

    gitrepo.git_user_email.cache_clear()
    try:
        code = run(["scaffold", "new-ai-feature", str(tmp_path / "out"), "--defaults", "--data", "name=X"])
    finally:
        gitrepo.git_user_email.cache_clear()
    assert code == 0
    assert "eval_owner defaulted to @sam.lee" in capsys.readouterr().out
    manifest = yaml.safe_load((tmp_path / "out" / "ai-feature.yaml").read_text())
    assert manifest["metadata"]["eval_owner"] == "@sam.lee"


def test_dry_run_runs_no_template_code_and_creates_no_parents(
    tmp_path: Path, copier_template_with_tasks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "a" / "b" / "svc"
    code = run(
        ["scaffold", "from", str(copier_template_with_tasks), str(dest), "--defaults", "--trust", "--dry-run"]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "README.md" in out and "task-ran.txt" not in out  # the listing is real; the task did not run
    assert not (tmp_path / "a").exists()


def test_a_failure_removes_the_parents_it_created(tmp_path: Path) -> None:
    dest = tmp_path / "new" / "deeper" / "out"
    assert _new(dest, "--data", "monthly_budget_usd=-1") == 2
    assert not (tmp_path / "new").exists()


def test_a_destination_under_a_file_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "file.txt").write_text("x")
    assert _new(tmp_path / "file.txt" / "out") == 2
    assert "file.txt" in capsys.readouterr().err


def test_answers_file_is_used(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text("name: Billing Bot\neval_owner: '@sam'\nsegments: billing,account\n")
    dest = tmp_path / "out"
    assert (
        run(["scaffold", "new-ai-feature", str(dest), "--defaults", "-q", "--answers-file", str(answers)])
        == 0
    )
    manifest = yaml.safe_load((dest / "ai-feature.yaml").read_text())
    assert manifest["metadata"]["name"] == "billing-bot"
    assert manifest["spec"]["segments"] == ["billing", "account"]


def test_bad_data_syntax_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(["scaffold", "new-ai-feature", str(tmp_path / "o"), "--defaults", "--data", "novalue"]) == 2
    assert "KEY=VALUE" in capsys.readouterr().err


def test_failure_half_way_leaves_nothing(tmp_path: Path, copier_template: Path) -> None:
    (copier_template / "template" / "broken.txt.jinja").write_text("{{ undefined_thing.attr }}\n")
    parent = tmp_path / "work"
    parent.mkdir()
    code = run(["scaffold", "from", str(copier_template), str(parent / "svc"), "--defaults", "-q"])
    assert code == 2
    assert list(parent.iterdir()) == []


def test_untrusted_template_code_is_refused_with_exit_4(
    tmp_path: Path, copier_template_with_tasks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "svc"
    assert run(["scaffold", "from", str(copier_template_with_tasks), str(dest), "--defaults"]) == 4
    assert "--trust" in capsys.readouterr().err
    assert not dest.exists()
    assert (
        run(["scaffold", "from", str(copier_template_with_tasks), str(dest), "--defaults", "--trust", "-q"])
        == 0
    )
    assert (dest / "task-ran.txt").is_file()


def test_trusted_templates_from_config(
    tmp_path: Path, copier_template_with_tasks: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"trusted_templates:\n  - {copier_template_with_tasks.parent}/\n")
    monkeypatch.setenv("PLATFORM_CONFIG", str(config))
    assert (
        run(["scaffold", "from", str(copier_template_with_tasks), str(tmp_path / "svc"), "--defaults", "-q"])
        == 0
    )


def test_cookiecutter_hooks_are_refused_unless_trusted(tmp_path: Path, cookiecutter_template: Path) -> None:
    hooks = cookiecutter_template / "hooks"
    hooks.mkdir()
    (hooks / "post_gen_project.py").write_text("open('hook-ran.txt', 'w').write('yes')\n")
    assert run(["scaffold", "from", str(cookiecutter_template), str(tmp_path / "a"), "--defaults"]) == 4
    assert not (tmp_path / "a").exists()
    assert (
        run(
            [
                "scaffold",
                "from",
                str(cookiecutter_template),
                str(tmp_path / "b"),
                "--defaults",
                "--trust",
                "-q",
            ]
        )
        == 0
    )
    assert (tmp_path / "b" / "hook-ran.txt").read_text() == "yes"


def test_cookiecutter_template_renders_flat_into_dest(tmp_path: Path, cookiecutter_template: Path) -> None:
    dest = tmp_path / "svc"
    assert (
        run(
            [
                "scaffold",
                "from",
                str(cookiecutter_template),
                str(dest),
                "--defaults",
                "--trust",
                "-q",
                "--data",
                "project_name=Ledger",
            ]
        )
        == 0
    )
    assert (dest / "README.md").read_text() == "# Ledger\n"
    assert (dest / ".git").is_dir()


def test_git_url_with_vcs_ref(tmp_path: Path, git_template: Path) -> None:
    url = f"file://{git_template}"
    old, new = tmp_path / "old", tmp_path / "new"
    assert run(["scaffold", "from", url, str(old), "--defaults", "-q", "--vcs-ref", "v1.0.0"]) == 0
    assert run(["scaffold", "from", url, str(new), "--defaults", "-q"]) == 0
    assert (old / "README.md").read_text() == "# demo\n"
    assert (new / "README.md").read_text() == "# demo v2\n"


def test_unknown_template_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(["scaffold", "from", "no-such-template", str(tmp_path / "x")]) == 2
    assert "scaffold list" in capsys.readouterr().err


def test_scaffold_list_shows_the_golden_path(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["scaffold", "list"]) == 0
    out = capsys.readouterr().out
    assert "ai-feature" in out and "copier" in out and f"v{LATEST}" in out


def test_force_writes_into_non_empty_dest_and_keeps_other_files(tmp_path: Path) -> None:
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine")
    assert _new(dest, "--force") == 0
    assert (dest / "notes.txt").read_text() == "mine"
    assert (dest / "ai-feature.yaml").is_file()


def test_without_a_terminal_and_without_defaults_it_says_how_to_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert run(["scaffold", "new-ai-feature", str(tmp_path / "out")]) == 2
    assert "--defaults" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
