"""A planted key value appears in none of stdout, stderr, log files, JSON output, the
backend metadata files, or the state store, after every command that touches it, on every backend."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest
from secret_targets import BACKEND_KINDS, NAME, make_target
from secrets_support import Vendor, run_cli, write_repo

from platform_cli.manifest import load_manifest
from platform_cli.secrets import SecretReader
from platform_cli.secrets.faults import CRASH_ENV


@pytest.mark.parametrize("kind", BACKEND_KINDS)
def test_a_planted_key_never_leaks(
    kind: str, request: pytest.FixtureRequest, vendor: Vendor, tmp_path: Path, isolated_home: Path
) -> None:
    target = make_target(request, kind)
    planted = "sk-planted-" + secrets.token_urlsafe(24)
    second = "sk-second-" + secrets.token_urlsafe(24)
    vendor.accept(planted)
    vendor.accept(second)
    root = write_repo(tmp_path / "repo", secrets_=[target.spec], base_url=vendor.base_url)
    log_dir = Path(os.environ["PLATFORM_LOG_DIR"])
    env = {**target.env, "PLATFORM_LOG_DIR": str(log_dir)}
    leaky_test = f"echo ${NAME}; echo ${NAME} >&2; exit 3"  # a test command that prints the key it gets
    leaky_mint = f"echo {planted} >&2; echo {planted}; exit 5"  # a mint command that prints and fails

    outputs = []
    for args, stdin, extra in [
        (["rotate", NAME, "--stdin", "--dry-run"], f"{planted}\n", {}),
        (["rotate", NAME, "--stdin", "--test-command", leaky_test], f"{planted}\n", {}),
        (["rotate", NAME, "--command", leaky_mint, "--format", "json"], None, {}),
        (["rotate", NAME, "--stdin"], f"{planted}\n", {CRASH_ENV: "test"}),
        (["rotate", NAME, "--format", "json"], None, {}),  # resumes the crashed rotation
        (["rotate", NAME, "--stdin", "--format", "json"], f"{second}\n", {}),
        (["status"], None, {}),
        (["status", "--format", "json"], None, {}),
        (["verify", "--format", "json"], None, {}),
        (["verify", "--test-command", leaky_test], None, {}),
        (["rollback", NAME, "--format", "json"], None, {}),
        (["rollback", NAME, "--dry-run", "--to-rolled-back"], None, {}),  # right after a rollback
        (["scan", str(root), "--format", "json"], None, {}),
    ]:
        result = run_cli(root, "secrets", *args, env={**env, **extra}, stdin=stdin)
        outputs.append((args, result.returncode, result.stdout, result.stderr))
    readiness = run_cli(root, "readiness", "check", "--level", "silver", "--format", "json", env=env)
    outputs.append((["readiness"], readiness.returncode, readiness.stdout, readiness.stderr))

    # the commands did what they should, so the absence below is not vacuous
    codes = [code for _, code, _, _ in outputs]
    assert codes[:6] == [0, 1, 2, 86, 0, 0], outputs
    scan_finds = 1 if kind == "env-file" else 0  # the (unignored, not a git repo) .env holds the key
    assert codes[6:] == [0, 0, 0, 1, 0, 0, scan_finds, 1], outputs  # verify with a failing command
    # planted became current, then `second`, then the rollback made planted current again
    assert (target.read(root, "current"), target.read(root, "previous")) == (planted, second)

    for args, _, stdout, stderr in outputs:
        for stream in (stdout, stderr):
            assert planted not in stream, args
            assert planted[len("sk-planted-") : -4] not in stream, args  # not even a fragment
    logs = [p for p in log_dir.rglob("*") if p.is_file()]
    assert any(p.name == "secrets-audit.jsonl" for p in logs)
    for path in [*logs, *root.rglob("*.json"), *root.rglob("*.jsonl"), *root.rglob("*.log")]:
        assert planted not in path.read_text(encoding="utf-8", errors="replace"), path

    # the runtime reader: the value only through reveal()
    secret = SecretReader(load_manifest(root / "ai-feature.yaml"), env={**os.environ, **env}).get(NAME)
    assert secret.reveal() in (planted, second)
    assert planted not in repr(secret) and planted not in str(secret) and planted not in f"{secret!r}"

    # the state store: secrets keep their rotation journal in the backend's own metadata (no migration),
    # so none of the commands above opened a store. If one ever does, this fails: then check its tables
    # on both engines for the planted value.
    assert list(root.rglob("*.db")) == []
    assert not (root / ".platform").exists()
