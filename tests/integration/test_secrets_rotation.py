"""The full rotation against real OpenBao, moto Secrets Manager and an env-file,
driven through the CLI in real subprocesses, with a loopback vendor that mints and checks keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from secret_targets import BACKEND_KINDS, NAME, Target, make_target
from secrets_support import Vendor, run_cli, write_repo


@pytest.fixture(params=BACKEND_KINDS)
def target(request: pytest.FixtureRequest) -> Target:
    return make_target(request, request.param)


def _repo(tmp_path: Path, target: Target, vendor: Vendor) -> Path:
    return write_repo(tmp_path / "repo", secrets_=[target.spec], base_url=vendor.base_url)


def _ok(result: object) -> None:
    assert getattr(result, "returncode", None) == 0, (result.stdout, result.stderr)  # type: ignore[attr-defined]


def test_full_rotation_test_failure_and_rollback(tmp_path: Path, target: Target, vendor: Vendor) -> None:
    root = _repo(tmp_path, target, vendor)
    env = target.env
    missing = run_cli(root, "secrets", "status", env=env)
    assert missing.returncode == 1
    assert f"run `platform secrets rotate {NAME} --stdin`" in missing.stdout

    _ok(run_cli(root, "secrets", "rotate", NAME, "--command", vendor.mint_command, env=env))
    first = vendor.minted[0]
    assert target.read(root, "current") == first
    assert target.read(root, "pending") is None
    assert target.read(root, "previous") is None

    _ok(run_cli(root, "secrets", "rotate", NAME, "--command", vendor.mint_command, env=env))
    second = vendor.minted[1]
    assert (target.read(root, "current"), target.read(root, "previous")) == (second, first)
    assert target.read(root, "pending") is None
    assert vendor.seen[-1] == second  # the test step called the models list with the pending key

    status = run_cli(root, "secrets", "status", "--format", "json", env=env)
    _ok(status)
    (row,) = json.loads(status.stdout)["secrets"]
    assert (row["state"], row["age_days"], row["owner"], row["rotation_in_progress"]) == (
        "ok", 0, "team-demo", None,
    )  # fmt: skip
    assert row["previous_valid_until"] is not None
    _ok(run_cli(root, "secrets", "verify", env=env))

    # a key the vendor rejects: the pending one is discarded, the current one untouched
    failed = run_cli(
        root, "secrets", "rotate", NAME, "--stdin", env=env, stdin="sk-not-accepted-0123456789abcdef\n"
    )
    assert failed.returncode == 1
    assert "key rejected (HTTP 401)" in failed.stdout
    assert target.read(root, "current") == second
    assert target.read(root, "pending") is None
    after = json.loads(run_cli(root, "secrets", "status", "--format", "json", env=env).stdout)
    assert after["secrets"][0]["rotation_in_progress"] is None

    _ok(run_cli(root, "secrets", "rollback", NAME, env=env))
    assert (target.read(root, "current"), target.read(root, "previous")) == (first, second)
    assert target.current_count(root) == 1

    # a previous key that was revoked is not restored
    vendor.revoke(second)
    refused = run_cli(root, "secrets", "rollback", NAME, "--to-rolled-back", env=env)
    assert refused.returncode == 1
    assert "the previous key does not work (key rejected (HTTP 401))" in refused.stdout
    assert target.read(root, "current") == first


def test_first_rotation_whose_test_fails_leaves_nothing(
    tmp_path: Path, target: Target, vendor: Vendor
) -> None:
    root = _repo(tmp_path, target, vendor)
    failed = run_cli(
        root, "secrets", "rotate", NAME, "--stdin", env=target.env, stdin="sk-bad-key-0123456789abcdef\n"
    )
    assert failed.returncode == 1
    assert target.read(root, "current") is None
    assert target.read(root, "pending") is None
    status = json.loads(run_cli(root, "secrets", "status", "--format", "json", env=target.env).stdout)
    assert status["secrets"][0]["state"] == "missing"


def test_a_finished_token_is_not_rotated_twice(tmp_path: Path, target: Target, vendor: Vendor) -> None:
    root = _repo(tmp_path, target, vendor)
    command = ["secrets", "rotate", NAME, "--command", vendor.mint_command, "--token", "ci-run-4711"]
    _ok(run_cli(root, *command, env=target.env))
    again = run_cli(root, *command, "--format", "json", env=target.env)
    _ok(again)
    assert json.loads(again.stdout)["outcome"] == "already-done"
    assert len(vendor.minted) == 1
    assert target.read(root, "current") == vendor.minted[0]


def test_rotating_to_the_current_value_is_refused_and_keeps_the_previous_key(
    tmp_path: Path, target: Target, vendor: Vendor
) -> None:
    root = _repo(tmp_path, target, vendor)
    _ok(run_cli(root, "secrets", "rotate", NAME, "--command", vendor.mint_command, env=target.env))
    _ok(run_cli(root, "secrets", "rotate", NAME, "--command", vendor.mint_command, env=target.env))
    first, second = vendor.minted
    same = run_cli(root, "secrets", "rotate", NAME, "--stdin", env=target.env, stdin=f"{second}\n")
    assert same.returncode == 2, (same.stdout, same.stderr)
    assert "the new value of PRIMARY_API_KEY is the same as its current value" in same.stderr
    assert second not in same.stdout + same.stderr and first not in same.stdout + same.stderr
    assert (target.read(root, "current"), target.read(root, "previous")) == (second, first)
    assert target.read(root, "pending") is None
    status = json.loads(run_cli(root, "secrets", "status", "--format", "json", env=target.env).stdout)
    assert status["secrets"][0]["rotation_in_progress"] is None


def test_a_second_rollback_needs_an_explicit_flag(tmp_path: Path, target: Target, vendor: Vendor) -> None:
    root = _repo(tmp_path, target, vendor)
    logs = tmp_path / "logs"
    env = {**target.env, "PLATFORM_LOG_DIR": str(logs)}
    _ok(run_cli(root, "secrets", "rotate", NAME, "--command", vendor.mint_command, env=env))
    _ok(run_cli(root, "secrets", "rotate", NAME, "--command", vendor.mint_command, env=env))
    first, second = vendor.minted
    _ok(run_cli(root, "secrets", "rollback", NAME, env=env))
    assert (target.read(root, "current"), target.read(root, "previous")) == (first, second)

    for extra in ((), ("--dry-run",)):
        again = run_cli(root, "secrets", "rollback", NAME, *extra, env=env)
        assert again.returncode == 2, (again.stdout, again.stderr)
        assert "a second rollback would bring it back" in again.stderr
        assert (
            "platform secrets rotate PRIMARY_API_KEY" in again.stderr and "--to-rolled-back" in again.stderr
        )
        assert (target.read(root, "current"), target.read(root, "previous")) == (first, second)

    _ok(run_cli(root, "secrets", "rollback", NAME, "--to-rolled-back", env=env))
    assert (target.read(root, "current"), target.read(root, "previous")) == (second, first)
    events = [json.loads(line) for line in (logs / "secrets-audit.jsonl").read_text().splitlines()]
    done = [e for e in events if e["event"] == "secret.rollback" and e["status"] == "done"]
    assert len(done) == 2

    # a rotation clears the mark: the next rollback (to the key it replaced) needs no flag
    _ok(run_cli(root, "secrets", "rotate", NAME, "--command", vendor.mint_command, env=env))
    _ok(run_cli(root, "secrets", "rollback", NAME, env=env))
    assert (target.read(root, "current"), target.read(root, "previous")) == (second, vendor.minted[2])
