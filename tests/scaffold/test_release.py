"""`platform templates release` / `change`: versions, changelog, archives and tags; nothing half-written."""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

import pytest
import yaml
from template_copies import released_copy

from platform_cli.cli.main import run
from platform_cli.scaffold.changelog import read_changelog
from platform_cli.scaffold.release import bumped, declared_version
from platform_cli.scaffold.releases import (
    UserError,
    archive_releases,
    content_files,
    history_repo,
    read_archive,
    releases,
    unreleased,
)


@pytest.fixture
def golden_copy(tmp_path: Path) -> Path:
    """A copy of the shipped golden-path template with its release history, safe to release.

    Changes pending on this branch (edits with their change notes) are released in the copy first, so every
    test starts from a template whose content is exactly its latest release.
    """
    return released_copy(tmp_path / "tpl" / "ai-feature")


def _edit(template: Path, rel: str, old: str, new: str) -> None:
    path = template / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_change_notes_then_release_bumps_writes_changelog_and_archive(golden_copy: Path) -> None:
    previous = releases(golden_copy)[-1].version
    _edit(golden_copy, "template/RUNBOOK.md.jinja", "\n", "\nA new runbook line.\n")
    assert unreleased(golden_copy).changed == ["template/RUNBOOK.md.jinja"]
    assert run(["templates", "change", str(golden_copy), "--minor", "-m", "RUNBOOK gains a line"]) == 0
    assert run(["templates", "change", str(golden_copy), "--patch", "-m", "Typo fixed"]) == 0
    assert len(list((golden_copy / "changes").glob("*.yaml"))) == 2

    assert run(["templates", "release", str(golden_copy)]) == 0

    expected = bumped(previous, "minor")  # the highest pending bump wins
    assert declared_version(golden_copy) == str(expected)
    assert [r.version for r in releases(golden_copy)][-2:] == [previous, expected]
    newest = read_changelog(golden_copy)[0]
    assert newest.version == str(expected)
    assert newest.entries == ["RUNBOOK gains a line", "Typo fixed"]
    assert list((golden_copy / "changes").glob("*.yaml")) == []
    archived = read_archive(golden_copy / "releases" / f"{expected}.tar.gz")
    assert archived == content_files(golden_copy)
    assert unreleased(golden_copy).changed == []


def test_explicit_bump_and_message_without_notes(
    golden_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    previous = releases(golden_copy)[-1].version
    _edit(golden_copy, "template/README.md.jinja", "\n", "\nMore.\n")
    assert (
        run(["templates", "release", str(golden_copy), "--major", "-m", "Breaking", "--format", "json"]) == 0
    )
    out = yaml.safe_load(capsys.readouterr().out)
    assert out["version"] == str(bumped(previous, "major")) and out["previous"] == str(previous)
    assert out["changed_files"] == ["template/README.md.jinja"]


def test_dry_run_writes_nothing(golden_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _edit(golden_copy, "template/README.md.jinja", "\n", "\nMore.\n")
    before = _tree(golden_copy)
    assert run(["templates", "release", str(golden_copy), "--patch", "-m", "x", "--dry-run"]) == 0
    assert "would release" in capsys.readouterr().out
    assert _tree(golden_copy) == before


@pytest.mark.parametrize(
    ("setup", "args", "says"),
    [
        ("none", ["--patch", "-m", "nothing"], "nothing changed since"),
        ("edit", ["--patch"], "needs a changelog entry"),
        ("edit", ["-m", "no bump"], "say how to bump"),
        ("version", ["--patch", "-m", "x"], "but the latest release is"),
    ],
)
def test_refusals_exit_2_and_change_nothing(
    golden_copy: Path, capsys: pytest.CaptureFixture[str], setup: str, args: list[str], says: str
) -> None:
    if setup == "edit":
        _edit(golden_copy, "template/README.md.jinja", "\n", "\nMore.\n")
    if setup == "version":
        meta = golden_copy / "template.yaml"
        meta.write_text(meta.read_text().replace("version:", "version: 99.0.0 #"), encoding="utf-8")
    before = _tree(golden_copy)
    assert run(["templates", "release", str(golden_copy), *args]) == 2
    assert says in capsys.readouterr().err
    assert _tree(golden_copy) == before


def test_a_failure_half_way_restores_every_file(golden_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _edit(golden_copy, "template/README.md.jinja", "\n", "\nMore.\n")
    assert run(["templates", "change", str(golden_copy), "--patch", "-m", "More"]) == 0
    before = _tree(golden_copy)

    def disk_full(files: object, target: Path) -> None:  # an injected fault in the last step
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("platform_cli.scaffold.release.write_archive", disk_full)
    assert run(["templates", "release", str(golden_copy)]) != 0
    assert _tree(golden_copy) == before


def test_a_bad_change_note_is_located_exit_2(golden_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _edit(golden_copy, "template/README.md.jinja", "\n", "\nMore.\n")
    (golden_copy / "changes").mkdir()
    (golden_copy / "changes" / "x.yaml").write_text("bump: huge\nsummary: x\n")
    assert run(["templates", "release", str(golden_copy)]) == 2
    assert "x.yaml:1" in capsys.readouterr().err


# 6 levels of 10 aliases: a million values once expanded (bounded by the loading policy, not by memory)
_ALIASES = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 7)
)


@pytest.mark.parametrize(
    ("content", "line"),
    [
        (b"bump: minor\nsummary: caf\xe9\n", "x.yaml:2"),  # not UTF-8
        (b"bump: minor\nbump: major\nsummary: twice\n", "x.yaml:2"),  # a duplicate key
        (b"bump: minor\nsummary: !!python/name:os.system x\n", "x.yaml:2"),
        (b"bump: minor\nsummary: [a, list]\n", "x.yaml:2"),
        (b"bump: minor\nsummary: '  '\n", "x.yaml:2"),
        (b"bump: [minor]\nsummary: x\n", "x.yaml:1"),
        (b"bump: minor\nsummary: x\n" + _ALIASES.encode(), "x.yaml:"),
    ],
)
def test_change_notes_are_read_under_the_loading_policy(
    golden_copy: Path, capsys: pytest.CaptureFixture[str], content: bytes, line: str
) -> None:
    _edit(golden_copy, "template/README.md.jinja", "\n", "\nMore.\n")
    (golden_copy / "changes").mkdir()
    (golden_copy / "changes" / "x.yaml").write_bytes(content)
    before = _tree(golden_copy)
    assert run(["templates", "release", str(golden_copy)]) == 2
    err = capsys.readouterr().err
    assert line in err and "Traceback" not in err
    assert _tree(golden_copy) == before


def test_history_repo_has_one_tag_per_release(golden_copy: Path) -> None:
    _edit(golden_copy, "template/README.md.jinja", "\n", "\nMore.\n")
    assert run(["templates", "release", str(golden_copy), "--minor", "-m", "More"]) == 0
    repo = history_repo(golden_copy)
    tags = subprocess.run(["git", "tag"], cwd=repo, capture_output=True, text=True, check=True).stdout.split()
    assert sorted(tags) == sorted(r.ref for r in archive_releases(golden_copy))
    newest = releases(golden_copy)[-1].ref
    shown = subprocess.run(
        ["git", "show", f"{newest}:template/README.md.jinja"], cwd=repo, capture_output=True, text=True
    )
    assert "More." in shown.stdout
    assert history_repo(golden_copy) == repo  # built once per set of archives


def test_archives_with_unsafe_entries_are_refused(tmp_path: Path) -> None:
    archive = tmp_path / "1.0.0.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("../escape.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(UserError, match="unsafe entry"):
        read_archive(archive)


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


def test_a_team_template_in_its_own_git_repo_is_committed_and_tagged(
    git_template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    latest = releases(git_template)[-1]
    readme = git_template / "template" / "README.md.jinja"
    readme.write_text("# {{ project }} v3\n", encoding="utf-8")
    assert run(["templates", "release", str(git_template), "--minor", "-m", "x"]) == 4  # uncommitted edit
    assert "uncommitted" in capsys.readouterr().err
    _git(git_template, "commit", "-qam", "edit")

    assert run(["templates", "release", str(git_template), "--minor", "-m", "README says v3"]) == 0

    expected = bumped(latest.version, "minor")
    assert f"v{expected}" in _git(git_template, "tag").split()
    assert _git(git_template, "status", "--porcelain") == ""
    assert _git(git_template, "log", "-1", "--format=%s").strip() == f"Release v{expected}"
    assert read_changelog(git_template)[0].entries == ["README says v3"]
    assert not (git_template / "releases").exists()
