"""`commands`: every read-only command a person runs by hand in a generated repo, cold, against a bare
click "hello" command (target: at most 3.5x), on the repo's local SQLite store.

The repo is prepared first (not timed): prompts published, two offline eval runs (for `eval compare`) and a
small cost ledger of offline calls through the runtime. A command whose preparation fails is reported as
such, and the others are still measured.

Commands run with a user cache of their own (XDG_CACHE_HOME under the bench's directory): the warm-up run
fills it, as the first run of the day does for a person, so the timed runs show what every later run costs.
`readiness check` is also timed with no usable user cache (remembered validations and verdicts cannot be
written), which is what its first run on a machine, or a fresh CI machine, costs. That line is printed
without a target: the issue's targets are for commands run by hand and the pre-commit hook, cold meaning a
new process, and its How section reaches them with caches on disk (compiled validators cached on disk); a
first run has none of them. It is printed so that what a first run costs stays in sight.

The pre-commit hook's path is timed too: `platform readiness check FILE...` with a commit's changed files
(an edited README and test, staged) that no rule reads; the issue's target is under 0.3 s (absolute, so
only meaningful on a quiet machine: its CPU time is printed beside it).
"""

from __future__ import annotations

import json
import shutil
import subprocess
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
SUITE = "smoke"  # the generated repo's offline suite
HOOK_TARGET_S = 0.3
HOOK_FILES = ("README.md", "tests/test_feature.py")  # changed by a commit; read by no rule
FIRST_RUN = "cold, no user cache"

# (command words, exit codes that mean "ran to the end": 1 is a check that did not pass, still all the work)
COMMANDS: tuple[tuple[tuple[str, ...], tuple[int, ...]], ...] = (
    (("readiness", "check"), (0, 1)),
    (("validate",), (0,)),
    (("prompts", "list"), (0,)),
    (("secrets", "status"), (0, 1)),
    (("eval", "compare", "--suite", SUITE), (0, 1)),
    (("cost", "report"), (0,)),
    (("template", "check"), (0, 1)),
    (("rollback", "history"), (0,)),
    (("rollout", "status"), (0,)),
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
    """A copy of the generated repo with registry, eval and ledger state; returns it and what failed.

    As a team would get there: publish every prompt, run its suite offline on v1 (the smoke suite twice),
    promote v1 to production through the eval gate, make the first smoke run the baseline, then serve a
    few offline calls through the runtime (the ledger `cost report` reads).
    """
    repo = ctx.fresh_dir("commands") / "feature"
    shutil.copytree(ctx.repo, repo, symlinks=True)
    env = quiet_env(PLATFORM_OFFLINE="1")
    failed: dict[tuple[str, ...], str] = {}
    prompts = sorted(p.stem for p in (repo / "prompts").glob("*.yaml"))
    suites = sorted(p.stem for p in (repo / "evals" / "suites").glob("*.yaml"))
    for prompt in prompts:
        run_process(platform_argv("prompts", "publish", prompt), cwd=repo, env=env)
    try:
        for suite in suites:
            for _ in range(2 if suite == SUITE else 1):
                run_process(
                    platform_argv("eval", "run", suite, "--version", "1"), cwd=repo, env=env, ok=(0, 1)
                )
        runs = subprocess.run(
            platform_argv("eval", "runs", "--format", "json"),
            cwd=repo,
            env=env,
            capture_output=True,
            check=True,
        )
        first = min(
            (r for r in json.loads(runs.stdout)["runs"] if r["suite"] == SUITE), key=lambda r: r["started_at"]
        )
        baseline = ("eval", "baseline", "set", first["run_id"], "--reason", "benchmark set-up")
        run_process(platform_argv(*baseline), cwd=repo, env=env)
    except (RuntimeError, subprocess.CalledProcessError, ValueError, KeyError) as error:
        failed[("eval", "compare", "--suite", SUITE)] = f"eval runs and a baseline could not be made: {error}"
    for prompt in prompts:
        promote = ("prompts", "promote", prompt, "1", "--label", "production", "--reason", "benchmark set-up")
        run_process(platform_argv(*promote), cwd=repo, env=env)
    run_process(python_argv("-c", _LEDGER_SCRIPT, str(repo), str(LEDGER_CALLS)), cwd=repo, env=env)
    for rel in HOOK_FILES:
        with (repo / rel).open("a", encoding="utf-8") as handle:
            handle.write("\n# an edit a commit makes\n")
    subprocess.run(["git", "add", *HOOK_FILES], cwd=repo, check=True, capture_output=True)
    return repo, failed


def run(ctx: BenchContext) -> list[Measurement]:
    repo, failed = prepare(ctx)
    reference = hello_argv(ctx.root)
    cache = ctx.fresh_dir("user-cache")
    unusable = ctx.fresh_dir("no-cache") / "a-file-where-the-cache-would-be"
    unusable.write_text("no cache\n")
    runs = ctx.runs(RUNS)
    results: list[Measurement] = []
    subjects = [(words, ok, "cold", cache) for words, ok in COMMANDS]
    subjects.insert(1, (("readiness", "check"), (0, 1), FIRST_RUN, unusable))
    for words, ok, how, cache_home in subjects:
        env = quiet_env(XDG_CACHE_HOME=str(cache_home))
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
                f"{shown} ({how})",
                pair.subject_s,
                'bare click "hello" command (cold)',
                pair.reference_s,
                runs,
                pair.cpu_note() + ("; a first run: no target (see above)" if how == FIRST_RUN else ""),
                None if how == FIRST_RUN else Target.ratio_at_most(ratio, TARGET_RATIO),
            )
        )
    hook = ("readiness", "check", *HOOK_FILES)
    try:
        pair = cold_pair(
            platform_argv(*hook), reference, runs, cwd=repo, env=quiet_env(XDG_CACHE_HOME=str(cache))
        )
    except RuntimeError as error:
        ctx.missed(f"{NAME} pre-commit hook: not measured: {str(error)[:300]}")
        return results
    results.append(
        Measurement(
            NAME,
            f"platform {' '.join(hook)} (pre-commit hook, nothing relevant changed)",
            pair.subject_s,
            'bare click "hello" command (cold)',
            pair.reference_s,
            runs,
            pair.cpu_note(),
            Target.seconds_under(pair.subject_s, HOOK_TARGET_S),
        )
    )
    return results
