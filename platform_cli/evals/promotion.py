"""The eval gate on what changes production: label moves (`prompts promote --label production`) and the
models the manifest declares.

A version may take a gated label only when, for every suite of its prompt, a finished run of exactly that
content (prompt hash) on the model the manifest now declares for the provider it ran on passed its gate.
A changed model in the manifest is gated the same way (`platform eval gate`). An override needs a reason
and is recorded in the store (eval_gate_decisions) next to the label move; above a suite's behaviour-change
threshold a promotion also needs an acknowledged behaviour-change note, recorded with it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from platform_cli.errors import CheckFailed, InvalidFile, UserError
from platform_cli.evals.project import load_project_suite, project_suite_paths
from platform_cli.evals.suites import Suite
from platform_cli.manifest import Manifest
from platform_cli.store import Store
from platform_cli.store.engine import utc_timestamp
from platform_cli.store.evals import EvalRunRecord, GateDecision

DEFAULT_GATED_LABELS = ("production",)


def gated_labels(manifest: Manifest) -> tuple[str, ...]:
    value = manifest.evals.get("gated_labels")
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return DEFAULT_GATED_LABELS


def suites_of(manifest: Manifest, prompt: str) -> list[Suite]:
    """The suites that evaluate `prompt` (a broken suite file is an error: it cannot vouch for anything)."""
    found = []
    for path in project_suite_paths(manifest):
        try:
            suite = load_project_suite(manifest, path)
        except InvalidFile:
            raise
        if suite.prompt == prompt:
            found.append(suite)
    return found


@dataclass(frozen=True)
class SuiteCheck:
    suite: str
    run: EvalRunRecord | None
    problem: str | None
    needs_note: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"suite": self.suite, "run": self.run.run_id if self.run else None, "problem": self.problem,
                "needs_behaviour_note": self.needs_note}  # fmt: skip


@dataclass(frozen=True)
class GateCheck:
    prompt: str
    version: int
    prompt_hash: str
    checks: list[SuiteCheck] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.problem is None for c in self.checks)

    @property
    def needs_note(self) -> bool:
        return any(c.needs_note for c in self.checks)

    @property
    def problems(self) -> list[str]:
        if not self.checks:
            return [f"prompt '{self.prompt}' has no eval suite (add evals/suites/<name>.yaml with prompt: "
                    f"{self.prompt})"]  # fmt: skip
        return [f"suite {c.suite}: {c.problem}" for c in self.checks if c.problem]

    def as_dict(self) -> dict[str, Any]:
        return {"prompt": self.prompt, "version": self.version, "passed": self.passed,
                "needs_behaviour_note": self.needs_note, "problems": self.problems,
                "suites": [c.as_dict() for c in self.checks]}  # fmt: skip


def _current_model(manifest: Manifest, provider: str | None) -> str | None:
    spec = manifest.provider(provider) if provider else manifest.primary
    return spec.model if spec else None


def check_version(manifest: Manifest, store: Store, prompt: str, version: int) -> GateCheck:
    """Whether `prompt` v`version` has a passing gated run in every suite, on the models declared now."""
    record = store.prompt_version(prompt, version)
    if record is None:
        raise UserError(
            f"prompt '{prompt}' has no version {version}; see `platform prompts history {prompt}`"
        )
    runs = store.finished_eval_runs_of(prompt, record.content_hash)
    checks = []
    for suite in suites_of(manifest, prompt):
        mine = [r for r in runs if r.suite == suite.name]
        current = [r for r in mine if r.model == _current_model(manifest, r.provider)]
        passing = [r for r in current if r.verdict == "pass"]
        if passing:
            gate = json.loads(passing[0].gate or "{}")
            checks.append(SuiteCheck(suite.name, passing[0], None, bool(gate.get("needs_behaviour_note"))))
        elif current:
            checks.append(
                SuiteCheck(suite.name, current[0], f"the latest run {current[0].run_id} failed its gate")
            )
        elif mine:
            declared = _current_model(manifest, mine[0].provider)
            problem = (f"runs of v{version} used model {mine[0].model}, but ai-feature.yaml now declares "
                       f"{declared} for that provider: run the suite on it")  # fmt: skip
            checks.append(SuiteCheck(suite.name, None, problem))
        else:
            checks.append(SuiteCheck(suite.name, None, f"no finished run of v{version} (sha256 "
                                     f"{record.content_hash[:10]})"))  # fmt: skip
    return GateCheck(prompt, version, record.content_hash, checks)


def decide(
    store: Store,
    check: GateCheck,
    *,
    kind: str,
    label: str | None,
    model: str | None,
    author: str,
    override: bool,
    reason: str,
    behaviour_note: str,
    dry_run: bool,
) -> GateDecision:
    """Refuse (CheckFailed, exit 1) or record the decision: passed, or overridden with a reason."""
    what = f"prompt '{check.prompt}' v{check.version}" + (f" -> {label}" if label else "")
    if not check.passed and not override:
        problems = "; ".join(check.problems)
        raise CheckFailed(
            f"{what}: refused by the eval gate: {problems}. Run `platform eval run SUITE --version "
            f'{check.version}` until it passes, or override with --override-gate --reason "..." (recorded)'
        )
    if override and not reason.strip():
        raise UserError('--override-gate needs --reason "...": the override is recorded with it')
    if check.passed and check.needs_note and not behaviour_note.strip():
        raise CheckFailed(
            f"{what}: the gated run changed more answers than the suite's behaviour_change_threshold allows "
            'without notice; acknowledge it with --behaviour-note "what changes for users" (recorded)'
        )
    decision = GateDecision(
        0, kind, check.prompt, check.version, label, model,
        ",".join(c.run.run_id for c in check.checks if c.run and c.problem is None),
        "passed" if check.passed else "overridden", reason.strip(), behaviour_note.strip(), utc_timestamp(),
        author,
    )  # fmt: skip
    if not dry_run:
        store.add_gate_decision(decision)
    return decision


def gated_promote(
    manifest: Manifest,
    store: Store,
    name: str,
    version: int,
    label: str,
    *,
    author: str,
    reason: str,
    protected: tuple[str, ...],
    override: bool = False,
    behaviour_note: str = "",
    dry_run: bool = False,
) -> tuple[Any, GateDecision | None]:
    """`prompts promote` through the eval gate: labels in spec.evals.gated_labels (default production) move
    only to a version that passed; the decision is recorded in the same transaction as the move."""
    from platform_cli.prompts.labels import check_move, promote

    check_move(label, reason, protected)
    if label not in gated_labels(manifest):
        if override:
            raise UserError(f"--override-gate: label '{label}' is not gated (spec.evals.gated_labels)")
        return promote(store, name, version, label, author=author, reason=reason, protected=protected,
                       dry_run=dry_run), None  # fmt: skip
    with store.transaction():
        check = check_version(manifest, store, name, version)
        decision = decide(
            store, check, kind="promotion", label=label, model=None, author=author, override=override,
            reason=reason, behaviour_note=behaviour_note, dry_run=dry_run,
        )  # fmt: skip
        note = f" [behaviour change: {behaviour_note.strip()}]" if behaviour_note.strip() else ""
        tag = " [eval gate overridden]" if decision.outcome == "overridden" else ""
        promotion = promote(store, name, version, label, author=author, reason=reason + tag + note,
                            protected=protected, dry_run=dry_run)  # fmt: skip
    return promotion, decision
