"""check_repo on hand-made repos: manifest first, facts collected once, collector failures, waivers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from platform_cli.errors import InvalidFile, UserError
from platform_cli.readiness.check import check_repo, collect_facts
from platform_cli.readiness.facts.base import Fact, RepoContext
from platform_cli.readiness.facts.manifest import ManifestCollector
from platform_cli.readiness.model import Location, Rule
from platform_cli.readiness.rules import load_rule_files

TODAY = dt.date(2025, 3, 1)

MANIFEST = """\
apiVersion: platform/v1
kind: AIFeature
metadata:
  name: tiny-feature
  owner: team-tiny
  eval_owner: jane.doe@example.com
spec:
  lifecycle: {lifecycle}
  providers:
    - name: primary
      kind: fake
      model: {model}
"""


def make_repo(root: Path, *, lifecycle: str = "experimental", model: str = "fake-chat-2025-01-01") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "ai-feature.yaml").write_text(MANIFEST.format(lifecycle=lifecycle, model=model), encoding="utf-8")
    return root


def rule_doc(
    rule_id: str, level: str, fact: str, condition: Any, fail: str = "failed: {{ error.message }}"
) -> Any:
    return {
        "id": rule_id,
        "title": rule_id.replace("-", " "),
        "level": level,
        "severity": "error",
        "fact": fact,
        "condition": condition,
        "pass": "ok",
        "fail": fail,
        "remediation": "fix it",
        "rationale": "it breaks",
        "examples": {"pass": [{}], "fail": [1]},
    }


PINNED = {
    "properties": {
        "spec": {
            "properties": {
                "providers": {"items": {"properties": {"model": {"pattern": "\\d{4}-\\d{2}-\\d{2}$"}}}}
            }
        }
    }
}


@pytest.fixture
def rules(tmp_path: Path) -> list[Rule]:
    path = tmp_path / "pack" / "rules.yaml"
    path.parent.mkdir()
    docs = [
        rule_doc("owner-set", "bronze", "manifest", {"properties": {"metadata": {"required": ["owner"]}}}),
        rule_doc("model-pinned", "silver", "manifest", PINNED, fail="{{ item.name }} uses {{ item.model }}"),
    ]
    path.write_text(yaml.safe_dump({"rules": docs}, sort_keys=False))
    return load_rule_files([path])


def test_passing_repo_reaches_the_highest_level_that_has_rules(tmp_path: Path, rules: list[Rule]) -> None:
    report = check_repo(make_repo(tmp_path / "repo"), rules=rules, today=TODAY)
    assert report.feature == "tiny-feature"
    assert report.lifecycle == "experimental"
    assert report.required_level == "bronze"
    assert [(f.rule.id, f.status) for f in report.findings] == [
        ("owner-set", "pass"),
        ("model-pinned", "pass"),
    ]
    assert report.reached == "silver"  # no gold rule is in force: gold cannot be claimed
    assert report.passed


def test_failing_silver_rule_leaves_bronze_and_points_at_the_manifest_line(
    tmp_path: Path, rules: list[Rule]
) -> None:
    report = check_repo(make_repo(tmp_path / "repo", model="fake-chat"), rules=rules, today=TODAY)
    [pinned] = [f for f in report.findings if f.rule.id == "model-pinned"]
    assert pinned.status == "fail"
    assert pinned.messages == ("primary uses fake-chat",)
    assert pinned.locations == (Location("ai-feature.yaml", 12),)
    assert report.reached == "bronze"
    assert report.passed  # experimental needs bronze only
    assert [f.rule.id for f in report.blocking("silver")] == ["model-pinned"]


def test_required_level_follows_lifecycle_and_level_overrides(tmp_path: Path, rules: list[Rule]) -> None:
    repo = make_repo(tmp_path / "repo", lifecycle="production", model="fake-chat")
    production = check_repo(repo, rules=rules, today=TODAY)
    assert production.required_level == "silver"
    assert not production.passed
    lowered = check_repo(repo, rules=rules, today=TODAY, level="bronze")
    assert lowered.required_level == "bronze"
    assert lowered.passed


def test_bad_manifest_is_reported_first_with_its_line(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    text = (repo / "ai-feature.yaml").read_text().replace("lifecycle: experimental", "lifecycle: beta")
    (repo / "ai-feature.yaml").write_text(text)
    broken_pack = tmp_path / "broken" / "r.yaml"
    broken_pack.parent.mkdir()
    broken_pack.write_text("id: [not closed\n")
    with pytest.raises(InvalidFile) as excinfo:
        check_repo(repo, extra_policy_dirs=[broken_pack.parent], today=TODAY)
    assert excinfo.value.file.endswith("ai-feature.yaml")
    assert excinfo.value.problems[0].line == 8
    assert excinfo.value.exit_code == 2


def test_missing_manifest_is_a_user_error(tmp_path: Path, rules: list[Rule]) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError):
        check_repo(tmp_path / "empty", rules=rules, today=TODAY)


def test_bad_rule_pack_is_invalid_input(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "r.yaml").write_text(
        yaml.safe_dump(rule_doc("x-rule", "diamond", "manifest", {}), sort_keys=False)
    )
    with pytest.raises(InvalidFile, match=r"r\.yaml:3"):
        check_repo(repo, extra_policy_dirs=[pack], today=TODAY)


class Counting:
    """A real collector that counts its calls."""

    def __init__(self, name: str, value: Any = None, error: Exception | None = None) -> None:
        self.name = name
        self.value = value
        self.error = error
        self.calls = 0

    def collect(self, ctx: RepoContext) -> Fact:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return Fact(self.name, self.value)


def test_each_used_fact_is_collected_once_and_unused_ones_never(tmp_path: Path) -> None:
    pack = tmp_path / "r.yaml"
    pack.write_text(
        yaml.safe_dump(
            {"rules": [rule_doc(f"r-{i}", "bronze", "alpha", {"type": "object"}) for i in range(3)]},
        )
    )
    alpha, beta = Counting("alpha", {}), Counting("beta", {})
    collectors = {"alpha": alpha, "beta": beta, "manifest": ManifestCollector()}
    report = check_repo(
        make_repo(tmp_path / "repo"), rules=load_rule_files([pack]), collectors=collectors, today=TODAY
    )
    assert [f.status for f in report.findings] == ["pass", "pass", "pass"]
    assert (alpha.calls, beta.calls) == (1, 0)


def test_collector_exception_becomes_an_unknown_failure(tmp_path: Path) -> None:
    pack = tmp_path / "r.yaml"
    pack.write_text(yaml.safe_dump(rule_doc("needs-plugin", "bronze", "plugin", {"type": "object"})))
    broken = Counting("plugin", error=RuntimeError("vault unreachable"))
    report = check_repo(
        make_repo(tmp_path / "repo"),
        rules=load_rule_files([pack]),
        collectors={"plugin": broken},
        today=TODAY,
    )
    [finding] = report.findings
    assert finding.status == "unknown"
    assert finding.messages == (
        "cannot check: the 'plugin' collector failed: RuntimeError: vault unreachable",
    )
    assert report.reached is None
    assert not report.passed


def test_missing_collector_and_wrong_return_are_unknown(tmp_path: Path) -> None:
    ctx = RepoContext(root=make_repo(tmp_path / "repo"))

    class WrongName:
        name = "gamma"

        def collect(self, ctx: RepoContext) -> Fact:
            return Fact("delta", {})

    facts = collect_facts(ctx, {"nothing", "gamma"}, {"gamma": WrongName()})
    assert facts["nothing"].unknown is not None
    assert "no installed fact collector provides 'nothing'" in facts["nothing"].unknown
    assert (
        facts["gamma"].unknown
        == "the 'gamma' collector returned a Fact named 'delta' instead of the 'gamma' fact"
    )


def test_waivers_apply_and_bad_waivers_are_invalid_input(tmp_path: Path, rules: list[Rule]) -> None:
    repo = make_repo(tmp_path / "repo", lifecycle="production", model="fake-chat")
    waiver = "waivers:\n  - rule: model-pinned\n    reason: no snapshot yet\n    approver: jane\n"
    (repo / "waivers.yaml").write_text(waiver + "    expires: 2025-03-31\n")
    report = check_repo(repo, rules=rules, today=TODAY)
    [pinned] = [f for f in report.findings if f.rule.id == "model-pinned"]
    assert pinned.status == "waived"
    assert pinned.waiver is not None and pinned.waiver.location == Location("waivers.yaml", 2)
    assert report.reached == "silver"
    assert report.passed

    expired = check_repo(repo, rules=rules, today=dt.date(2025, 4, 1))
    assert [n.kind for n in expired.waiver_notes] == ["expired"]
    assert expired.reached == "bronze"
    assert not expired.passed

    (repo / "waivers.yaml").write_text(waiver + "    expires: 2026-03-31\n")
    with pytest.raises(InvalidFile, match=r"waivers\.yaml:5:.*more than 90 days ahead"):
        check_repo(repo, rules=rules, today=TODAY)


def test_rule_with_a_misspelled_fact_fails_as_unknown_with_a_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "pack" / "typo.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(rule_doc("owner-typo", "bronze", "manifst", {"type": "object"})))
    report = check_repo(make_repo(tmp_path / "repo"), rules=load_rule_files([path]), today=TODAY)
    [finding] = report.findings
    assert finding.status == "unknown"
    assert finding.failed
    [message] = finding.messages
    assert message.startswith("cannot check: no installed fact collector provides 'manifst'")
    assert "did you mean 'manifest'?" in message
    assert report.reached is None
    assert not report.passed


@pytest.mark.parametrize(
    "zone", ["Etc/GMT-14", "Etc/GMT+12"]
)  # UTC+14 and UTC-12 (POSIX names flip the sign)
def test_the_check_judges_on_the_utc_date_in_any_local_time_zone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, zone: str
) -> None:
    """Eval runs, drills and rotations are stamped in UTC; judged on a local date, a run would age a day too
    many east of Greenwich (or too few west of it). At any hour one of these zones has another date than UTC,
    so judging on the local date fails this test whatever the time."""
    import time

    seen: list[Any] = []

    class Probe:
        name = "probe"

        def collect(self, ctx: RepoContext) -> Fact:
            seen.append(ctx.extra["today"])
            return Fact("probe", {})

    path = tmp_path / "pack" / "rules.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump({"rules": [rule_doc("probe-ok", "bronze", "probe", {})]}, sort_keys=False))
    probe_rules = load_rule_files([path])
    try:
        with monkeypatch.context() as zoned:
            zoned.setenv("TZ", zone)
            time.tzset()
            before = dt.datetime.now(dt.timezone.utc).date()
            check_repo(make_repo(tmp_path / "repo"), rules=probe_rules, collectors={"probe": Probe()})
            after = dt.datetime.now(dt.timezone.utc).date()
    finally:
        time.tzset()  # the zone the context restored
    assert seen and seen[0] in (before, after)
