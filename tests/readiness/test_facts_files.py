"""`list_repo_files`, `repo_texts` and the `files` fact, on real git repositories and plain directories."""

from __future__ import annotations

from pathlib import Path

from fact_repos import BASE_MANIFEST, collect, git, make_repo

from platform_cli.readiness.facts.base import RepoContext
from platform_cli.readiness.facts.files import FilesCollector, repo_texts
from platform_cli.scanners.repofiles import list_repo_files


def test_git_repo_lists_tracked_and_untracked_but_not_ignored_or_deleted(tmp_path: Path) -> None:
    root = make_repo(
        tmp_path / "repo",
        BASE_MANIFEST,
        {".gitignore": ".env\n.platform/\n", "src/app.py": "x = 1\n", "gone.txt": "bye\n"},
    )
    (root / ".env").write_text("SECRET=1\n")
    (root / ".platform").mkdir()
    (root / ".platform" / "state.db").write_text("")
    (root / "new.py").write_text("y = 2\n")  # untracked, not ignored: about to be committed
    (root / "gone.txt").unlink()  # tracked, deleted from the work tree
    assert list_repo_files(root) == [".gitignore", "ai-feature.yaml", "new.py", "src/app.py"]


def test_plain_directory_is_walked_without_tool_and_cache_dirs(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "plain", BASE_MANIFEST, {"src/app.py": "x = 1\n"}, use_git=False)
    for skipped in (".venv/lib/x.py", "node_modules/m/index.js", "src/__pycache__/app.pyc", ".platform/s.db"):
        (root / skipped).parent.mkdir(parents=True, exist_ok=True)
        (root / skipped).write_text("")
    assert list_repo_files(root) == ["ai-feature.yaml", "src/app.py"]


def test_repo_texts_reads_each_file_once_binaries_and_big_files_included(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", BASE_MANIFEST, {"a.txt": "hello\n"})
    (root / "img.png").write_bytes(b"\x89PNG\0\0binary")
    (root / "big.json").write_text("[" + "1," * 600_000 + "1]")
    git(root, "add", "-A")
    ctx = RepoContext(root)
    texts = repo_texts(ctx)
    # a key hidden behind a NUL byte or in a file over 1 MB is still a committed key: nothing is skipped
    assert sorted(texts) == ["a.txt", "ai-feature.yaml", "big.json", "img.png"]
    assert repo_texts(ctx) is texts  # shared by every scanning collector of one check


def test_files_fact_reports_expected_files_and_ci(tmp_path: Path) -> None:
    root = make_repo(
        tmp_path / "repo",
        BASE_MANIFEST,
        {"README.md": "# demo\n", "prompts/summarize.yaml": "name: summarize\n", ".gitlab-ci.yml": "x: 1\n"},
    )
    fact = collect(FilesCollector(), root)
    assert fact.unknown is None
    present = {e["path"]: e["present"] for e in fact.value["expected"]}
    assert present["ai-feature.yaml"] and present["README.md"] and present["prompts/"]
    assert not present["RUNBOOK.md"] and not present["evals/"]
    assert "RUNBOOK.md" in fact.value["missing"] and "README.md" not in fact.value["missing"]
    assert fact.value["ci"] == [".gitlab-ci.yml"]
    assert fact.value["count"] == 4
