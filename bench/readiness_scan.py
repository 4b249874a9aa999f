"""`readiness-scan`: `platform readiness scan` of N generated repos (default 1,000) with its progress bar
drawn on a terminal, against the same command with one worker; the target is at least 150 repos/s."""

from __future__ import annotations

import os
import shutil
import statistics
import time
from pathlib import Path

from bench.harness import (
    BenchContext,
    Measurement,
    Target,
    children_cpu_s,
    platform_argv,
    quiet_env,
    run_on_terminal,
    timed,
)

NAME = "readiness-scan"
ROUNDS = 3
TARGET_REPOS_PER_S = 150.0
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
    count = ctx.repos
    start = time.perf_counter()
    org = make_org(ctx, count)
    ctx.log(f"{NAME:<16} prepared {count} repos in {time.perf_counter() - start:.1f} s (not timed)")
    env = quiet_env()
    out = ctx.fresh_dir("scan-out")
    workers = os.cpu_count() or 1

    def scan(workers: int) -> None:
        argv = platform_argv("readiness", "scan", str(org), "--workers", str(workers))
        # exit 1: some repo is below its level, every repo was still checked
        run_on_terminal(
            [*argv, "--format", "json", "--output", str(out / "scorecard.json")], env=env, ok=(0, 1)
        )

    scan(workers)  # warm the file cache both sides read
    rounds = ctx.runs(ROUNDS)
    parallel: list[float] = []
    sequential: list[float] = []
    cpu: list[float] = []  # the parallel scan's CPU seconds, workers included (they are its children)
    for _ in range(rounds):
        before = children_cpu_s()
        parallel.append(timed(lambda: scan(workers)))
        cpu.append(children_cpu_s() - before)
        sequential.append(timed(lambda: scan(1)))
    median = statistics.median(parallel)
    reference = statistics.median(sequential)
    rate = count / median
    cpu_s = statistics.median(cpu)
    note = (
        f"{rate:.1f} repos/s vs {count / reference:.1f} repos/s with one worker "
        f"(speed-up {reference / median:.2f}x); progress bar drawn on a terminal; "
        f"cpu {cpu_s:.1f} s ({cpu_s / count * 1e3:.1f} ms per repo: at most "
        f"{count / (cpu_s / workers):.0f} repos/s on {workers} idle CPUs)"
    )
    return [
        Measurement(
            NAME,
            f"readiness scan of {count} repos ({workers} workers)",
            median,
            "the same scan with --workers 1",
            reference,
            rounds,
            note,
            Target.at_least(rate, TARGET_REPOS_PER_S, "repos/s"),
        )
    ]
