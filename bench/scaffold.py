"""`scaffold`: new_feature end to end (render, validate, git commit, move) against a bare copier.run_copy."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from bench.harness import (
    FEATURE_DATA,
    BenchContext,
    Measurement,
    interleaved,
    platform_argv,
    python_argv,
    run_process,
)

NAME = "scaffold"
RUNS = 5
CLI_RUNS = 3


def run(ctx: BenchContext) -> list[Measurement]:
    from copier import run_copy

    from platform_cli.resources import templates_dir
    from platform_cli.scaffold import new_feature

    template = templates_dir() / "ai-feature"
    work = ctx.fresh_dir("scaffold")
    counter = itertools.count()

    def dest(kind: str) -> Path:
        return work / f"{kind}-{next(counter)}"

    def ours() -> None:
        new_feature(dest("ours"), dict(FEATURE_DATA))

    def bare() -> None:
        run_copy(str(template), dest("copier"), data=dict(FEATURE_DATA), defaults=True, quiet=True)

    runs = ctx.runs(RUNS)
    median, reference = interleaved(ours, bare, runs)
    warm = Measurement(
        NAME,
        "new_feature (in-process, warm)",
        median,
        "copier.run_copy (in-process, warm)",
        reference,
        runs,
        "render, validate, git commit, move",
    )

    # What a user waits for: the command in a fresh interpreter, against bare copier in a fresh one.
    data_args = [arg for key, value in FEATURE_DATA.items() for arg in ("--data", f"{key}={value}")]
    copier_script = (
        "import sys, json, copier; "
        "copier.run_copy(sys.argv[1], sys.argv[2], data=json.loads(sys.argv[3]), defaults=True, quiet=True)"
    )

    def cli() -> None:
        argv = platform_argv("scaffold", "new-ai-feature", str(dest("cli")), "--defaults", "--quiet")
        run_process([*argv, *data_args])

    def cli_bare() -> None:
        target = str(dest("copier-cli"))
        run_process(python_argv("-c", copier_script, str(template), target, json.dumps(FEATURE_DATA)))

    cli_runs = ctx.runs(CLI_RUNS)
    cli_median, cli_reference = interleaved(cli, cli_bare, cli_runs, warmup=0)
    cold = Measurement(
        NAME,
        "platform scaffold new-ai-feature (cold)",
        cli_median,
        "python -c copier.run_copy (cold)",
        cli_reference,
        cli_runs,
        "fresh interpreter each run; the target is about a second",
    )
    return [warm, cold]
