"""`commands`: every read-only command a person runs by hand in a generated repo, cold, against a bare
click "hello" command (target: at most 3.5x), on the repo's local SQLite store.

The repo is prepared first (not timed): prompts published, two offline eval runs (for `eval compare`) and a
small cost ledger of offline calls through the runtime. A command whose preparation fails is reported as
such, and the others are still measured.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from bench.harness import (
    BenchContext,
    Measurement,
    Target,
    cold_pair,
    hello_argv,
    platform_argv,
    python_argv,
    quiet_env,
    run_process,
)

NAME = "commands"
RUNS = 7
TARGET_RATIO = 3.5
LEDGER_CALLS = 60

# (command words, exit codes that mean "ran to the end": 1 is a check that did not pass, still all the work)
COMMANDS: tuple[tuple[tuple[str, ...], tuple[int, ...]], ...] = (
    (("readiness", "check"), (0, 1)),
    (("validate",), (0,)),
    (("prompts", "list"), (0,)),
    (("secrets", "status"), (0, 1)),
    (("eval", "compare"), (0, 1)),
    (("cost", "report"), (0,)),
    (("template", "check"), (0, 1)),
)

_LEDGER_SCRIPT = """
import sys
from platform_cli.api import Feature
feature = Feature.load(sys.argv[1])
try:
    for index in range(int(sys.argv[2])):
        feature.complete("summarize", {"ticket": f"ticket {index}", "segment": "general"}, segment="general")
    feature.flush()
finally:
    feature.close()
"""


def prepare(ctx: BenchContext) -> tuple[Path, dict[tuple[str, ...], str]]:
    """A copy of the generated repo with registry, eval and ledger state; returns it and what failed."""
    repo = ctx.fresh_dir("commands") / "feature"
    shutil.copytree(ctx.repo, repo, symlinks=True)
    env = quiet_env(PLATFORM_OFFLINE="1")
    failed: dict[tuple[str, ...], str] = {}
    for prompt in sorted(p.stem for p in (repo / "prompts").glob("*.yaml")):
        run_process(platform_argv("prompts", "publish", prompt), cwd=repo, env=env)
        run_process(
            platform_argv(
                "prompts", "promote", prompt, "1", "--label", "production", "--reason", "benchmark set-up"
            ),
            cwd=repo,
            env=env,
        )
    try:
        for _ in range(2):
            run_process(platform_argv("eval", "run"), cwd=repo, env=env, ok=(0, 1))
    except RuntimeError as error:
        failed[("eval", "compare")] = f"two offline eval runs could not be made: {error}"
    run_process(python_argv("-c", _LEDGER_SCRIPT, str(repo), str(LEDGER_CALLS)), cwd=repo, env=env)
    return repo, failed


def run(ctx: BenchContext) -> list[Measurement]:
    repo, failed = prepare(ctx)
    reference = hello_argv(ctx.root)
    env = quiet_env()
    runs = ctx.runs(RUNS)
    results: list[Measurement] = []
    for words, ok in COMMANDS:
        shown = f"platform {' '.join(words)}"
        if words in failed:
            ctx.missed(f"{NAME} {shown}: not measured: {failed[words][:300]}")
            continue
        try:
            pair = cold_pair(platform_argv(*words), reference, runs, cwd=repo, env=env, ok=ok)
        except RuntimeError as error:
            ctx.missed(f"{NAME} {shown}: not measured: {str(error)[:300]}")
            continue
        ratio = pair.subject_s / pair.reference_s
        results.append(
            Measurement(
                NAME,
                f"{shown} (cold)",
                pair.subject_s,
                'bare click "hello" command (cold)',
                pair.reference_s,
                runs,
                pair.cpu_note(),
                Target.ratio_at_most(ratio, TARGET_RATIO),
            )
        )
    return results
