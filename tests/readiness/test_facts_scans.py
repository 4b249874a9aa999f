"""`secret_scan`, `source_scan` and `prompts` facts over real git repositories."""

from __future__ import annotations

import random
import string
from pathlib import Path

from fact_repos import BASE_MANIFEST, collect, make_repo

from platform_cli.readiness.facts.base import RepoContext
from platform_cli.readiness.facts.scans import PromptsCollector, SecretScanCollector, SourceScanCollector

_RNG = random.Random(3)
_BODY = "".join(_RNG.choice(string.ascii_letters + string.digits) for _ in range(48))
KEY = "sk-" + "proj-" + _BODY

FEATURE = '''"""Feature."""
from platform_cli.runtime import Feature


def run(ticket: str) -> str:
    feature = Feature.load(".")
    a = feature.complete("summarize", {"ticket": ticket})
    b = feature.complete("triage", {"ticket": ticket})
    c = feature.chat("c-1", "hi", prompt="You are a helpful agent. Answer the customer's question politely.")
    return a.text + b.text + c.text
'''


def test_secret_scan_reports_tracked_and_untracked_files_but_not_ignored_ones(tmp_path: Path) -> None:
    root = make_repo(
        tmp_path / "repo",
        BASE_MANIFEST,
        {".gitignore": ".env\n", "src/app/settings.py": f'\nOPENAI_KEY = "{KEY}"\n'},
    )
    (root / ".env").write_text(f"OPENAI_API_KEY={KEY}\n")  # ignored: where keys belong
    (root / "notes.txt").write_text(f"temporary: {KEY}\n")  # untracked, not ignored: about to be committed
    fact = collect(SecretScanCollector(), root)
    assert fact.unknown is None
    assert [(h["file"], h["line"], h["kind"]) for h in fact.value["hits"]] == [
        ("notes.txt", 1, "openai-api-key"),
        ("src/app/settings.py", 2, "openai-api-key"),
    ]
    assert (
        fact.value["count"] == 2 and fact.value["files_scanned"] == 4
    )  # .gitignore, manifest, settings.py, notes.txt
    assert _BODY[:-4] not in repr(fact)


def test_source_scan_inline_prompts_and_registered_refs(tmp_path: Path) -> None:
    root = make_repo(
        tmp_path / "repo",
        BASE_MANIFEST,
        {
            "src/app/feature.py": FEATURE,
            "prompts/summarize.yaml": "name: summarize\n",
            "prompts/unused.yml": "name: unused\n",
            "tests/test_feature.py": 'feature.complete("You are a test double that answers anything.")\n',
        },
    )
    fact = collect(SourceScanCollector(), root)
    value = fact.value
    assert value["files_scanned"] == ["src/app/feature.py"]
    assert [(p["file"], p["line"], p["kind"]) for p in value["inline_prompts"]] == [
        ("src/app/feature.py", 9, "inline-prompt")
    ]
    refs = {r["name"]: r for r in value["prompt_refs"]}
    assert refs["summarize"]["registered"] is True
    assert refs["summarize"]["expected_file"] == "prompts/summarize.yaml"
    assert refs["triage"]["registered"] is False and refs["triage"]["expected_file"] == "prompts/triage.yaml"
    assert (refs["triage"]["file"], refs["triage"]["line"]) == ("src/app/feature.py", 8)


def test_prompts_fact_and_one_shared_scan(tmp_path: Path) -> None:
    root = make_repo(
        tmp_path / "repo",
        BASE_MANIFEST,
        {
            "src/app/feature.py": FEATURE,
            "prompts/summarize.yaml": "x: 1\n",
            "prompts/team/unused.yml": "x: 1\n",
        },
    )
    ctx = RepoContext(root)
    fact = PromptsCollector().collect(ctx)
    assert fact.value == {
        "dir": "prompts",
        "files": [
            {"name": "summarize", "file": "prompts/summarize.yaml"},
            {"name": "team/unused", "file": "prompts/team/unused.yml"},
        ],
        "names": ["summarize", "team/unused"],
        "referenced": ["summarize", "triage"],
        "unregistered": ["triage"],
        "unreferenced": ["team/unused"],
    }
    scan = ctx.extra["_prompt_scan"]
    SourceScanCollector().collect(ctx)
    assert ctx.extra["_prompt_scan"] is scan


def test_scans_on_a_repo_without_files(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", None, {"README.md": "# nothing here\n"})
    assert collect(SecretScanCollector(), root).value == {
        "files_scanned": 1,
        "files_tracked": 1,
        "hits": [],
        "count": 0,
        "allowlisted": [],
        "skipped": [],
        "unscanned": [],
    }
    assert collect(SourceScanCollector(), root).value["inline_prompts"] == []
