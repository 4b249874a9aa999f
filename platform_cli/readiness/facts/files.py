"""The `files` fact (what a golden-path repo is expected to hold) and the repo texts every scan reads."""

from __future__ import annotations

from typing import Any

from platform_cli.readiness.facts.base import Fact, RepoContext
from platform_cli.scanners.repofiles import list_repo_files as list_repo_files
from platform_cli.scanners.textfiles import Skipped, read_for_scan

# (path, what it is for) of every file or directory a golden-path feature repo is expected to hold.
EXPECTED: tuple[tuple[str, str], ...] = (
    ("ai-feature.yaml", "the feature manifest"),
    ("README.md", "what the feature does and how to run it"),
    ("RUNBOOK.md", "what on-call does when the feature misbehaves"),
    ("catalog-info.yaml", "the Backstage catalog entry"),
    (".copier-answers.yml", "template provenance, needed by `platform template update`"),
    ("waivers.yaml", "readiness waivers"),
    ("prompts/", "the prompt registry sources"),
    ("evals/", "eval datasets and suites"),
    ("tests/", "offline tests"),
    (".gitignore", "keeps .env and .platform/ out of git"),
)
CI_FILES = (".github/workflows/", ".gitlab-ci.yml")


def repo_texts(ctx: RepoContext) -> dict[str, str]:
    """Every file of the repo a scan can read, read once per check and shared by all scanning collectors.

    The files it could not read are in `repo_skipped(ctx)`, each with its reason: scans name them.
    """
    cached = ctx.extra.get("_texts")
    if isinstance(cached, dict):
        return cached
    texts: dict[str, str] = {}
    skipped: list[Skipped] = []
    for rel in ctx.tracked_files:
        text, why = read_for_scan(ctx.root / rel, rel)
        if text is not None:
            texts[rel] = text
        elif why is not None:
            skipped.append(why)
    ctx.extra["_texts"] = texts
    ctx.extra["_skipped"] = skipped
    return texts


def repo_skipped(ctx: RepoContext) -> list[Skipped]:
    """The files `repo_texts` could not read (after it ran), with why."""
    repo_texts(ctx)
    skipped = ctx.extra.get("_skipped")
    return list(skipped) if isinstance(skipped, list) else []


def _present(path: str, files: list[str]) -> bool:
    if path.endswith("/"):
        return any(f.startswith(path) for f in files)
    return path in files


class FilesCollector:
    """`files`: {expected: [{path, purpose, present}], missing: [path], ci: [path], count: int}.

    Directories (ending in `/`) count as present when git tracks at least one file below them.
    """

    name = "files"

    def collect(self, ctx: RepoContext) -> Fact:
        try:
            files = ctx.tracked_files
        except OSError as exc:
            return Fact.missing(self.name, f"cannot list the files of {ctx.root}: {exc}")
        expected: list[dict[str, Any]] = [
            {"path": path, "purpose": purpose, "present": _present(path, files)} for path, purpose in EXPECTED
        ]
        ci = [path for path in CI_FILES if _present(path, files)]
        value = {
            "expected": expected,
            "missing": [e["path"] for e in expected if not e["present"]],
            "ci": ci,
            "count": len(files),
        }
        return Fact(self.name, value)
