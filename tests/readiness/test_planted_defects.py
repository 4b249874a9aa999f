"""A fresh generated repo passes bronze; each planted defect fails exactly its rule.

One repo is generated per module (rendering takes about a second) and copied per test.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import string
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from platform_cli.cli.main import run
from platform_cli.readiness.check import check_repo
from platform_cli.readiness.model import Finding, Report
from platform_cli.scaffold import new_feature

TODAY = dt.date(2026, 11, 27)
PACKAGE = "support_summarizer"
FEATURE_PY = f"src/{PACKAGE}/feature.py"
ANSWERS = {"name": "Support Summarizer", "eval_owner": "jane.doe@example.com"}
OUR_RULES = {
    "owner-declared", "model-pinned", "model-not-retiring", "fallback-provider", "oncall-covers-providers",
    "budget-declared", "soak-window", "rollout-guarded", "secrets-declared", "no-committed-secrets",
    "prompts-registered",
    "catalog-registered",
}  # fmt: skip


@pytest.fixture(scope="module")
def fresh_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`platform scaffold new-ai-feature` with defaults: one offline fake provider."""
    dest = tmp_path_factory.mktemp("fresh") / "support-summarizer"
    new_feature(dest, dict(ANSWERS))
    return dest


@pytest.fixture(scope="module")
def complete_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated repo that also declares a fallback of another vendor, so it can pass every rule."""
    dest = tmp_path_factory.mktemp("complete") / "support-summarizer"
    new_feature(dest, {**ANSWERS, "fallback_provider": "openai-compatible"})
    # secrets-rotated (silver) reads the key's age from its backend: store one in the (ignored) .env
    rotate = ["secrets", "rotate", "FALLBACK_API_KEY", "--generate", "--test-command", "true"]
    assert run(["--repo", str(dest), *rotate]) == 0
    return dest


@pytest.fixture(scope="module")
def baseline(complete_repo: Path) -> Report:
    return check_repo(complete_repo, today=TODAY)


def _failed(report: Report) -> set[str]:
    return {f.rule.id for f in report.findings if f.failed}


def _finding(report: Report, rule_id: str) -> Finding:
    return next(f for f in report.findings if f.rule.id == rule_id)


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def _line(root: Path, rel: str, needle: str) -> int:
    lines = (root / rel).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines) if needle in line) + 1


def test_fresh_repo_passes_bronze_with_no_findings(fresh_repo: Path) -> None:
    report = check_repo(fresh_repo, today=TODAY)
    assert report.required_level == "bronze" and report.passed
    assert report.blocking("bronze") == []
    # A single offline provider cannot have a fallback of another vendor yet; that is silver, and the
    # finding says exactly what to add.
    failed_here = _failed(report) & OUR_RULES
    assert failed_here == {"fallback-provider"}
    finding = _finding(report, "fallback-provider")
    assert finding.rule.level == "silver"
    assert "only one provider is declared (primary, vendor fake)" in finding.messages[0]
    assert "spec.providers" in finding.rule.remediation
    assert [(loc.file, loc.line) for loc in finding.locations] == [
        ("ai-feature.yaml", _line(fresh_repo, "ai-feature.yaml", "providers:"))
    ]


def test_the_complete_baseline_passes_every_rule_of_the_pack(baseline: Report) -> None:
    assert {f.rule.id for f in baseline.findings} >= OUR_RULES
    assert _failed(baseline) & OUR_RULES == set()


# ---- the planted defects: each edits a copy of the complete repo -------------------------------------


def _edit_manifest(root: Path, change: Callable[[dict[str, Any]], None]) -> None:
    path = root / "ai-feature.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def _fallback(data: dict[str, Any]) -> dict[str, Any]:
    provider: dict[str, Any] = data["spec"]["providers"][1]
    return provider


def _shared_eval_owner(root: Path) -> tuple[str, str]:
    _edit_manifest(
        root, lambda d: d["metadata"].update(eval_owner=["jane.doe@example.com", "raj@example.com"])
    )
    return "ai-feature.yaml", "eval_owner"


def _team_eval_owner(root: Path) -> tuple[str, str]:
    _edit_manifest(root, lambda d: d["metadata"].update(eval_owner="team-support-summarizer"))
    return "ai-feature.yaml", "eval_owner"


def _floating_alias(root: Path) -> tuple[str, str]:
    _edit_manifest(root, lambda d: d["spec"]["providers"][0].update(model="fake-chat-latest"))
    return "ai-feature.yaml", "fake-chat-latest"


def _retired_model(root: Path) -> tuple[str, str]:
    # policies/model-lifecycle.yaml lists this fake snapshot as retired on 2025-06-01
    _edit_manifest(root, lambda d: d["spec"]["providers"][0].update(model="fake-chat-2024-06-01"))
    return "ai-feature.yaml", "fake-chat-2024-06-01"


def _no_fallback(root: Path) -> tuple[str, str]:
    def change(data: dict[str, Any]) -> None:
        del data["spec"]["providers"][1]
        data["spec"]["secrets"] = []

    _edit_manifest(root, change)
    return "ai-feature.yaml", "providers:"


def _fake_fallback(root: Path) -> tuple[str, str]:
    # the self-hosted endpoint becomes the primary and the offline fake its only fallback
    _edit_manifest(root, lambda d: d["spec"]["providers"].reverse())
    return "ai-feature.yaml", "providers:"


def _fallback_without_oncall_owner(root: Path) -> tuple[str, str]:
    _edit_manifest(root, lambda d: _fallback(d).pop("oncall_owner"))
    return "ai-feature.yaml", "name: fallback"


def _no_budget(root: Path) -> tuple[str, str]:
    _edit_manifest(root, lambda d: d["spec"].pop("budget"))
    return "ai-feature.yaml", "spec:"


def _unpriced_model(root: Path) -> tuple[str, str]:
    (root / "prices.json").unlink()  # the self-hosted fallback's price
    return "ai-feature.yaml", "budget:"


def _unscored_eval_guard(root: Path) -> tuple[str, str]:
    _edit_manifest(root, lambda d: d["spec"]["rollout"].pop("online_scoring"))
    return "ai-feature.yaml", "guard_metrics"


def _no_alert_rules(root: Path) -> tuple[str, str]:
    (root / "monitoring" / "prometheus-rules.yml").unlink()
    return "ai-feature.yaml", "budget:"


def _short_soak(root: Path) -> tuple[str, str]:
    _edit_manifest(root, lambda d: d["spec"]["rollout"].update(soak_days=14))
    return "ai-feature.yaml", "soak_days"


def _slow_rotation(root: Path) -> tuple[str, str]:
    _edit_manifest(root, lambda d: d["spec"]["secrets"][0].update(rotation_days=365))
    return "ai-feature.yaml", "name: FALLBACK_API_KEY"


def _undeclared_secret(root: Path) -> tuple[str, str]:
    _edit_manifest(root, lambda d: d["spec"].pop("secrets"))
    return "ai-feature.yaml", "api_key_secret"


def _committed_key(root: Path) -> tuple[str, str]:
    rng = random.Random(7)
    body = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(48))
    settings = f"src/{PACKAGE}/settings.py"
    (root / settings).write_text(f'"""Settings."""\n\nOPENAI_API_KEY = "sk-proj-{body}"\n', encoding="utf-8")
    return settings, "OPENAI_API_KEY ="


def _inline_prompt(root: Path) -> tuple[str, str]:
    with (root / FEATURE_PY).open("a", encoding="utf-8") as handle:
        handle.write(
            "\n\ndef triage(ticket: str) -> Result:\n"
            '    return feature().complete("You are a triage bot. Classify this ticket: " + ticket, {})\n'
        )
    return FEATURE_PY, "You are a triage bot"


def _unregistered_prompt(root: Path) -> tuple[str, str]:
    with (root / FEATURE_PY).open("a", encoding="utf-8") as handle:
        handle.write('\n\ndef triage(ticket: str) -> Result:\n    return feature().complete("triage", {})\n')
    return FEATURE_PY, '"triage"'


def _catalog_owner_mismatch(root: Path) -> tuple[str, str]:
    path = root / "catalog-info.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('owner: "team-', 'owner: "group:default/other-'))
    return "catalog-info.yaml", "  owner:"


def _catalog_invalid_name(root: Path) -> tuple[str, str]:
    path = root / "catalog-info.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("name: support-summarizer", "name: Support Bot!")
    )
    return "catalog-info.yaml", "name: Support Bot!"


def _old_template_release(root: Path) -> tuple[str, str]:
    # the release before the latest one of the shipped golden path (the package keeps every release)
    from platform_cli.resources import templates_dir
    from platform_cli.scaffold.releases import releases

    previous = releases(templates_dir() / "ai-feature")[-2].ref
    answers = root / ".copier-answers.yml"
    lines = answers.read_text(encoding="utf-8").splitlines(keepends=True)
    answers.write_text(
        "".join(f"_commit: {previous}\n" if line.startswith("_commit:") else line for line in lines),
        encoding="utf-8",
    )
    return ".copier-answers.yml", "# Changes here"


# A defect with two consequences fails both rules: an unpriced model (a floating alias has no price either)
# leaves the budget unenforceable and the rollout's cost_per_request guard without data.
ALSO_FAILS: dict[Callable[[Path], tuple[str, str]], tuple[str, ...]] = {
    _unpriced_model: ("rollout-guarded",),
    _floating_alias: ("rollout-guarded",),
}

DEFECTS: list[tuple[str, Callable[[Path], tuple[str, str]], str]] = [
    ("owner-declared", _shared_eval_owner, "lists 2 people"),
    ("owner-declared", _team_eval_owner, "names a team or group"),
    ("model-pinned", _floating_alias, "uses 'fake-chat-latest', a floating alias"),
    ("model-not-retiring", _retired_model, "was retired on 2025-06-01"),
    ("fallback-provider", _no_fallback, "only one provider is declared"),
    ("fallback-provider", _fake_fallback, "primary (fake, fake-chat-2025-01-01, the offline fake)"),
    (
        "oncall-covers-providers",
        _fallback_without_oncall_owner,
        "provider fallback (openai-compatible) names no",
    ),
    ("budget-declared", _no_budget, "spec.budget is missing"),
    ("budget-declared", _unpriced_model, "no price for llama-3.1-8b-instruct-2024-07-23"),
    ("cost-observed", _no_alert_rules, "monitoring/prometheus-rules.yml is missing"),
    ("soak-window", _short_soak, "rollout soaks 14 days, fewer than 28"),
    ("rollout-guarded", _unscored_eval_guard, "eval_score has no source: spec.rollout.online_scoring is not"),
    ("secrets-declared", _slow_rotation, "rotates every 365 days"),
    ("secrets-declared", _undeclared_secret, "spec.secrets does not declare"),
    ("no-committed-secrets", _committed_key, "OpenAI API key (sk-proj-…"),
    ("prompts-registered", _inline_prompt, "prompt text passed to .complete()"),
    ("prompts-registered", _unregistered_prompt, "prompts/triage.yaml does not exist"),
    (
        "catalog-registered",
        _catalog_owner_mismatch,
        "'other-support-summarizer' disagrees with ai-feature.yaml:",
    ),
    ("catalog-registered", _catalog_invalid_name, "'Support Bot!' is not in the expected format"),
    ("template-current", _old_template_release, "release(s) behind"),
]


@pytest.mark.parametrize(
    ("rule_id", "plant", "says"),
    DEFECTS,
    ids=[f"{rule}:{plant.__name__.strip('_')}" for rule, plant, _ in DEFECTS],
)
def test_a_planted_defect_fails_exactly_its_rule(
    rule_id: str,
    plant: Callable[[Path], tuple[str, str]],
    says: str,
    complete_repo: Path,
    baseline: Report,
    tmp_path: Path,
) -> None:
    root = tmp_path / "repo"
    shutil.copytree(complete_repo, root, symlinks=True)
    where, needle = plant(root)
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", f"plant a {rule_id} defect")

    report = check_repo(root, today=TODAY)

    assert _failed(report) - _failed(baseline) == {rule_id, *ALSO_FAILS.get(plant, ())}
    assert _failed(baseline) - _failed(report) == set()
    finding = _finding(report, rule_id)
    assert finding.status == "fail"
    assert any(says in message for message in finding.messages), finding.messages
    assert (finding.locations[0].file, finding.locations[0].line) == (where, _line(root, where, needle))
    if rule_id == "no-committed-secrets":
        rendered = repr(report)
        secret = (root / where).read_text(encoding="utf-8").split('"sk-proj-')[1][:-6]
        assert secret[:-4] not in rendered  # only the prefix and the last four characters are shown
