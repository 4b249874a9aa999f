"""`platform template update` / `check`: three-way updates that keep local work (archives and git tags)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from template_copies import released_copy

from platform_cli.cli.main import run
from platform_cli.resources import templates_dir
from platform_cli.scaffold.release import bumped
from platform_cli.scaffold.releases import releases

ANSWERS = ["--data", "name=Support Summarizer", "--data", "eval_owner=jane.doe@example.com"]


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (old, path)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def golden_copy(tmp_path: Path) -> Path:
    return released_copy(tmp_path / "tpl" / "ai-feature")


@pytest.fixture
def generated(golden_copy: Path, tmp_path: Path) -> Path:
    """A repo generated from the template's latest release, with committed local edits."""
    repo = tmp_path / "feature"
    assert run(["scaffold", "from", str(golden_copy), str(repo), "--defaults", "-q", *ANSWERS]) == 0
    return repo


def _retitle(path: Path, title: str) -> None:
    _replace(path, path.read_text(encoding="utf-8").splitlines()[0], title)


def _scaffold_at(template: Path, dest: Path, ref: str) -> int:
    return run(["scaffold", "from", str(template), str(dest), "--defaults", "-q", "--vcs-ref", ref])


def _release_changing_readme_and_runbook(template: Path) -> str:
    """A new release that rewrites README's first line and adds a RUNBOOK line near the top."""
    readme = template / "template" / "README.md.jinja"
    lines = readme.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[0] = "# {{ name }}: the golden-path feature (new title from the template)\n"
    readme.write_text("".join(lines), encoding="utf-8")
    runbook = template / "template" / "RUNBOOK.md.jinja"
    lines = runbook.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(1, "\nA line the new release adds near the top.\n")
    runbook.write_text("".join(lines), encoding="utf-8")
    assert (
        run(["templates", "release", str(template), "--minor", "-m", "New README title; RUNBOOK intro"]) == 0
    )
    return releases(template)[-1].ref


def test_update_keeps_local_edits_reports_the_conflict_and_check_then_passes(
    golden_copy: Path, generated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    previous = releases(golden_copy)[-1].ref
    assert yaml.safe_load((generated / ".copier-answers.yml").read_text())["_commit"] == previous
    # local edits: one conflicting (README's first line), two that the release does not touch
    _replace(
        generated / "README.md", generated.joinpath("README.md").read_text().splitlines()[0], "# Our title"
    )
    with (generated / "RUNBOOK.md").open("a", encoding="utf-8") as handle:
        handle.write("\n## Our escalation path\n\nPage #support-ai-oncall first.\n")
    (generated / "docs").mkdir()
    (generated / "docs" / "decisions.md").write_text("# Our own file\n")
    _git(generated, "add", "-A")
    _git(generated, "commit", "-qm", "local edits")
    newest = _release_changing_readme_and_runbook(golden_copy)
    capsys.readouterr()
    assert run(["--repo", str(generated), "template", "check"]) == 1
    assert newest in capsys.readouterr().out

    code = run(["--repo", str(generated), "template", "update"])

    out = capsys.readouterr().out
    assert code == 1
    assert "1 conflict(s)" in out and "README.md" in out.split("conflict(s)")[1]
    readme = (generated / "README.md").read_text()
    assert "<<<<<<< before updating\n# Our title\n=======\n" in readme
    assert "# Support Summarizer: the golden-path feature (new title from the template)" in readme
    runbook = (generated / "RUNBOOK.md").read_text()
    assert "A line the new release adds near the top." in runbook  # the release's change arrived
    assert "Page #support-ai-oncall first." in runbook  # the local edit survived, no markers
    assert "<<<<<<<" not in runbook
    assert (generated / "docs" / "decisions.md").read_text() == "# Our own file\n"
    # nothing committed: the update is left for review, and HEAD still has every local edit
    assert _git(generated, "log", "-1", "--format=%s").strip() == "local edits"
    status = _git(generated, "status", "--porcelain")
    assert " M RUNBOOK.md" in status and " M .copier-answers.yml" in status
    # the conflict is unmerged in the index too (as copier leaves it): `git commit` refuses it until resolved
    assert _git(generated, "diff", "--name-only", "--diff-filter=U").split() == ["README.md"]
    assert yaml.safe_load((generated / ".copier-answers.yml").read_text())["_commit"] == newest
    assert yaml.safe_load((generated / ".copier-answers.yml").read_text())["_src_path"] == str(golden_copy)
    capsys.readouterr()
    assert run(["--repo", str(generated), "template", "check", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["behind_by"] == 0


def test_a_dirty_tree_is_refused_with_exit_4_and_nothing_changes(
    golden_copy: Path, generated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _release_changing_readme_and_runbook(golden_copy)
    (generated / "scratch.txt").write_text("not committed")
    before = _git(generated, "status", "--porcelain")
    capsys.readouterr()
    assert run(["--repo", str(generated), "template", "update"]) == 4
    err = capsys.readouterr().err
    assert "uncommitted" in err and "scratch.txt" in err and "git stash" in err
    assert _git(generated, "status", "--porcelain") == before


def test_dry_run_prints_the_diff_and_changes_nothing(
    golden_copy: Path, generated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    newest = _release_changing_readme_and_runbook(golden_copy)
    capsys.readouterr()
    assert run(["--repo", str(generated), "template", "update", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "+A line the new release adds near the top." in out and f"+_commit: {newest}" in out
    assert _git(generated, "status", "--porcelain") == ""


def test_conflicts_as_rej_files(
    golden_copy: Path, generated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _retitle(generated / "README.md", "# Ours")
    _git(generated, "commit", "-qam", "local title")
    _release_changing_readme_and_runbook(golden_copy)
    capsys.readouterr()
    assert run(["--repo", str(generated), "template", "update", "--conflict", "rej"]) == 1
    assert "README.md.rej" in capsys.readouterr().out
    # copier's rej style: the file takes the template's version and the local hunk waits in the .rej
    assert "+# Ours" in (generated / "README.md.rej").read_text()


def test_a_file_the_release_removes_but_the_team_changed_is_kept(
    golden_copy: Path, generated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with (generated / "NEXT_STEPS.txt").open("a", encoding="utf-8") as handle:
        handle.write("our own step\n")
    _git(generated, "commit", "-qam", "local step")
    (golden_copy / "template" / "NEXT_STEPS.txt.jinja").unlink()
    assert run(["templates", "release", str(golden_copy), "--major", "-m", "NEXT_STEPS.txt is gone"]) == 0
    capsys.readouterr()
    assert run(["--repo", str(generated), "template", "update"]) == 1
    assert (
        "NEXT_STEPS.txt: removed by the new template version but changed here: kept"
        in capsys.readouterr().out
    )
    assert "our own step" in (generated / "NEXT_STEPS.txt").read_text()


def test_data_changes_an_answer_during_the_update(golden_copy: Path, generated: Path) -> None:
    _release_changing_readme_and_runbook(golden_copy)
    assert run(["--repo", str(generated), "template", "update", "--data", "soak_days=56"]) == 0
    assert yaml.safe_load((generated / "ai-feature.yaml").read_text())["spec"]["rollout"]["soak_days"] == 56


def test_a_repo_from_the_shipped_template_resolves_its_recorded_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`_src_path: platform-cli:templates/ai-feature` resolves to the installed package's releases."""
    shipped = releases(templates_dir() / "ai-feature")
    repo = tmp_path / "feature"
    first = shipped[0].ref  # the oldest release is still reachable
    assert (
        run(["scaffold", "new-ai-feature", str(repo), "--defaults", "-q", "--vcs-ref", first, *ANSWERS]) == 0
    )
    answers = yaml.safe_load((repo / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == "platform-cli:templates/ai-feature" and answers["_commit"] == first
    with (repo / "RUNBOOK.md").open("a", encoding="utf-8") as handle:
        handle.write("\nOur local runbook note.\n")
    _git(repo, "commit", "-qam", "local note")
    capsys.readouterr()
    code = run(["--repo", str(repo), "template", "update", "--data", "soak_days=49", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == (1 if report["conflicts"] else 0)
    assert report["to"] == shipped[-1].ref
    assert "Our local runbook note." in (repo / "RUNBOOK.md").read_text()
    assert yaml.safe_load((repo / ".copier-answers.yml").read_text())["_src_path"] == (
        "platform-cli:templates/ai-feature"
    )
    assert yaml.safe_load((repo / "ai-feature.yaml").read_text())["spec"]["rollout"]["soak_days"] == 49


# ---- any copier template at a git tag ------------------------------------------------------------


@pytest.fixture
def tagged_template(tmp_path: Path) -> Path:
    """A small copier template in its own git repository, released as tags (like a public template)."""
    root = tmp_path / "python-script-template"
    (root / "template").mkdir(parents=True)
    (root / "copier.yaml").write_text(
        "_subdirectory: template\n_answers_file: .copier-answers.yaml\n"
        "project_name:\n  type: str\n  help: Project name\n  default: demo\n",
        encoding="utf-8",
    )
    (root / "template" / "{{_copier_conf.answers_file}}.jinja").write_text(
        "{{ _copier_answers|to_nice_yaml -}}\n", encoding="utf-8"
    )
    (root / "template" / "README.md.jinja").write_text(
        "# {{ project_name }}\n\n[![ci](badge)](ci)\n\n## Usage\n\nRun it.\n", encoding="utf-8"
    )
    (root / "template" / "pyproject.toml.jinja").write_text('[project]\nname = "{{ project_name }}"\n')
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "first")
    _git(root, "tag", "v1.0.0")
    return root


def _next_tag(root: Path, bump: str) -> str:
    tag = f"v{bumped(releases(root)[-1].version, bump)}"
    _git(root, "commit", "-qam", tag)
    _git(root, "tag", tag)
    return tag


def test_a_copier_template_at_a_git_tag_updates_and_keeps_the_readme_edit(
    tagged_template: Path, tmp_path: Path
) -> None:
    repo = tmp_path / "app"
    old = releases(tagged_template)[-1].ref
    assert (
        run(["scaffold", "from", str(tagged_template), str(repo), "--defaults", "-q", "--vcs-ref", old]) == 0
    )
    with (repo / "README.md").open("a", encoding="utf-8") as handle:
        handle.write("\n## Our team notes\n\nThis must survive the update.\n")
    _git(repo, "commit", "-qam", "local README edit")
    _replace(
        tagged_template / "template" / "README.md.jinja",
        "[![ci](badge)](ci)\n",
        "[![ci](badge)](ci)\n[![docs](d)](d)\n",
    )
    _replace(tagged_template / "template" / "pyproject.toml.jinja", '"\n', '"\nversion = "2"\n')
    new = _next_tag(tagged_template, "major")

    assert run(["--repo", str(repo), "template", "update"]) == 0

    readme = (repo / "README.md").read_text()
    assert "This must survive the update." in readme and "[![docs](d)](d)" in readme
    assert 'version = "2"' in (repo / "pyproject.toml").read_text()
    assert yaml.safe_load((repo / ".copier-answers.yaml").read_text())["_commit"] == new
    assert run(["--repo", str(repo), "template", "check"]) == 0


def test_migrations_run_for_the_versions_crossed_and_only_when_trusted(
    tagged_template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "app"
    old = releases(tagged_template)[-1].ref
    assert (
        run(["scaffold", "from", str(tagged_template), str(repo), "--defaults", "-q", "--vcs-ref", old]) == 0
    )
    crossed = f"v{bumped(releases(tagged_template)[-1].version, 'minor')}"
    config = tagged_template / "copier.yaml"
    config.write_text(
        config.read_text()
        + f'_migrations:\n  - version: {crossed}\n    command: "echo crossed > migrated-{crossed}.txt"\n'
        + '  - version: v99.0.0\n    command: "echo never > not-crossed.txt"\n'
    )
    _replace(tagged_template / "template" / "README.md.jinja", "Run it.", "Run it daily.")
    assert _next_tag(tagged_template, "minor") == crossed
    capsys.readouterr()
    assert run(["--repo", str(repo), "template", "update"]) == 4  # template code needs trust
    assert "--trust" in capsys.readouterr().err
    assert _git(repo, "status", "--porcelain") == ""

    assert run(["--repo", str(repo), "template", "update", "--trust"]) == 0
    assert (repo / f"migrated-{crossed}.txt").read_text().strip() == "crossed"
    assert not (repo / "not-crossed.txt").exists()
    assert "Run it daily." in (repo / "README.md").read_text()


def test_not_a_generated_repo_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _git(tmp_path, "init", "-q")
    assert run(["--repo", str(tmp_path), "template", "update"]) == 2
    assert "not a generated repository" in capsys.readouterr().err


def test_update_writes_never_follow_a_symlink_out_of_the_repo(
    golden_copy: Path, generated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (generated / "docs").symlink_to(outside, target_is_directory=True)
    _git(generated, "add", "-A")
    _git(generated, "commit", "-qm", "docs live elsewhere")
    (golden_copy / "template" / "docs").mkdir()
    (golden_copy / "template" / "docs" / "guide.md").write_text("# Guide\n")
    _replace(golden_copy / "template" / "RUNBOOK.md.jinja", "\n", "\nNew line.\n")
    assert run(["templates", "release", str(golden_copy), "--minor", "-m", "A guide"]) == 0
    before = (generated / "RUNBOOK.md").read_text()
    capsys.readouterr()
    assert run(["--repo", str(generated), "template", "update"]) == 4
    assert "symlink" in capsys.readouterr().err
    assert list(outside.iterdir()) == []
    assert (generated / "RUNBOOK.md").read_text() == before
    assert _git(generated, "status", "--porcelain") == ""


def test_check_json_lists_the_changelog_entries_between(
    golden_copy: Path, generated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    current = releases(golden_copy)[-1].ref
    first = _release_changing_readme_and_runbook(golden_copy)
    _replace(golden_copy / "template" / "RUNBOOK.md.jinja", "\n", "\nAnother line.\n")
    assert run(["templates", "release", str(golden_copy), "--patch", "-m", "Another RUNBOOK line"]) == 0
    second = releases(golden_copy)[-1].ref
    capsys.readouterr()
    assert run(["--repo", str(generated), "template", "check", "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert (doc["current"], doc["latest"], doc["behind_by"], doc["majors_behind"]) == (current, second, 2, 0)
    assert [(s["version"], s["entries"]) for s in doc["changelog"]] == [
        (second.removeprefix("v"), ["Another RUNBOOK line"]),
        (first.removeprefix("v"), ["New README title; RUNBOOK intro"]),
    ]


def test_a_template_from_a_git_url_updates_between_its_tags(tagged_template: Path, tmp_path: Path) -> None:
    url = f"file://{tagged_template}"
    repo = tmp_path / "app"
    old = releases(tagged_template)[-1].ref
    assert run(["scaffold", "from", url, str(repo), "--defaults", "-q", "--vcs-ref", old]) == 0
    assert yaml.safe_load((repo / ".copier-answers.yaml").read_text())["_src_path"] == url
    _retitle(repo / "README.md", "# demo: Our line.")
    _git(repo, "commit", "-qam", "local")
    assert run(["--repo", str(repo), "template", "check"]) == 0
    _replace(tagged_template / "template" / "README.md.jinja", "Run it.", "Run it twice.")
    new = _next_tag(tagged_template, "patch")
    assert run(["--repo", str(repo), "template", "check"]) == 1  # sees the new tag at once
    assert run(["--repo", str(repo), "template", "update"]) == 0
    readme = (repo / "README.md").read_text()
    assert "Run it twice." in readme and "Our line." in readme
    assert yaml.safe_load((repo / ".copier-answers.yaml").read_text())["_commit"] == new
