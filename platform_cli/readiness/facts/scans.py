"""Facts from reading the repo's files: `secret_scan` (API-key-like strings), `source_scan` (inline prompts
and prompt references) and `prompts` (the prompt files present)."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from platform_cli.readiness.facts.base import Fact, RepoContext
from platform_cli.readiness.facts.files import repo_skipped, repo_texts
from platform_cli.scanners import prompts as prompt_scanner
from platform_cli.scanners import secrets as secret_scanner

PROMPTS_DIR = "prompts"
PROMPT_SUFFIXES = (".yaml", ".yml")
_PROMPTS_PREFIX = f"{PROMPTS_DIR}/"


def _texts(ctx: RepoContext, fact: str) -> tuple[dict[str, str] | None, Fact | None]:
    try:
        return repo_texts(ctx), None
    except OSError as exc:
        return None, Fact.missing(fact, f"cannot list or read the repository's files: {exc}")


def shared_prompt_scan(ctx: RepoContext, texts: dict[str, str]) -> prompt_scanner.PromptScan:
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
        if not rel.startswith(_PROMPTS_PREFIX):  # repo-relative POSIX paths: most are not below prompts/
            continue
        pure = PurePosixPath(rel)
        if pure.parts[:1] == (PROMPTS_DIR,) and pure.suffix in PROMPT_SUFFIXES and len(pure.parts) > 1:
            name = PurePosixPath(*pure.parts[1:]).with_suffix("").as_posix()
            found.setdefault(name, rel)
    return found


def allowlist_for(ctx: RepoContext) -> secret_scanner.Allowlist:
    """How inline allowlist pragmas are judged in this check: its day and the platform's waiver limit."""
    from platform_cli.readiness.facts.support import today
    from platform_cli.readiness.waivers import max_days

    limit = ctx.extra.get("waiver_max_days")
    return secret_scanner.Allowlist(
        today=today(ctx), max_days=limit if isinstance(limit, int) else max_days()
    )


# Hits by (file, text, allowlist): an org-wide scan meets the same template files in every repo, and a
# file's hits are a pure function of the three (Hit is frozen).
_hits_seen: dict[tuple[str, str, secret_scanner.Allowlist], tuple[secret_scanner.Hit, ...]] = {}
_MEMO_ENTRIES = 2048
_MEMO_MAX_CHARS = 256 * 1024


def _secret_hits(text: str, rel: str, allowlist: secret_scanner.Allowlist) -> tuple[secret_scanner.Hit, ...]:
    key = (rel, text, allowlist)
    hits = _hits_seen.get(key)
    if hits is None:
        hits = tuple(secret_scanner.scan_text(text, rel, allowlist))
        if len(text) <= _MEMO_MAX_CHARS:
            if len(_hits_seen) >= _MEMO_ENTRIES:
                _hits_seen.clear()
            _hits_seen[key] = hits
    return hits


class SecretScanCollector:
    """`secret_scan`: {files_scanned, files_tracked, hits, count, allowlisted, skipped, unscanned}.

    hits items: {file, line, column, kind, label, preview, name[, note], committed} (`committed`: whether
    git tracks the hit's file; None outside a git repository); allowlisted items add approver
    and expires (an inline pragma that is a valid waiver); skipped items {kind: unscanned, file, reason,
    blocking} name every file not scanned, and `unscanned` those of them that keep the rule from passing
    (unreadable, too large). Scans the files git tracks (plus untracked, not-ignored ones), binaries
    included. A preview is redacted (`sk-proj-…a1b2`): no fact, message or report carries a value.
    """

    name = "secret_scan"

    def collect(self, ctx: RepoContext) -> Fact:
        texts, missing = _texts(ctx, self.name)
        if missing is not None or texts is None:
            return missing or Fact.missing(self.name, "no files")
        tracked = ctx.committed_files
        allowlist = allowlist_for(ctx)
        hits: list[dict[str, Any]] = []
        allowed: list[dict[str, Any]] = []
        for rel, text in texts.items():
            committed = None if tracked is None else rel in tracked
            for hit in _secret_hits(text, rel, allowlist):
                (allowed if hit.allowlisted else hits).append({**hit.as_dict(), "committed": committed})
        skipped = [s.as_dict() for s in repo_skipped(ctx)]
        value = {
            "files_scanned": len(texts),
            "files_tracked": None if tracked is None else sum(1 for rel in texts if rel in tracked),
            "hits": hits,
            "count": len(hits),
            "allowlisted": allowed,
            "skipped": skipped,
            "unscanned": [s for s in skipped if s["blocking"]],
        }
        return Fact(self.name, value)


class SourceScanCollector:
    """`source_scan`: {files_scanned: [file], inline_prompts, prompt_refs, unparsable, vendor_calls,
    invalid_prompts, unscanned, registered}; `registered` names every prompt file in prompts/.

    inline_prompts items: {kind: inline-prompt, file, line, column, reason, preview}.
    prompt_refs items: {kind: prompt-ref, name, file, line, column, call, registered, expected_file}.
    vendor_calls items: {kind: vendor-call, file, line, column, via, model}: model calls that bypass the
    runtime (a vendor SDK, HTTP to a vendor host). invalid_prompts items: {kind: invalid-prompt, file,
    line, reason}: prompt files that do not load. unscanned items: {kind: unscanned, file, reason}: source
    files that could not be read. Application source only: tests/, evals/ and prompts/ are not scanned.
    """

    name = "source_scan"

    def collect(self, ctx: RepoContext) -> Fact:
        texts, missing = _texts(ctx, self.name)
        if missing is not None or texts is None:
            return missing or Fact.missing(self.name, "no files")
        scan = shared_prompt_scan(ctx, texts)
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
            "vendor_calls": [c.as_dict() for c in scan.vendor_calls],
            "invalid_prompts": invalid_prompts(ctx, registered),
            "unscanned": scan.unscanned
            + [s.as_dict() for s in repo_skipped(ctx) if s.blocking and s.file.startswith(f"{PROMPTS_DIR}/")],
        }
        return Fact(self.name, value)


def invalid_prompts(ctx: RepoContext, registered: dict[str, str]) -> list[dict[str, Any]]:
    """Prompt files that do not load (YAML, loading policy, schema, semantics): a broken registry entry."""
    from platform_cli.errors import InvalidFile, PlatformError
    from platform_cli.prompts.files import read_prompt_file

    broken: list[dict[str, Any]] = []
    for name, rel in sorted(registered.items()):
        try:
            read_prompt_file(ctx.root / rel, name, display=rel)
        except InvalidFile as error:
            first = error.problems[0] if error.problems else None
            reason = first.message if first else str(error)
            line = first.line if first else None
            more = f" (and {len(error.problems) - 1} more problems)" if len(error.problems) > 1 else ""
            broken.append({"kind": "invalid-prompt", "file": rel, "line": line, "reason": reason + more})
        except PlatformError as error:
            broken.append({"kind": "invalid-prompt", "file": rel, "line": None, "reason": str(error)})
    return broken


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
        scan = shared_prompt_scan(ctx, texts)
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
