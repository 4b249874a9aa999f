"""`readiness-scan`: the parallel org-wide scan of N copies of a generated repo against a sequential loop."""

from __future__ import annotations

import os
import shutil
import statistics
import time
from pathlib import Path

from bench.harness import BenchContext, Measurement, timed

NAME = "readiness-scan"
ROUNDS = 3  # ~10 s each on 2 cores; the median of 3 steadies a shared machine
_METADATA_NAME = "\n  name: support-summarizer\n"


def make_org(ctx: BenchContext, count: int) -> Path:
    """`count` copies of the generated repo below one directory, each with its own metadata.name."""
    template = ctx.repo
    manifest_text = (template / "ai-feature.yaml").read_text(encoding="utf-8")
    if _METADATA_NAME not in manifest_text:
        raise RuntimeError(f"{template}/ai-feature.yaml: no `name: support-summarizer` line under metadata")
    org = ctx.fresh_dir("org")
    for index in range(count):
        copy = org / f"feature-{index:04d}"
        shutil.copytree(template, copy, symlinks=True)
        renamed = manifest_text.replace(_METADATA_NAME, f"\n  name: support-summarizer-{index:04d}\n", 1)
        (copy / "ai-feature.yaml").write_text(renamed, encoding="utf-8")
    return org


def run(ctx: BenchContext) -> list[Measurement]:
    from platform_cli.readiness.check import check_repo
    from platform_cli.readiness.rules import load_rules
    from platform_cli.readiness.scan import find_repos, scan

    count = ctx.repos
    start = time.perf_counter()
    org = make_org(ctx, count)
    ctx.log(f"{NAME:<16} prepared {count} repos in {time.perf_counter() - start:.1f} s (not timed)")

    # The same work scan does, one repo after another: rules loaded once, every repo found, then checked.
    def sequential() -> None:
        rules = load_rules()
        reports = [check_repo(repo, rules=rules) for repo in find_repos([org])]
        if len(reports) != count:
            raise RuntimeError(f"sequential loop checked {len(reports)} repos, expected {count}")

    def parallel() -> None:
        results = scan([org])
        errors = [r for r in results if r.error is not None]
        if len(results) != count or errors:
            detail = errors[0].error if errors else ""
            raise RuntimeError(f"scan checked {len(results)} repos, {len(errors)} with errors {detail}")

    check_repo(org / "feature-0000")  # warm the caches both sides share (rules, compiled validators)
    rounds = ctx.runs(ROUNDS)
    scan_times: list[float] = []
    loop_times: list[float] = []
    for _ in range(rounds):
        loop_times.append(timed(sequential))
        scan_times.append(timed(parallel))
    median = statistics.median(scan_times)
    reference = statistics.median(loop_times)
    workers = min(os.cpu_count() or 1, count)
    note = (
        f"{count / median:.1f} repos/s vs {count / reference:.1f} repos/s sequential; "
        f"speed-up {reference / median:.2f}x on {workers} workers"
    )
    return [
        Measurement(
            NAME,
            f"scan of {count} repos ({workers} workers)",
            median,
            f"sequential check_repo of {count} repos",
            reference,
            rounds,
            note,
        )
    ]
