"""Facts from reading the repo's files: `secret_scan` (API-key-like strings), `source_scan` (inline prompts
and prompt references) and `prompts` (the prompt files present)."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from platform_cli.readiness.facts.base import Fact, RepoContext
from platform_cli.readiness.facts.files import repo_texts
from platform_cli.scanners import prompts as prompt_scanner
from platform_cli.scanners import secrets as secret_scanner
from platform_cli.scanners.repofiles import committed_files

PROMPTS_DIR = "prompts"
PROMPT_SUFFIXES = (".yaml", ".yml")


def _texts(ctx: RepoContext, fact: str) -> tuple[dict[str, str] | None, Fact | None]:
    try:
        return repo_texts(ctx), None
    except OSError as exc:
        return None, Fact.missing(fact, f"cannot list or read the repository's files: {exc}")


def _prompt_scan(ctx: RepoContext, texts: dict[str, str]) -> prompt_scanner.PromptScan:
    """The inline-prompt scan, run once per check and shared by `source_scan` and `prompts`."""
    cached = ctx.extra.get("_prompt_scan")
    if isinstance(cached, prompt_scanner.PromptScan):
        return cached
    scan = prompt_scanner.scan_source(ctx.root, list(texts), texts)
    ctx.extra["_prompt_scan"] = scan
    return scan


def prompt_files(files: list[str]) -> dict[str, str]:
    """Registered prompt name -> file: prompts/<name>.yaml (names may have sub-directories)."""
    found: dict[str, str] = {}
    for rel in files:
        pure = PurePosixPath(rel)
        if pure.parts[:1] == (PROMPTS_DIR,) and pure.suffix in PROMPT_SUFFIXES and len(pure.parts) > 1:
            name = PurePosixPath(*pure.parts[1:]).with_suffix("").as_posix()
            found.setdefault(name, rel)
    return found


class SecretScanCollector:
    """`secret_scan`: {files_scanned, files_tracked, hits: [{file, line, column, kind, label, preview, name,
    committed}], count}.

    Scans the files git tracks (plus untracked, not-ignored ones). `committed` says whether git tracks the
    hit's file (None outside a git repository). A hit's preview is redacted (`sk-proj-…a1b2`): no fact,
    message or report ever carries a secret's value.
    """

    name = "secret_scan"

    def collect(self, ctx: RepoContext) -> Fact:
        texts, missing = _texts(ctx, self.name)
        if missing is not None or texts is None:
            return missing or Fact.missing(self.name, "no files")
        tracked = committed_files(ctx.root)
        hits: list[dict[str, Any]] = []
        for rel, text in texts.items():
            committed = None if tracked is None else rel in tracked
            hits.extend(
                {**hit.as_dict(), "committed": committed} for hit in secret_scanner.scan_text(text, rel)
            )
        value = {
            "files_scanned": len(texts),
            "files_tracked": None if tracked is None else sum(1 for rel in texts if rel in tracked),
            "hits": hits,
            "count": len(hits),
        }
        return Fact(self.name, value)


class SourceScanCollector:
    """`source_scan`: {files_scanned: [file], inline_prompts: [item], prompt_refs: [item], registered: [name],
    unparsable: [..]}; `registered` names every prompt file in prompts/.

    inline_prompts items: {kind: inline-prompt, file, line, column, reason, preview}.
    prompt_refs items: {kind: prompt-ref, name, file, line, column, call, registered, expected_file}.
    Application source only: tests/, evals/ and prompts/ are not scanned (see scanners.prompts).
    """

    name = "source_scan"

    def collect(self, ctx: RepoContext) -> Fact:
        texts, missing = _texts(ctx, self.name)
        if missing is not None or texts is None:
            return missing or Fact.missing(self.name, "no files")
        scan = _prompt_scan(ctx, texts)
        registered = prompt_files(list(texts))
        refs = []
        for ref in scan.refs:
            item = ref.as_dict()
            item["registered"] = ref.name in registered
            item["expected_file"] = registered.get(ref.name, f"{PROMPTS_DIR}/{ref.name}.yaml")
            refs.append(item)
        value = {
            "files_scanned": scan.files_scanned,
            "inline_prompts": [p.as_dict() for p in scan.inline],
            "prompt_refs": refs,
            "registered": sorted(registered),
            "unparsable": scan.unparsable,
        }
        return Fact(self.name, value)


class PromptsCollector:
    """`prompts`: {dir, files: [{name, file}], names, referenced, unregistered, unreferenced}.

    `referenced` are the names source code passes to the runtime; `unregistered` those without a file.
    """

    name = "prompts"

    def collect(self, ctx: RepoContext) -> Fact:
        texts, missing = _texts(ctx, self.name)
        if missing is not None or texts is None:
            return missing or Fact.missing(self.name, "no files")
        registered = prompt_files(list(texts))
        scan = _prompt_scan(ctx, texts)
        referenced = sorted({ref.name for ref in scan.refs})
        value = {
            "dir": PROMPTS_DIR,
            "files": [{"name": name, "file": rel} for name, rel in sorted(registered.items())],
            "names": sorted(registered),
            "referenced": referenced,
            "unregistered": [name for name in referenced if name not in registered],
            "unreferenced": [name for name in sorted(registered) if name not in referenced],
        }
        return Fact(self.name, value)
