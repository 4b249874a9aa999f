"""The git operations scaffolding needs: read the user email, fetch a template, make the first commit."""

from __future__ import annotations

import functools
import os
import subprocess
from pathlib import Path

from platform_cli.errors import UserError

# Used only when the machine has no git identity (fresh CI runners), so the first commit still succeeds.
FALLBACK_IDENTITY = {
    "GIT_AUTHOR_NAME": "platform-cli",
    "GIT_AUTHOR_EMAIL": "platform-cli@localhost",
    "GIT_COMMITTER_NAME": "platform-cli",
    "GIT_COMMITTER_EMAIL": "platform-cli@localhost",
}


def _git(args: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as error:
        raise UserError("git is not installed or not on PATH; install git and retry") from error
    if done.returncode != 0:
        raise UserError(f"git {' '.join(args[:2])} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout.strip()


def run_git(
    cwd: Path, *args: str, check: bool = True, identity: bool = False, timeout: float | None = None
) -> str:
    """`git ARGS` in `cwd`, its stdout. With `check`, a failure is a UserError naming the command; without,
    a failure returns "". `identity` commits as platform-cli (for scratch repositories only)."""
    env = {**os.environ, **FALLBACK_IDENTITY} if identity else None
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=timeout
        )
    except FileNotFoundError as error:
        raise UserError("git is not installed or not on PATH; install git and retry") from error
    except subprocess.TimeoutExpired as error:
        if check:
            raise UserError(f"{cwd}: git {' '.join(args[:2])} took longer than {timeout} s") from error
        return ""
    if done.returncode != 0:
        if check:
            raise UserError(f"{cwd}: git {' '.join(args[:2])} failed: {(done.stderr or done.stdout).strip()}")
        return ""
    return done.stdout


@functools.lru_cache(maxsize=1)
def git_user_email() -> str | None:
    try:
        done = subprocess.run(
            ["git", "config", "--get", "user.email"], capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        return None
    email = done.stdout.strip()
    return email or None


def clone_shallow(url: str, target: Path, ref: str | None) -> Path:
    """Clone `url` at `ref` (branch or tag; default branch when None) with full tags for copier versions."""
    args = ["clone", "--quiet"]
    if ref:
        args += ["--branch", ref]
    _git([*args, url, str(target)])
    return target


def initial_commit(repo: Path, message: str) -> str:
    """`git init` + add everything + commit; returns the commit id."""
    env = dict(os.environ)
    if git_user_email() is None:
        env.update(FALLBACK_IDENTITY)
    _git(["init", "--quiet", "--initial-branch=main"], cwd=repo, env=env)
    _git(["add", "--all"], cwd=repo, env=env)
    _git(["commit", "--quiet", "--no-verify", "--no-gpg-sign", "-m", message], cwd=repo, env=env)
    return _git(["rev-parse", "HEAD"], cwd=repo, env=env)
