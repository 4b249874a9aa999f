"""`readiness-check`: check_repo on a fresh repo (warm, in-process) and cold `platform readiness check`."""

from __future__ import annotations

from bench.harness import BenchContext, Measurement, interleaved, platform_argv, python_argv, run_process

NAME = "readiness-check"
RUNS = 20
CLI_RUNS = 5


def run(ctx: BenchContext) -> list[Measurement]:
    import yaml

    from platform_cli.readiness.check import check_repo

    repo = ctx.repo
    manifest = repo / "ai-feature.yaml"
    report = check_repo(repo)
    reached = f"repo reaches {report.reached or 'no level'}"

    def check() -> None:
        check_repo(repo)

    def parse() -> None:
        yaml.safe_load(manifest.read_text(encoding="utf-8"))

    runs = ctx.runs(RUNS)
    median, reference = interleaved(check, parse, runs, warmup=2)
    warm = Measurement(
        NAME,
        f"check_repo, {len(report.findings)} rules (warm)",
        median,
        "yaml.safe_load of the manifest",
        reference,
        runs,
        f"{reached}; the target is well under a second",
    )

    # Exit 1 (level not reached) still checks every rule; 2 or 3 would time an error, so it stops the run.
    def cli() -> None:
        run_process(platform_argv("--repo", str(repo), "readiness", "check"), ok=(0, 1))

    def python_startup() -> None:
        run_process(python_argv("-c", "pass"))

    cli_runs = ctx.runs(CLI_RUNS)
    cli_median, cli_reference = interleaved(cli, python_startup, cli_runs)
    cold = Measurement(
        NAME,
        "platform readiness check (cold)",
        cli_median,
        "python -c pass (cold)",
        cli_reference,
        cli_runs,
        "fresh interpreter each run; the target is well under a second",
    )
    return [warm, cold]
