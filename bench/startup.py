"""`startup`: `platform --version` and `platform --help` against a bare click "hello" command, cold.

Both run as whole processes of the same interpreter (the console script against a script file), alternated;
the issue's target is a ratio of at most 1.5x.
"""

from __future__ import annotations

from bench.harness import BenchContext, Measurement, Target, cold_pair, hello_argv, platform_argv, quiet_env

NAME = "startup"
RUNS = 15
TARGET_RATIO = 1.5
SUBJECTS = (("--version",), ("--help",))


def run(ctx: BenchContext) -> list[Measurement]:
    reference = hello_argv(ctx.root)
    env = quiet_env()
    runs = ctx.runs(RUNS)
    results: list[Measurement] = []
    for args in SUBJECTS:
        pair = cold_pair(platform_argv(*args), reference, runs, cwd=ctx.root, env=env)
        ratio = pair.subject_s / pair.reference_s
        results.append(
            Measurement(
                NAME,
                f"platform {' '.join(args)} (cold)",
                pair.subject_s,
                'bare click "hello" command (cold)',
                pair.reference_s,
                runs,
                pair.cpu_note(),
                Target.ratio_at_most(ratio, TARGET_RATIO),
            )
        )
    return results
