"""The gate, read from the store: compare two runs of a suite, and check what a label serves on the models
ai-feature.yaml declares now (a changed model fails until its suites pass on it)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from platform_cli.errors import UserError
from platform_cli.evals.baselines import finished_run
from platform_cli.evals.compare import Comparison, compare_results
from platform_cli.evals.project import find_project_suite, load_project_suite, project_suite_paths
from platform_cli.evals.promotion import check_version, decide
from platform_cli.manifest import Manifest
from platform_cli.store import Store
from platform_cli.store.evals import EvalRunRecord


def compare_runs(
    manifest: Manifest, store: Store, old: str | None, new: str | None, suite_name: str | None
) -> tuple[EvalRunRecord, Comparison]:
    """(newer run, comparison). Defaults: NEW = the suite's latest finished run, OLD = its baseline."""
    if new is None and old is not None:
        old, new = None, old  # one run given: compare it with its baseline
    if new is not None:
        newer = finished_run(store, new)
        suite = find_project_suite(manifest, newer.suite)
    else:
        suite = find_project_suite(manifest, suite_name)
        latest = store.latest_finished_eval_run(suite.name)
        if latest is None:
            raise UserError(
                f"suite {suite.name} has no finished run yet (run `platform eval run {suite.name}`)"
            )
        newer = latest
    if old is None:
        baseline = store.eval_baseline(newer.prompt, newer.suite)
        if baseline is None:
            raise UserError(
                f"prompt '{newer.prompt}' suite {newer.suite} has no baseline: name two runs, or set one "
                "with `platform eval baseline set RUN`"
            )
        old = baseline.run_id
    older = finished_run(store, old)
    if older.suite != newer.suite:
        raise UserError(f"runs {older.run_id} and {newer.run_id} are of different suites")
    summary = json.loads(newer.summary or "{}")
    comparison = compare_results(
        store.eval_results(older.run_id), store.eval_results(newer.run_id), old_run=older.run_id,
        new_run=newer.run_id, gate=suite.gate, required_segments=suite.segments,
        threshold_failures=summary.get("threshold_failures", []),
    )  # fmt: skip
    return newer, comparison


def check_label_gate(
    manifest: Manifest,
    store: Store | None,
    prompts: Sequence[str],
    label: str,
    *,
    author: str,
    override: bool,
    reason: str,
    dry_run: bool,
) -> list[dict[str, Any]]:
    """For each prompt (default: every prompt a suite evaluates), the gate on the version LABEL serves."""
    names = list(prompts) or sorted(
        {load_project_suite(manifest, p).prompt for p in project_suite_paths(manifest)}
    )
    results: list[dict[str, Any]] = []
    for name in names:
        version = store.prompt_label(name, label) if store is not None else None
        if version is None or store is None:
            # Nothing promoted yet: the runtime will serve the file (published on first use), which the
            # suites' own runs gate; there is no promoted version to hold to the declared models.
            results.append(
                {
                    "prompt": name,
                    "version": None,
                    "passed": True,
                    "overridden": False,
                    "problems": [],
                    "note": f"no '{label}' label yet: nothing promoted to check",
                }
            )
            continue
        check = check_version(manifest, store, name, version)
        entry: dict[str, Any] = {**check.as_dict(), "overridden": False}
        if not check.passed and override:
            decide(store, check, kind="model", label=label, model=manifest.primary.model, author=author,
                   override=True, reason=reason, behaviour_note="", dry_run=dry_run)  # fmt: skip
            entry["overridden"] = True
        results.append(entry)
    return results
