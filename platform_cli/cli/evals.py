"""`platform eval`: run suites, compare with the baseline, gate promotions and model changes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from platform_cli.cli.output import dry_run_option, echo_json, format_option, write_output
from platform_cli.errors import CheckFailed, ExitCode, UserError

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


@group.group(name="baseline")
def baseline_group() -> None:
    """The run each suite is compared with, per prompt, with its history.

    \b
    Example:
      platform eval baseline set smoke-20260101T120000-a1b2c3 --reason "v3 shipped"
      platform eval baseline show
    """


@baseline_group.command(name="set")
@click.argument("run")
@click.option("--reason", default="", help="Why (recorded in the history).")
@click.option("--author", help="Who to record (default: git config user.email, else $USER).")
@dry_run_option
@format_option()
@click.pass_context
def baseline_set_command(
    ctx: click.Context, run: str, reason: str, author: str | None, dry_run: bool, fmt: str
) -> int:
    """Make a finished run the baseline of its prompt's suite.

    \b
    Example:
      platform eval baseline set smoke-20260101T120000-a1b2c3 --reason "production is v3"
    """
    from platform_cli.evals.baselines import set_baseline
    from platform_cli.evals.state import evals_store, manifest_at
    from platform_cli.prompts.identity import current_author

    root = _root(ctx)
    with evals_store(manifest_at(root), write=not dry_run) as store:
        if store is None:
            raise UserError(f"no eval run {run!r}: the state store has no eval runs yet")
        change = set_baseline(
            store, run, author=current_author(author, repo=root), reason=reason, dry_run=dry_run
        )
    if fmt == "json":
        echo_json(change.as_dict())
    else:
        was = f" (was {change.previous.run_id})" if change.previous else ""
        verb = "would set" if dry_run else "set"
        click.echo(f"{change.record.prompt}/{change.record.suite}: {verb} baseline {run} "
                   f"(v{change.record.prompt_version}){was}")  # fmt: skip
    return ExitCode.OK


@baseline_group.command(name="show")
@click.argument("prompt", required=False)
@click.option("--history", "history", is_flag=True, help="Every baseline ever set, newest first.")
@format_option()
@click.pass_context
def baseline_show_command(ctx: click.Context, prompt: str | None, history: bool, fmt: str) -> int:
    """The current baselines (of PROMPT, or of every suite's prompt), or their history.

    \b
    Example:
      platform eval baseline show summarize --history
    """
    from platform_cli.evals.project import load_project_suite, project_suite_paths
    from platform_cli.evals.state import evals_store, manifest_at

    manifest = manifest_at(_root(ctx))
    suites = [load_project_suite(manifest, p) for p in project_suite_paths(manifest)]
    prompts = [prompt] if prompt else sorted({s.prompt for s in suites})
    records = []
    with evals_store(manifest, write=False) as store:
        for name in prompts:
            if store is None:
                continue
            if history:
                records += store.eval_baseline_history(name)
            else:
                records += [b for s in suites if s.prompt == name if (b := store.eval_baseline(name, s.name))]
    if fmt == "json":
        echo_json({"baselines": [r.__dict__ for r in records]})
        return ExitCode.OK
    for r in records:
        why = f": {r.reason}" if r.reason else ""
        click.echo(
            f"{r.prompt}/{r.suite}: {r.run_id} (v{r.prompt_version}) set {r.set_at} by {r.set_by}{why}"
        )
    if not records:
        click.echo("no baseline set (set one with `platform eval baseline set RUN`)")
    return ExitCode.OK


@group.command(name="gate")
@click.argument("prompts", nargs=-1, metavar="[PROMPT]...")
@click.option(
    "--label", default="production", show_default=True, help="Check the versions this label serves."
)
@click.option("--override-gate", is_flag=True, help="Record an override instead of failing (needs --reason).")
@click.option("--reason", default="", help="Why the override (recorded).")
@click.option("--author", help="Who to record (default: git config user.email, else $USER).")
@dry_run_option
@format_option()
@click.pass_context
def gate_command(
    ctx: click.Context, prompts: tuple[str, ...], label: str, override_gate: bool, reason: str,
    author: str | None, dry_run: bool, fmt: str,
) -> int:  # fmt: skip
    """Check that what LABEL serves passed its suites on the models ai-feature.yaml declares now.

    A changed model in the manifest fails here until the suites pass on it (exit 1), exactly as a
    promotion does; `--override-gate --reason` records an override instead.

    \b
    Example:
      platform eval gate
      platform eval gate summarize --override-gate --reason "vendor retired the old snapshot today"
    """
    from platform_cli.evals.gating import check_label_gate
    from platform_cli.evals.state import evals_store, manifest_at
    from platform_cli.prompts.identity import current_author

    root = _root(ctx)
    manifest = manifest_at(root)
    with evals_store(manifest, write=not dry_run) as store:
        results = check_label_gate(
            manifest, store, prompts, label, author=current_author(author, repo=root),
            override=override_gate, reason=reason, dry_run=dry_run,
        )  # fmt: skip
    failed = [r for r in results if not r["passed"] and not r.get("overridden")]
    if fmt == "json":
        echo_json({"label": label, "prompts": results, "passed": not failed})
    else:
        for r in results:
            if r.get("note"):
                click.echo(f"{r['prompt']}: {r['note']}")
                continue
            state = "ok" if r["passed"] else ("overridden" if r.get("overridden") else "FAILED")
            why = "" if r["passed"] else f": {'; '.join(r['problems'])}"
            click.echo(f"{r['prompt']} v{r['version']} ({label}): {state}{why}")
    if failed:
        raise CheckFailed(f"{len(failed)} prompt(s) fail the eval gate on the declared models")
    return ExitCode.OK


@group.command(name="portfolio")
@click.argument("prompt")
@click.option("--suite", help="The suite to run (default: the prompt's only suite).")
@click.option("--variant", "variants", multiple=True, metavar="VARIANT",
              help="vN or a label (default: every variant the prompt's allocations name).")  # fmt: skip
@click.option("-j", "--concurrency", type=click.IntRange(1, 512), default=8, show_default=True)
@click.option("--apply", "apply_", is_flag=True, help="Write the suggested allocation per segment.")
@click.option("--author", help="Who to record (default: git config user.email, else $USER).")
@dry_run_option
@format_option()
@click.pass_context
def portfolio_command(
    ctx: click.Context, prompt: str, suite: str | None, variants: tuple[str, ...], concurrency: int,
    apply_: bool, author: str | None, dry_run: bool, fmt: str,
) -> int:  # fmt: skip
    """Run every variant of PROMPT on the same cases; per segment: the winner with intervals, and a
    suggested allocation (variants clearly worse than the best get none; the rest share the segment).

    \b
    Example:
      platform eval portfolio summarize --variant v3 --variant v4
      platform eval portfolio summarize --apply --dry-run
    """
    from platform_cli.evals.portfolio import portfolio_report, portfolio_text
    from platform_cli.evals.state import manifest_at
    from platform_cli.prompts.identity import current_author

    root = _root(ctx)
    report = portfolio_report(
        manifest_at(root), prompt, suite, variants, concurrency=concurrency, apply_changes=apply_,
        author=current_author(author, repo=root), dry_run=dry_run,
    )  # fmt: skip
    if fmt == "json":
        echo_json(report)
    else:
        click.echo(portfolio_text(report, dry_run=dry_run))
    return ExitCode.OK


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


COMMANDS: list[click.Command] = [group]
