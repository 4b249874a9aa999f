"""Install the test Backstage catalog backend (npm) into a cache directory outside the repository.

Run by `make test` before pytest. The directory is keyed by a hash of package.json, package-lock.json and
backend.cjs, so a changed pin installs afresh and an unchanged one costs nothing. `npm ci` installs exactly
the locked tree (the lock file records versions and integrity hashes, no download URLs: regenerate it
with `npm install --package-lock-only --omit-lockfile-registry-resolved`). better-sqlite3 is compiled from
source (its install script would otherwise try to download a prebuilt binary; g++ and make are needed).

    python tests/backstage_backend/install.py            # install if needed, print the directory
    python tests/backstage_backend/install.py --print-dir  # only print where it goes

Without node or npm it prints why and exits 0 (the Backstage tests then skip with that reason), except
when CI is set: there the tests must run, so a missing toolchain or a failed install exits 1.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = ("package.json", "package-lock.json", "backend.cjs")
DIR_ENV = "PLATFORM_BACKSTAGE_TEST_DIR"
READY = ".installed"


def _real_home() -> Path:
    # The test suite points HOME at a temp dir; the cache must not move with it.
    return Path(pwd.getpwuid(os.getuid()).pw_dir)


def install_dir() -> Path:
    """Where the backend is (or will be) installed: $PLATFORM_BACKSTAGE_TEST_DIR, else the user cache."""
    explicit = os.environ.get(DIR_ENV)
    if explicit:
        return Path(explicit)
    digest = hashlib.sha256()
    for name in FILES:
        digest.update(name.encode() + b"\0" + (HERE / name).read_bytes() + b"\0")
    cache = Path(os.environ.get("XDG_CACHE_HOME") or _real_home() / ".cache")
    return cache / "platform-cli-tests" / "backstage" / digest.hexdigest()[:16]


def missing_toolchain() -> str | None:
    """Why the backend cannot be installed or run here, or None."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (the Backstage catalog backend runs on Node.js 20+)"
    return None


def is_installed(target: Path) -> bool:
    return (target / READY).is_file()


def install(target: Path) -> None:
    """npm install into a temp sibling of `target`, check better-sqlite3 loads, then move it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another worktree may be installing the same pins
        if is_installed(target):
            return
        work = Path(tempfile.mkdtemp(prefix=".install-", dir=target.parent))
        try:
            for name in FILES:
                shutil.copy2(HERE / name, work / name)
            env = dict(os.environ, npm_config_build_from_source="true", npm_config_update_notifier="false")
            if "npm_config_nodedir" not in env and Path("/usr/include/node/node.h").is_file():
                env["npm_config_nodedir"] = "/usr"  # compile against the installed headers
            npm = ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"]
            subprocess.run(npm, cwd=work, env=env, check=True)
            check = "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"
            subprocess.run(["node", "-e", check], cwd=work, check=True)
            (work / READY).write_text("ok\n")
            if target.exists():
                shutil.rmtree(target)
            work.rename(target)
        finally:
            shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str]) -> int:
    target = install_dir()
    if "--print-dir" in argv:
        print(target)
        return 0
    reason = missing_toolchain()
    if reason:
        print(f"Backstage test backend not installed: {reason}", file=sys.stderr)
        return 1 if os.environ.get("CI") else 0
    if not is_installed(target):
        print(f"Installing the Backstage test backend into {target} (first time: a few minutes) ...")
        try:
            install(target)
        except (OSError, subprocess.CalledProcessError) as error:
            print(f"Backstage test backend install failed: {error}", file=sys.stderr)
            return 1 if os.environ.get("CI") else 0
    print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
