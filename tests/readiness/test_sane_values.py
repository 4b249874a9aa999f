"""The gate compares finite, sane values only: NaN, infinities and absurd numbers never pass a rule.

Before, `monthly_usd: .nan` / `per_request_usd: .inf` passed budget-declared (NaN passes every JSON Schema
bound) and `soak_days: 99999999999999999999` passed soak-window.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from fact_repos import manifest

from platform_cli.cli.main import run
from platform_cli.readiness.evaluate import evaluate_rule
from platform_cli.readiness.facts.base import Fact
from platform_cli.readiness.rules import load_rules


def _repo(tmp_path: Path, replace: tuple[str, str]) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    text = yaml.safe_dump(manifest(), sort_keys=False)
    old, new = replace
    assert old in text
    (root / "ai-feature.yaml").write_text(text.replace(old, new), encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("old", "new", "needle"),
    [
        ("monthly_usd: 100", "monthly_usd: .nan", "not a finite number"),
        ("monthly_usd: 100", "monthly_usd: .NaN", "not a finite number"),
        ("per_request_usd: 0.01", "per_request_usd: .inf", "not a finite number"),
        ("per_request_usd: 0.01", "per_request_usd: !!float -.inf", "not a finite number"),
        ("monthly_usd: 100", "monthly_usd: 1.0e+400", "not a finite number"),
        ("soak_days: 42", "soak_days: 99999999999999999999", "64 bits"),
        ("soak_days: 42", "soak_days: 100000", "out of range"),
        ("monthly_usd: 100", "monthly_usd: 1.0e+15", "out of range"),
        ("soak_days: 42", "soak_days: !!int 42x", "not an integer"),
    ],
)
def test_absurd_numbers_never_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, needle: str
) -> None:
    root = _repo(tmp_path, (old, new))
    code = run(["--repo", str(root), "readiness", "check", "--format", "json"])
    err = capsys.readouterr().err
    assert code == 2, err  # located bad input, never a pass and never an internal error
    assert "ai-feature.yaml:" in err and needle in err


@pytest.mark.parametrize(
    "value", [float("nan"), float("inf"), -float("inf"), 10**30, [1, float("nan")], {"x": 10**25}]
)
def test_a_plugin_fact_with_an_insane_number_fails_every_rule(value: object) -> None:
    rules = {rule.id: rule for rule in load_rules()}
    fact = Fact("budget", {"declared": True, "monthly_usd": value, "per_request_usd": 0.01, "alert_at": [1]})
    finding = evaluate_rule(rules["budget-declared"], fact)
    assert finding.status == "unknown" and "no rule can compare" in finding.messages[0]
    assert finding.failed
