"""`platform readiness check CHANGED_FILE...` (the pre-commit hook): the whole check runs exactly when the
change could alter a finding; a change nothing reads returns at once.

The table of what the rules read is checked against reality: every repo file a full check opens (traced
with an audit hook), other than through the shared file listing the secret and prompt scans read, must be
classified as read by the rules.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from platform_cli.cli.main import run
from platform_cli.readiness import changed as changed_module
from platform_cli.readiness.changed import full_check_reason, read_by_rules
from platform_cli.readiness.check import collect_facts
from platform_cli.readiness.facts.base import RepoContext
from platform_cli.readiness.rules import load_rules
from platform_cli.scaffold import new_feature

ANSWERS = {"name": "Support Summarizer", "eval_owner": "jane.doe@example.com"}
NOT_RE_CHECKED = "not re-checked"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated repo with a fallback of another vendor (so it also holds prices.json)."""
    dest = tmp_path_factory.mktemp("changed") / "support-summarizer"
    new_feature(dest, {**ANSWERS, "fallback_provider": "openai-compatible"})
    return dest


@pytest.fixture
def repo(generated: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(generated, tmp_path / "support-summarizer", symlinks=True))


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def _check(repo: Path, capsys: pytest.CaptureFixture[str], *files: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = run(["--repo", str(repo), "readiness", "check", *(str(repo / f) for f in files)])
    out, err = capsys.readouterr()
    return code, out, err


def test_every_file_a_full_check_opens_is_classified_as_read(generated: Path) -> None:
    opened: set[str] = set()
    root = str(generated.resolve())

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event != "open" or not isinstance(args[0], (str, os.PathLike)):
            return
        path = os.path.abspath(os.fsdecode(args[0]))
        if not path.startswith(root + os.sep) or "/.git/" in path or "/.platform/" in path:
            return
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_code.co_name == "repo_texts":  # the listing every scan shares: secrets are checked
                return
            frame = frame.f_back
        opened.add(Path(path).relative_to(root).as_posix())

    rules = load_rules()
    ctx = RepoContext(root=generated.resolve(), extra={"today": dt.date(2026, 11, 27)})
    tracing = [True]

    def guarded(event: str, args: tuple[Any, ...]) -> None:
        if tracing[0]:
            hook(event, args)

    sys.addaudithook(guarded)  # audit hooks cannot be removed: it is switched off below
    try:
        ctx.manifest  # noqa: B018 - the manifest is read first, as check_repo does
        collect_facts(ctx, {r.fact for r in rules})
        (generated / "waivers.yaml").read_text(encoding="utf-8")  # check_repo reads it through load_waivers
    finally:
        tracing[0] = False
    assert {"ai-feature.yaml", "prices.json", "prompts/summarize.yaml", "RUNBOOK.md"} <= opened
    unclassified = sorted(f for f in opened if not read_by_rules(f))
    assert unclassified == [], f"facts read files changed.py does not know: {unclassified}"


def test_files_only_the_secret_scan_reads_are_not_read_by_rules() -> None:
    for path in ("README.md", "tests/test_feature.py", "docs/guide.md", "pyproject.toml", "Makefile"):
        assert not read_by_rules(path), path
    for path in (
        "ai-feature.yaml", "waivers.yaml", "prompts/summarize.yaml", "evals/suites/smoke.yaml",
        "data/extra.jsonl", "src/pkg/feature.py", "web/app.ts", "monitoring/prometheus-rules.yml",
        ".gitignore", "RUNBOOK.md", ".github/workflows/ci.yml",
    ):  # fmt: skip
        assert read_by_rules(path), path


def test_a_change_nothing_reads_is_not_re_checked(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "README.md").write_text("# Support summarizer\n\nNew words.\n", encoding="utf-8")
    (repo / "tests" / "test_feature.py").write_text("def test_nothing() -> None:\n    pass\n")
    code, out, err = _check(repo, capsys, "README.md", "tests/test_feature.py")
    assert code == 0 and out == ""
    assert NOT_RE_CHECKED in err and "2 file(s)" in err


def test_a_broken_manifest_in_the_change_runs_the_full_check(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = repo / "ai-feature.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("apiVersion:", "apiVersionn:", 1))
    code, _, err = _check(repo, capsys, "README.md", "ai-feature.yaml")
    assert code == 2 and "ai-feature.yaml" in err and NOT_RE_CHECKED not in err


def test_a_secret_in_a_file_nothing_else_reads_fails_the_gate(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = "sk-proj-" + "Zq8xW3nV5bT7yU1iO9pA2sD4fG6hJ0kL8mN3bV5cX7zQ1wE"
    (repo / "README.md").write_text(f"# Demo\n\nOPENAI_API_KEY={key}\n", encoding="utf-8")
    code, out, err = _check(repo, capsys, "README.md")
    assert code == 1 and "no-committed-secrets" in out and NOT_RE_CHECKED not in err
    assert key not in out + err


def test_a_deleted_file_runs_the_full_check(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _git(repo, "rm", "-q", "RUNBOOK.md")  # pre-commit passes no deleted file to the hook
    code, _, err = _check(repo, capsys, "README.md")
    assert NOT_RE_CHECKED not in err
    assert full_check_reason(repo, [repo / "README.md"], plugins=False) == "the commit deletes RUNBOOK.md"
    assert code in (0, 1)
    assert "no longer exists" in str(full_check_reason(repo, [repo / "gone.md"], plugins=False))


def test_a_fact_plugin_makes_every_change_relevant(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert full_check_reason(repo, [repo / "README.md"], plugins=False) is None
    monkeypatch.setattr(changed_module, "_plugins_installed", lambda: True)
    assert "plugin" in str(full_check_reason(repo, [repo / "README.md"]))


def test_a_file_outside_the_repo_runs_the_full_check(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.md"
    outside.write_text("x\n")
    assert "outside the repository" in str(full_check_reason(repo, [outside], plugins=False))


def test_a_directory_runs_the_full_check(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "is a directory" in str(full_check_reason(repo, [repo], plugins=False))
    assert "is a directory" in str(full_check_reason(repo, [repo / "tests"], plugins=False))
    code, out, err = _check(repo, capsys, ".")
    assert code == 0 and "passed" in out and NOT_RE_CHECKED not in err
