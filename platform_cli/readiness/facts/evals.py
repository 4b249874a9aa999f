"""The `eval_suites` and `eval_runs` facts: which prompts have suites (and are those suites owned, valid and
wide enough), and whether each prompt's production version has a baseline and a fresh passing run.

`eval_runs` reads the state store without creating or migrating it (a store never written has no runs).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from platform_cli.errors import InvalidFile, PlatformError
from platform_cli.readiness.facts.base import Fact, RepoContext
from platform_cli.readiness.facts.ownership import owner_kind
from platform_cli.readiness.facts.scans import prompt_files
from platform_cli.readiness.facts.support import manifest_or_missing, today

DEFAULT_MAX_AGE_DAYS = 7


def _suites(ctx: RepoContext, manifest: Any) -> list[tuple[str, Any, InvalidFile | None]]:
    """Every suite of the repo (display name, suite or None, its error), loaded once per check: both
    eval facts read them."""
    cached = ctx.extra.get("_eval_suites")
    if isinstance(cached, list):
        return cached
    loaded = _load_suites(manifest)
    ctx.extra["_eval_suites"] = loaded
    return loaded


def _load_suites(manifest: Any) -> list[tuple[str, Any, InvalidFile | None]]:
    from platform_cli.evals.project import load_project_suite, project_suite_paths
    from platform_cli.yamlfile import relative_display

    loaded: list[tuple[str, Any, InvalidFile | None]] = []
    for path in project_suite_paths(manifest):
        shown = relative_display(path, manifest.root)
        try:
            loaded.append((shown, load_project_suite(manifest, path), None))
        except InvalidFile as error:
            loaded.append((shown, None, error))
    return loaded


class EvalSuitesCollector:
    """`eval_suites`: {min_cases, prompts_without_suite: [{name, file, line}], suites: [item]}.

    item: {name, file, line, prompt, owner, owner_kind, missing_segments, thin_segments, problem}, where
    owner_kind is person | team | list | missing | invalid, missing_segments are required segments with no
    case, thin_segments "segment (n)" those with fewer than min_cases, problem a suite or dataset error.
    """

    name = "eval_suites"

    def collect(self, ctx: RepoContext) -> Fact:
        from platform_cli.evals.datasets import Dataset
        from platform_cli.evals.project import min_cases

        manifest, missing = manifest_or_missing(ctx, self.name)
        if missing is not None:
            return missing
        try:
            suites = _suites(ctx, manifest)
            prompts = prompt_files(ctx.tracked_files)
        except (PlatformError, OSError) as exc:
            return Fact.missing(self.name, f"cannot read the eval suites: {exc}")
        minimum = min_cases(manifest)
        items: list[dict[str, Any]] = []
        covered = set()
        for shown, suite, error in suites:
            if suite is None:
                problem = error.problems[0].render() if error and error.problems else str(error)
                items.append({"name": shown, "file": shown, "line": 1, "prompt": None, "owner": None,
                              "owner_kind": "invalid", "missing_segments": [], "thin_segments": [],
                              "problem": problem})  # fmt: skip
                continue
            covered.add(suite.prompt)
            counts: dict[str | None, int] = {}
            problem = ""
            try:
                for path in suite.datasets:
                    per_segment = Dataset(path, path.relative_to(manifest.root).as_posix()).segment_counts()
                    for segment, count in per_segment.items():
                        counts[segment] = counts.get(segment, 0) + count
            except (PlatformError, OSError, ValueError) as exc:
                problem = str(exc).splitlines()[-1] if str(exc) else type(exc).__name__
            items.append({
                "name": suite.name, "file": shown, "line": 1, "prompt": suite.prompt, "owner": suite.owner,
                "owner_kind": owner_kind(suite.owner, manifest.owner), "owner_from": suite.owner_from,
                "missing_segments": [s for s in suite.segments if not counts.get(s)],
                "thin_segments": [
                    f"{s} ({counts[s]})" for s in suite.segments if 0 < counts.get(s, 0) < minimum
                ],
                "problem": problem,
            })  # fmt: skip
        without = [{"name": name, "file": rel, "line": 1} for name, rel in sorted(prompts.items())
                   if name not in covered]  # fmt: skip
        value = {"min_cases": minimum, "count": len(items), "prompts_without_suite": without, "suites": items}
        return Fact(self.name, value)


class EvalRunsCollector:
    """`eval_runs`: {store, store_exists, max_age_days, pairs: [item]} with one item per (prompt, suite):
    {prompt, suite, file, line, production, model, baseline_run, baseline_version, baseline_state,
    last_pass_run, last_pass_age_days, fresh_state}. baseline_state: ok | missing | other-version |
    no-production. fresh_state: ok | stale | failed | none | other-model | no-production."""

    name = "eval_runs"

    def collect(self, ctx: RepoContext) -> Fact:
        from platform_cli.evals.state import existing_evals_store
        from platform_cli.manifest import resolve_state_url
        from platform_cli.prompts.config import existing_store
        from platform_cli.store import redact_url

        manifest, missing = manifest_or_missing(ctx, self.name)
        if missing is not None:
            return missing
        max_age = manifest.evals.get("max_age_days", DEFAULT_MAX_AGE_DAYS)
        if not isinstance(max_age, int) or isinstance(max_age, bool) or max_age < 1:
            max_age = DEFAULT_MAX_AGE_DAYS
        url = resolve_state_url(manifest)
        try:
            suites = [(shown, s) for shown, s, _ in _suites(ctx, manifest) if s is not None]
            registry = existing_store(url)
            store = existing_evals_store(url) if registry is not None else None
        except (PlatformError, OSError) as exc:
            return Fact.missing(self.name, f"cannot read the eval runs: {exc}")
        try:
            pairs = [
                self._pair(manifest, registry, store, shown, s, max_age, today(ctx)) for shown, s in suites
            ]
        except PlatformError as exc:
            return Fact.missing(self.name, f"cannot read the eval runs: {exc}")
        finally:
            for opened in (store, registry):
                if opened is not None:
                    opened.close()
        value = {"store": redact_url(url), "store_exists": registry is not None, "max_age_days": max_age,
                 "pairs": pairs}  # fmt: skip
        return Fact(self.name, value)

    def _pair(self, manifest: Any, registry: Any, store: Any, shown: str, suite: Any, max_age: int,
              day: dt.date) -> dict[str, Any]:  # fmt: skip
        item: dict[str, Any] = {
            "prompt": suite.prompt, "suite": suite.name, "file": shown, "line": 1, "production": None,
            "model": None, "baseline_run": None, "baseline_version": None, "baseline_state": "no-production",
            "last_pass_run": None, "last_pass_age_days": None, "fresh_state": "no-production",
        }  # fmt: skip
        version = registry.prompt_label(suite.prompt, "production") if registry is not None else None
        if version is None:
            return item
        item["production"] = version
        record = registry.prompt_version(suite.prompt, version)
        baseline = store.eval_baseline(suite.prompt, suite.name) if store is not None else None
        if baseline is not None:
            item["baseline_run"], item["baseline_version"] = baseline.run_id, baseline.prompt_version
        item["baseline_state"] = (
            "missing" if baseline is None else "ok" if baseline.prompt_version == version else "other-version"
        )
        runs = store.finished_eval_runs_of(suite.prompt, record.content_hash) if store and record else []
        runs = [r for r in runs if r.suite == suite.name]
        declared = {p.name: p.model for p in manifest.providers}
        current = [r for r in runs if declared.get(r.provider or "", manifest.primary.model) == r.model]
        passing = [r for r in current if r.verdict == "pass"]
        if passing:
            latest = passing[0]
            started = dt.date.fromisoformat(latest.started_at[:10])
            age = (day - started).days
            item.update(last_pass_run=latest.run_id, last_pass_age_days=age, model=latest.model,
                        fresh_state="ok" if age <= max_age else "stale")  # fmt: skip
        else:
            item["fresh_state"] = "failed" if current else ("other-model" if runs else "none")
        return item
