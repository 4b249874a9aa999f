"""The rollback drill, offline: the whole rollback rehearsed on a scratch copy of this repo's state.

`platform rollback drill` stages a drill version of a prompt on a canary, serves offline traffic through two
runtime instances, rolls it back, and checks that no cached answer of the drill version is served again,
that histories follow `spec.rollback.history`, and that every instance serves the target within the TTL.
CI runs it against the shared store, where the `rollback-ready` readiness rule reads it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_a_rollback_drill_passes_offline() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "platform_cli", "--repo", str(REPO_ROOT), "rollback", "drill", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    drill = json.loads(done.stdout)
    assert drill["passed"], [c for c in drill["checks"] if not c["passed"]]
    assert {c["name"] for c in drill["checks"]} >= {"no_bad_cache_hits_before", "histories", "serves_target_within_ttl"}
