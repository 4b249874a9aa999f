"""`template-update`: `platform template update` against a bare `copier update` of the same repo and versions.

A copy of the golden-path template gets a new release (README and RUNBOOK change). Two identical repos
are generated from the previous release and given the same committed local edit: one as
`platform scaffold` records it (a template directory with archived releases), one as plain copier records
it (the same releases as a tagged git repository). Each run updates a fresh clone of each to the new
release: ours (`update_repo`: clean-tree check, clone, copier's update, conflict scan, confined copy-back)
against `copier.run_update` alone.
"""

from __future__ import annotations

import itertools
import shutil
import subprocess
from pathlib import Path

from bench.harness import (
    FEATURE_DATA,
    BenchContext,
    Measurement,
    Target,
    interleaved,
    platform_argv,
    python_argv,
    run_process,
)

NAME = "template-update"
RUNS = 5
CLI_RUNS = 3


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def _local_edit(repo: Path) -> None:
    with (repo / "RUNBOOK.md").open("a", encoding="utf-8") as handle:
        handle.write("\n## Our escalation path\n\nPage the on-call first.\n")
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.email=b@example.com", "-c", "user.name=bench", "commit", "-qm", "local edit")


def _release(template: Path) -> str:
    from platform_cli.scaffold.release import cut_release, plan_release

    readme = template / "template" / "README.md.jinja"
    readme.write_text(readme.read_text(encoding="utf-8") + "\nA line from the new release.\n")
    runbook = template / "template" / "RUNBOOK.md.jinja"
    lines = runbook.read_text(encoding="utf-8").splitlines(keepends=True)
    runbook.write_text("".join([lines[0], "\nNew intro line.\n", *lines[1:]]), encoding="utf-8")
    plan = cut_release(plan_release(template, "ai-feature", bump="minor", message="bench release"))
    return f"v{plan.version}"


def run(ctx: BenchContext) -> list[Measurement]:
    from copier import run_copy, run_update

    from platform_cli.resources import templates_dir
    from platform_cli.scaffold import scaffold
    from platform_cli.scaffold.release import cut_release, plan_release
    from platform_cli.scaffold.releases import history_repo, releases, unreleased
    from platform_cli.scaffold.update import update_repo

    work = ctx.fresh_dir("template-update")
    template = work / "tpl" / "ai-feature"
    shutil.copytree(templates_dir() / "ai-feature", template)
    if unreleased(template).changed:  # a branch's pending template edit is released first, so `old` holds it
        cut_release(plan_release(template, "ai-feature"))
    shutil.rmtree(template / "changes", ignore_errors=True)
    old = releases(template)[-1].ref
    new = _release(template)
    history = history_repo(template)  # built once, as any later update would find it cached

    ours_base = work / "ours-base"
    scaffold(str(template), ours_base, data=dict(FEATURE_DATA), defaults=True, vcs_ref=old)
    _local_edit(ours_base)
    bare_base = work / "bare-base"
    run_copy(str(history), bare_base, data=dict(FEATURE_DATA), vcs_ref=old, defaults=True, quiet=True)
    _git(bare_base, "init", "-q", "-b", "main")
    _local_edit(bare_base)

    runs = ctx.runs(RUNS)
    counter = itertools.count()

    def fresh(base: Path) -> Path:
        target = work / f"{base.name}-{next(counter)}"
        _git(work, "clone", "-q", str(base), str(target))
        return target

    cli_runs = ctx.runs(CLI_RUNS)
    ours_repos = [fresh(ours_base) for _ in range(runs + 1)]
    bare_repos = [fresh(bare_base) for _ in range(runs + 1)]
    ours_cli_repos = [fresh(ours_base) for _ in range(cli_runs)]
    bare_cli_repos = [fresh(bare_base) for _ in range(cli_runs)]

    def ours() -> None:
        result = update_repo(ours_repos.pop())
        assert result.to_ref == new and not result.conflicts, result.as_dict()

    def bare() -> None:
        run_update(bare_repos.pop(), vcs_ref=new, defaults=True, overwrite=True, quiet=True, unsafe=False)

    median, reference = interleaved(ours, bare, runs)

    # What a user waits for: the command in a fresh interpreter against copier's own CLI.
    def cli() -> None:
        run_process(platform_argv("--repo", str(ours_cli_repos.pop()), "template", "update"))

    def cli_bare() -> None:
        target = str(bare_cli_repos.pop())
        run_process(python_argv("-m", "copier", "update", "--defaults", "--vcs-ref", new, "--quiet", target))

    cli_median, cli_reference = interleaved(cli, cli_bare, cli_runs, warmup=0)
    return [
        Measurement(
            NAME,
            "update_repo (in-process)",
            median,
            "copier.run_update (in-process)",
            reference,
            runs,
            f"{old} -> {new} with a local edit; ours adds the clean-tree check, clone and copy-back",
            Target.ratio_at_most(median / reference, 1.3),
        ),
        Measurement(
            NAME,
            "platform template update (cold)",
            cli_median,
            "python -m copier update (cold)",
            cli_reference,
            cli_runs,
            "fresh interpreter each run",
            Target.ratio_at_most(cli_median / cli_reference, 1.3),
        ),
    ]
