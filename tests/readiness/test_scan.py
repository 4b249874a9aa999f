"""Org-wide scan: which directories are repos, parallel checks, a bad manifest does not abort the scan."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
import yaml

from platform_cli.errors import InvalidFile, UserError
from platform_cli.readiness.model import Rule
from platform_cli.readiness.rules import load_rule_files
from platform_cli.readiness.scan import SKIP_DIRS, ScanResult, find_repos, scan

TODAY = dt.date(2025, 3, 1)

MANIFEST = """\
apiVersion: platform/v1
kind: AIFeature
metadata:
  name: {name}
  owner: team-a
  eval_owner: jane.doe@example.com
spec:
  lifecycle: {lifecycle}
  providers:
    - name: primary
      kind: fake
      model: {model}
"""


def make_repo(root: Path, name: str, lifecycle: str = "experimental", model: str = "m-2025-01-01") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "ai-feature.yaml").write_text(MANIFEST.format(name=name, lifecycle=lifecycle, model=model))
    return root


@pytest.fixture
def rules(tmp_path: Path) -> list[Rule]:
    path = tmp_path / "rules.yaml"
    pinned = {"pattern": "\\d{4}-\\d{2}-\\d{2}$"}
    condition = {
        "properties": {"spec": {"properties": {"providers": {"items": {"properties": {"model": pinned}}}}}}
    }
    rule = {
        "id": "model-pinned",
        "title": "Models pinned",
        "level": "bronze",
        "severity": "error",
        "fact": "manifest",
        "condition": condition,
        "pass": "pinned",
        "fail": "{{ item.model }} floats",
        "remediation": "pin",
        "rationale": "drift",
        "examples": {"pass": [{}], "fail": [{"spec": {"providers": [{"model": "x"}]}}]},
    }
    path.write_text(yaml.safe_dump(rule))
    return load_rule_files([path])


def test_find_repos_skips_tool_directories_and_a_repos_platform_dir(tmp_path: Path) -> None:
    org = tmp_path / "org"
    make_repo(org / "team-a" / "summarizer", "summarizer")
    make_repo(org / "team-a" / "summarizer" / "services" / "nested", "nested")  # monorepo: found too
    make_repo(org / "team-b" / "classifier", "classifier")
    for skipped in (
        org / ".git" / "x",
        org / "team-b" / "node_modules" / "pkg",
        org / "team-b" / "classifier" / ".venv" / "lib",
        org / "team-a" / "summarizer" / ".platform" / "cache",
    ):
        make_repo(skipped, "skipped")
    found = find_repos([org, org / "team-b"])
    assert [p.relative_to(org.resolve()).as_posix() for p in found] == [
        "team-a/summarizer",
        "team-a/summarizer/services/nested",
        "team-b/classifier",
    ]


def _walked_repos(tops: list[Path]) -> list[Path]:
    """What find_repos answered when it walked with os.walk: the reference for the tree below."""
    found: set[Path] = set()
    for top in tops:
        for current, subdirs, files in os.walk(top):
            is_repo = "ai-feature.yaml" in files
            if is_repo:
                found.add(Path(current).resolve())
            subdirs[:] = [d for d in subdirs if d not in SKIP_DIRS and not (is_repo and d == ".platform")]
    return sorted(found)


def test_find_repos_walks_as_os_walk_does_around_symlinks(tmp_path: Path) -> None:
    org = tmp_path / "org"
    make_repo(org / "a", "a")
    make_repo(org / "a" / "sub" / "b", "b")
    make_repo(org / "y" / ".platform" / "p", "p")  # not a repo's own .platform: searched
    (org / "link").symlink_to(org / "a")  # a symlink to a directory is not entered
    (org / "w").mkdir()
    (org / "w" / "ai-feature.yaml").symlink_to(org / "missing.yaml")  # a broken link is a file entry
    (org / "u").mkdir()
    (org / "u" / "ai-feature.yaml").symlink_to(org / "a" / "ai-feature.yaml")
    (org / "v" / "ai-feature.yaml").mkdir(parents=True)  # a directory of that name is not a manifest
    (org / "t" / "deep").mkdir(parents=True)
    (org / "t" / "deep" / "loop").symlink_to(org / "t")
    for tops in ([org], [org / "link"], [org, org / "a" / "sub"], [org / "t"]):
        assert find_repos(tops) == _walked_repos(tops), tops
    assert [p.relative_to(org.resolve()).as_posix() for p in find_repos([org])] == [
        "a", "a/sub/b", "u", "w", "y/.platform/p"
    ]  # fmt: skip


def test_find_repos_rejects_a_missing_directory_or_a_file(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="missing: no such directory"):
        find_repos([tmp_path / "missing"])
    (tmp_path / "file").write_text("x")
    with pytest.raises(UserError, match="file: not a directory"):
        find_repos([tmp_path / "file"])


@pytest.mark.parametrize("workers", [1, 3])
def test_scan_checks_every_repo_and_keeps_going_past_a_bad_manifest(
    tmp_path: Path, rules: list[Rule], workers: int
) -> None:
    org = tmp_path / "org"
    make_repo(org / "a", "alpha")
    make_repo(org / "b", "beta", model="floating")
    make_repo(org / "c", "gamma", lifecycle="launched")  # not an allowed lifecycle
    make_repo(org / "d", "delta", lifecycle="production")
    calls: list[tuple[int, int]] = []
    results = scan(
        [org], workers=workers, rules=rules, today=TODAY, progress=lambda d, t: calls.append((d, t))
    )
    assert [Path(r.path).name for r in results] == ["a", "b", "c", "d"]
    a, b, c, d = results
    assert a.report is not None and a.report.passed and a.report.feature == "alpha"
    assert b.report is not None and not b.report.passed
    assert b.report.findings[0].messages == ("floating floats",)
    assert c.report is None
    assert c.error is not None and "ai-feature.yaml:8" in c.error and "launched" in c.error
    assert d.report is not None and d.report.required_level == "silver"
    assert calls[0] == (0, 4)
    assert calls[-1] == (4, 4)
    assert [done for done, _ in calls] == [0, 1, 2, 3, 4]


def test_scan_applies_a_required_level_to_every_repo(tmp_path: Path, rules: list[Rule]) -> None:
    make_repo(tmp_path / "org" / "a", "alpha")
    [result] = scan([tmp_path / "org"], workers=1, rules=rules, level="gold")
    assert result.report is not None and result.report.required_level == "gold"


def test_scan_that_finds_no_repo_is_a_user_error_naming_the_dirs(tmp_path: Path, rules: list[Rule]) -> None:
    (tmp_path / "org" / "team-a").mkdir(parents=True)
    (tmp_path / "other").mkdir()
    calls: list[tuple[int, int]] = []
    with pytest.raises(UserError) as excinfo:
        scan([tmp_path / "org", tmp_path / "other"], rules=rules, progress=lambda d, t: calls.append((d, t)))
    assert excinfo.value.exit_code == 2
    assert f"no ai-feature.yaml found below {tmp_path / 'org'}, {tmp_path / 'other'}" in str(excinfo.value)
    assert calls == []


def test_bad_rule_pack_stops_the_scan(tmp_path: Path) -> None:
    make_repo(tmp_path / "org" / "a", "alpha")
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "bad.yaml").write_text("id: only-an-id\n")
    with pytest.raises(InvalidFile, match=r"bad\.yaml"):
        scan([tmp_path / "org"], extra_policy_dirs=[pack])


def test_scan_with_the_shipped_pack_in_parallel(tmp_path: Path) -> None:
    for name in ("one", "two", "three"):
        make_repo(tmp_path / "org" / name, f"feature-{name}")
    results = scan([tmp_path / "org"], workers=2)
    assert len(results) == 3
    assert all(r.report is not None and r.report.findings for r in results), [r.error for r in results]


def test_a_parallel_scan_sends_repos_in_batches_and_reports_each_batch(
    tmp_path: Path, rules: list[Rule], monkeypatch: pytest.MonkeyPatch
) -> None:
    import platform_cli.readiness.scan as scan_module

    monkeypatch.setattr(scan_module, "BATCHES_PER_WORKER", 1)  # 5 repos, 2 workers: batches of 2, 2, 1
    org = tmp_path / "org"
    for index, name in enumerate(["alpha", "beta", "gamma", "delta", "epsilon"]):
        make_repo(org / f"r{index}", name)
    calls: list[tuple[int, int]] = []
    results = scan([org], workers=2, rules=rules, today=TODAY, progress=lambda d, t: calls.append((d, t)))
    assert [Path(r.path).name for r in results] == ["r0", "r1", "r2", "r3", "r4"]
    assert [r.report.feature for r in results if r.report is not None] == [
        "alpha", "beta", "gamma", "delta", "epsilon"
    ]  # fmt: skip
    assert calls[0] == (0, 5) and calls[-1] == (5, 5) and len(calls) == 4  # the start, then 3 batches
    assert sorted(done for done, _ in calls[1:]) in ([2, 4, 5], [1, 3, 5], [2, 3, 5])


def test_a_scan_reads_the_waiver_limit_once_for_all_its_repos(
    tmp_path: Path, rules: list[Rule], monkeypatch: pytest.MonkeyPatch
) -> None:
    import platform_cli.readiness.check as check_module
    import platform_cli.readiness.scan as scan_module

    reads: list[int] = []
    monkeypatch.setattr(scan_module, "max_days", lambda dirs: reads.append(30) or 30)
    monkeypatch.setattr(check_module, "max_days", lambda *_: pytest.fail("read again for a repo"))
    for name in ("one", "two", "three"):
        make_repo(tmp_path / "org" / name, name)
    results = scan([tmp_path / "org"], workers=1, rules=rules, today=TODAY)
    assert [r.report.passed for r in results if r.report is not None] == [True, True, True]
    assert reads == [30]


def test_a_bad_platform_setting_is_still_each_repos_error(
    tmp_path: Path, rules: list[Rule], monkeypatch: pytest.MonkeyPatch
) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "platform.yaml").write_text("waivers:\n  max_days: -1\n")
    monkeypatch.setenv("PLATFORM_POLICIES", str(pack))
    for name in ("one", "two"):
        make_repo(tmp_path / "org" / name, name)
    results = scan([tmp_path / "org"], workers=1, rules=rules, today=TODAY)
    assert [r.report for r in results] == [None, None]
    assert all(r.error and "platform.yaml" in r.error and "-1" in r.error for r in results), results


@pytest.mark.parametrize("workers", [1, 2])
def test_a_given_pack_lowers_the_waiver_limit_of_a_scan_as_of_a_check(
    tmp_path: Path, rules: list[Rule], workers: int
) -> None:
    """`scan --policies DIR` reads DIR's platform.yaml (waivers.max_days), as `check --policies DIR` does."""
    from platform_cli.readiness.check import check_repo

    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "platform.yaml").write_text("waivers:\n  max_days: 10\n")
    waiver = (
        "waivers:\n  - rule: model-pinned\n    reason: vendor has no snapshot yet\n"
        "    approver: jane.doe@example.com\n    expires: 2025-03-31\n"
    )
    for name in ("one", "two"):
        (make_repo(tmp_path / "org" / name, name, model="m-latest") / "waivers.yaml").write_text(waiver)
    with pytest.raises(InvalidFile) as checked:
        check_repo(tmp_path / "org" / "one", rules=rules, today=TODAY, extra_policy_dirs=[pack])
    assert "more than 10 days ahead" in str(checked.value)
    results = scan([tmp_path / "org"], workers=workers, rules=rules, today=TODAY, extra_policy_dirs=[pack])
    assert [r.report for r in results] == [None, None]
    assert all(r.error and "more than 10 days ahead" in r.error for r in results), results
    # without the pack the shipped limit (90 days) holds: the waiver applies
    loose = scan([tmp_path / "org"], workers=workers, rules=rules, today=TODAY)
    assert all(r.report is not None and r.report.passed for r in loose), loose


def _collector_state(repos: list[Path]) -> list[ScanResult]:
    import gc

    return [ScanResult(path=str(repo), error=f"collector on: {gc.isenabled()}") for repo in repos]


def test_the_workers_collect_garbage_while_the_parent_receives_results(
    tmp_path: Path, rules: list[Rule], monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    import platform_cli.readiness.scan as scan_module

    monkeypatch.setattr(scan_module, "_check_batch", _collector_state)
    for name in ("one", "two", "three"):
        make_repo(tmp_path / "org" / name, name)
    seen: list[bool] = []
    on = gc.isenabled
    results = scan([tmp_path / "org"], workers=2, rules=rules, progress=lambda *_: seen.append(on()))
    assert [r.error for r in results if r.report is None] == ["collector on: True", "collector on: True"]
    assert seen[0] and not seen[-1] and gc.isenabled()  # off while results arrive, back on after
