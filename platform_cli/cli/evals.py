"""`platform eval`: run suites, compare with the baseline, gate promotions and model changes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from platform_cli.cli.output import dry_run_option, echo_json, format_option, write_output
from platform_cli.errors import ExitCode, UserError

if TYPE_CHECKING:
    from platform_cli.evals.engine import Tally

REPORT_FORMATS = ("text", "json", "junit", "markdown", "html")
output_option = click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to FILE."
)


@click.group(name="eval")
def group() -> None:
    """Eval harness: suites, scorers, runs, baselines, the gate, portfolios, reports.

    Suites live in evals/suites/*.yaml and datasets in evals/datasets/*.jsonl; runs, per-case results
    and baselines live in the state store (spec.state.url, or $PLATFORM_STATE_URL).

    \b
    Example:
      platform eval run smoke -j 16
      platform eval baseline set smoke-20260101T120000-a1b2c3
      platform eval compare --format markdown
    """


def _root(ctx: click.Context) -> Path:
    root: Path = ctx.obj.repo()
    return root


def _selector(label: str | None, version: str | None, variant: str | None, file: bool) -> Any:
    from platform_cli.evals.runs import Selector

    chosen = [(k, v) for k, v in (("label", label), ("version", version), ("variant", variant)) if v]
    if file:
        chosen.append(("file", "prompts"))
    if len(chosen) > 1:
        raise UserError("choose one of --label, --version, --variant and --file")
    kind, value = chosen[0] if chosen else ("label", "production")
    return Selector(kind, value)


class _Bar:
    """A progress bar with ETA on stderr when it is a terminal; silent otherwise (CI logs stay short)."""

    def __init__(self, total: int, label: str) -> None:
        self.bar = None
        if sys.stderr.isatty() and total > 0:
            self.bar = click.progressbar(
                length=total, label=label, show_eta=True, show_pos=True, file=sys.stderr
            )
            self.bar.__enter__()
        self.seen = 0

    def __call__(self, tally: Tally) -> None:
        if self.bar is not None:
            self.bar.update(tally.done - self.seen)
            self.seen = tally.done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@group.command(name="run")
@click.argument("suite", required=False)
@click.option("--label", help="Evaluate the version this label points at (default: production).")
@click.option("--version", "version", help="Evaluate this published version (3 or v3).")
@click.option("--variant", help="Evaluate a portfolio variant (vN or a label).")
@click.option(
    "--file",
    "file",
    is_flag=True,
    help="Evaluate the prompt file as it is now (published first if it changed; labels untouched).",
)
@click.option("--provider", help="Call only this provider of ai-feature.yaml (default: the fallback chain).")
@click.option("-j", "--concurrency", type=click.IntRange(1, 512), default=8, show_default=True,
              help="Calls in flight at most (lowered on its own when the provider answers 429).")  # fmt: skip
@click.option(
    "--repeat", type=click.IntRange(1, 50), help="Ask each case K times (pass^k); default: the suite's."
)
@click.option("--no-cache", is_flag=True, help="Never answer from the response cache.")
@click.option("--resume", "resume", metavar="RUN", help="Finish an interrupted or killed run.")
@click.option(
    "--offline",
    is_flag=True,
    default=None,
    help="Serve every provider with the fake (as PLATFORM_OFFLINE=1).",
)
@dry_run_option
@format_option(*REPORT_FORMATS)
@output_option
@click.pass_context
def run_command(
    ctx: click.Context, suite: str | None, label: str | None, version: str | None, variant: str | None,
    file: bool, provider: str | None, concurrency: int, repeat: int | None, no_cache: bool,
    resume: str | None, offline: bool | None, dry_run: bool, fmt: str, output: Path | None,
) -> int:  # fmt: skip
    """Run a suite through the runtime and gate it: exit 1 when a threshold or the baseline gate fails.

    Answers are cached, costed and recorded like any call; every result goes to the state store and to
    .platform/evals/runs/RUN.jsonl as it finishes. Ctrl-C keeps what finished (exit 130); `--resume RUN`
    finishes it without calling any finished case again.

    \b
    Example:
      platform eval run smoke
      platform eval run smoke --version 4 -j 32 --format markdown -o eval.md
      platform eval run smoke --file          # the prompt file of this branch, before any promotion
      PLATFORM_OFFLINE=1 platform eval run smoke --format junit -o eval-junit.xml
      platform eval run --resume smoke-20260101T120000-a1b2c3
    """
    from platform_cli.evals.engine import Interrupted
    from platform_cli.evals.reports import render, report_data
    from platform_cli.evals.runs import RunRequest, prepare, run_suite
    from platform_cli.evals.state import manifest_at

    root = _root(ctx)
    if resume and (label or version or variant or file or provider or repeat):
        raise UserError(
            "--resume continues a run as it started: drop --label/--version/--variant/--provider/--repeat"
        )
    request = RunRequest(
        root,
        suite,
        _selector(label, version, variant, file),
        provider,
        concurrency,
        repeat,
        no_cache,
        resume,
        offline,
    )
    if dry_run:
        checked, infos = prepare(manifest_at(root), suite)
        plan = {"suite": checked.name, "prompt": checked.prompt, "selector": request.selector.text(),
                "datasets": {i.shown: i.rows for i in infos}, "repeats": repeat or checked.repeats,
                "scorers": [e.config.id for e in checked.scorers], "dry_run": True}  # fmt: skip
        if fmt == "json":
            echo_json(plan)
            return ExitCode.OK
        scorers = ", ".join(e.config.id for e in checked.scorers)
        cases = sum(i.rows for i in infos)
        click.echo(
            f"would run suite {checked.name} on prompt {checked.prompt} ({request.selector.text()}): "
            f"{cases} cases x {repeat or checked.repeats}, scorers {scorers}"
        )
        return ExitCode.OK
    bar: _Bar | None = None

    def progress(tally: Tally) -> None:
        nonlocal bar
        if bar is None:
            bar = _Bar(tally.total, "eval")
        bar(tally)

    try:
        outcome = run_suite(request, progress=progress)
    except Interrupted as stop:
        if bar is not None:
            bar.close()
        click.echo(f"interrupted: {stop.tally.done} result(s) of this session kept; finish with "
                   "`platform eval run --resume RUN` (see `platform eval runs`)", err=True)  # fmt: skip
        return ExitCode.INTERRUPTED
    finally:
        if bar is not None:
            bar.close()
    write_output(render(report_data(outcome.run), fmt), output)
    if output is not None and fmt != "text":
        click.echo(f"verdict: {outcome.run.verdict} (run {outcome.run.run_id})", err=True)
    return ExitCode.OK if outcome.passed else ExitCode.CHECK_FAILED


@group.command(name="runs")
@click.argument("suite", required=False)
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@format_option()
@click.pass_context
def runs_command(ctx: click.Context, suite: str | None, limit: int, fmt: str) -> int:
    """List eval runs, newest first.

    \b
    Example:
      platform eval runs smoke --format json
    """
    from platform_cli.evals.state import evals_store, manifest_at

    with evals_store(manifest_at(_root(ctx)), write=False) as store:
        runs = store.eval_runs(suite, limit=limit) if store else []
    if fmt == "json":
        echo_json(
            {"runs": [{k: v for k, v in r.__dict__.items() if k not in ("summary", "gate")} for r in runs]}
        )
        return ExitCode.OK
    for r in runs:
        click.echo(f"{r.run_id}  {r.status:<11} {r.verdict or '-':<4}  {r.prompt} v{r.prompt_version}  "
                   f"{r.provider}/{r.model}  {r.cases} results  {r.started_at}")  # fmt: skip
    if not runs:
        click.echo("no eval runs yet (run one with `platform eval run`)")
    return ExitCode.OK


@group.command(name="report")
@click.argument("run", required=False)
@format_option(*REPORT_FORMATS)
@output_option
@click.pass_context
def report_command(ctx: click.Context, run: str | None, fmt: str, output: Path | None) -> int:
    """Show a run's report (default: the latest run).

    \b
    Example:
      platform eval report --format html -o eval.html
    """
    from platform_cli.evals.reports import render, report_data
    from platform_cli.evals.state import evals_store, manifest_at

    with evals_store(manifest_at(_root(ctx)), write=False) as store:
        record = (
            (store.eval_run(run) if run else next(iter(store.eval_runs(limit=1)), None)) if store else None
        )
    if record is None:
        raise UserError(
            f"no eval run {run!r}" if run else "no eval runs yet (run one with `platform eval run`)"
        )
    write_output(render(report_data(record), fmt), output)
    return ExitCode.OK


@group.command(name="compare")
@click.argument("old", required=False)
@click.argument("new", required=False)
@click.option("--suite", help="Suite whose latest run and baseline are compared (default: the only one).")
@format_option(*REPORT_FORMATS)
@output_option
@click.pass_context
def compare_command(
    ctx: click.Context, old: str | None, new: str | None, suite: str | None, fmt: str, output: Path | None
) -> int:
    """Compare two runs case by case (default: the suite's latest run against its baseline); exit 1 when
    the gate fails.

    \b
    Example:
      platform eval compare
      platform eval compare smoke-20260101T1200-aaaaaa smoke-20260102T0900-bbbbbb --format markdown
    """
    from platform_cli.evals.gating import compare_runs
    from platform_cli.evals.reports import render, report_data
    from platform_cli.evals.state import evals_store, manifest_at

    manifest = manifest_at(_root(ctx))
    with evals_store(manifest, write=False) as store:
        if store is None:
            raise UserError("no eval runs yet (run one with `platform eval run`)")
        newer, comparison = compare_runs(manifest, store, old, new, suite)
    gate = {"baseline": comparison.old_run, "failures": comparison.failures,
            "needs_behaviour_note": comparison.needs_note, "comparison": comparison.as_dict()}  # fmt: skip
    write_output(render(report_data(newer, gate), fmt), output)
    return ExitCode.OK if comparison.passed else ExitCode.CHECK_FAILED


@group.command(name="import-promptfoo")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--suite", "suite", required=True, help="Name of the suite to write (evals/suites/NAME.yaml).")
@click.option("--prompt", "prompt", required=True, help="The registry prompt the suite evaluates.")
@click.option("--force", is_flag=True, help="Replace an existing suite and dataset of that name.")
@dry_run_option
@click.pass_context
def import_promptfoo_command(
    ctx: click.Context, file: Path, suite: str, prompt: str, force: bool, dry_run: bool
) -> int:
    """Turn a promptfoo-style tests file (vars + assert, defaultTest) into a suite and a JSONL dataset.

    \b
    Example:
      platform eval import-promptfoo promptfooconfig.yaml --suite imported --prompt summarize --dry-run
    """
    from platform_cli.evals.importing import import_promptfoo
    from platform_cli.evals.state import manifest_at

    written = import_promptfoo(manifest_at(_root(ctx)), file, suite=suite, prompt=prompt, force=force,
                               dry_run=dry_run)  # fmt: skip
    for path, rows in written:
        click.echo(f"{'would write' if dry_run else 'wrote'} {path}" + (f" ({rows} cases)" if rows else ""))
    return ExitCode.OK


# cli/evals_gate.py adds the baseline, gate and portfolio commands and exports COMMANDS.
