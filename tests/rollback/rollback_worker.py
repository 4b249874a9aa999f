"""A separate process that rolls a prompt back and SIGKILLs itself at a chosen point, for the resume tests.

    python rollback_worker.py STATE_URL after|inside STEP

`after STEP`: killed right after STEP committed (with its journal entry). `inside STEP`: killed inside
STEP's transaction, after the step did its work and before the commit (nothing of it may survive).
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from platform_cli.rollback import rollback_prompt, steps
from platform_cli.store import open_store
from platform_cli.store.rollback import StepRecord


def main(url: str, mode: str, target: str) -> int:
    def die_after(step: StepRecord) -> None:
        if step.step == target:
            os.kill(os.getpid(), signal.SIGKILL)

    if mode == "inside":
        inner = steps.RUNNERS[target]

        def dying(ctx: Any) -> dict[str, Any]:
            inner(ctx)
            os.kill(os.getpid(), signal.SIGKILL)
            raise AssertionError("unreachable")

        steps.RUNNERS[target] = dying
    with open_store(url) as store:
        rollback_prompt(
            store, feature="rollback-test", prompt="summarize", history_policy="quarantine",
            reason="canary regressed", actor="oncall@example.com", on_step=die_after,
        )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
