"""Kill the rotation after each step (a real subprocess os._exit()s at the hook) and
re-run the same command: exactly one current key, it works, the old key is previous, nothing is pending,
no rotation is left in progress, and no extra key was minted at the vendor. On every backend."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from secret_targets import BACKEND_KINDS, NAME, make_target, seed, status_of
from secrets_support import Vendor, run_cli, write_repo

from platform_cli.secrets.faults import CRASH_ENV, CRASH_EXIT_CODE, CRASH_POINTS


@pytest.mark.parametrize("point", CRASH_POINTS)
@pytest.mark.parametrize("kind", BACKEND_KINDS)
def test_killed_after_each_step_then_rerun_converges(
    kind: str, point: str, request: pytest.FixtureRequest, vendor: Vendor, tmp_path: Path
) -> None:
    target = make_target(request, kind)
    root = write_repo(tmp_path / "repo", secrets_=[target.spec], base_url=vendor.base_url)
    seed(root, target, vendor.mint)
    old = vendor.minted[0]

    command = ["secrets", "rotate", NAME, "--command", vendor.mint_command, "--token", f"rotation-{point}"]
    crashed = run_cli(root, *command, env={**target.env, CRASH_ENV: point})
    assert crashed.returncode == CRASH_EXIT_CODE, (crashed.stdout, crashed.stderr)
    if point in ("begin", "create", "set", "test"):
        assert target.read(root, "current") == old  # killed before finishing: the old key is still current
    else:
        assert target.read(root, "current") == vendor.minted[1]  # killed inside or after finish

    rerun = run_cli(root, *command, "--format", "json", env=target.env)
    assert rerun.returncode == 0, (rerun.stdout, rerun.stderr)
    outcome = json.loads(rerun.stdout)["outcome"]
    assert outcome == ("already-done" if point == "finish" else "rotated")

    assert len(vendor.minted) == 2, "a resumed rotation must not mint a second key"
    new = vendor.minted[1]
    assert target.current_count(root) == 1
    assert target.read(root, "current") == new
    assert vendor.works(new)
    assert target.read(root, "previous") == old
    assert target.read(root, "pending") is None
    status = status_of(root, target)
    assert (status.state, status.rotation_in_progress) == ("ok", None)


@pytest.mark.parametrize("kind", BACKEND_KINDS)
def test_killed_first_rotation_resumes_and_abort_leaves_current_alone(
    kind: str, request: pytest.FixtureRequest, vendor: Vendor, tmp_path: Path
) -> None:
    target = make_target(request, kind)
    root = write_repo(tmp_path / "repo", secrets_=[target.spec], base_url=vendor.base_url)
    rotate = ["secrets", "rotate", NAME, "--command", vendor.mint_command]
    crashed = run_cli(root, *rotate, env={**target.env, CRASH_ENV: "set"})
    assert crashed.returncode == CRASH_EXIT_CODE
    assert status_of(root, target).state == "missing"  # not current until it is tested and finished
    resumed = run_cli(root, "secrets", "rotate", NAME, env=target.env)  # no source needed to resume
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming rotation" in resumed.stdout
    assert target.read(root, "current") == vendor.minted[0]

    crashed = run_cli(root, *rotate, env={**target.env, CRASH_ENV: "test"})
    assert crashed.returncode == CRASH_EXIT_CODE
    aborted = run_cli(root, "secrets", "rotate", NAME, "--abort", env=target.env)
    assert aborted.returncode == 0, aborted.stderr
    assert target.read(root, "current") == vendor.minted[0]
    assert target.read(root, "pending") is None
    assert target.current_count(root) == 1
