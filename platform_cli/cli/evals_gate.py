"""`platform eval` baselines, the gate and portfolios: the commands that judge a prompt against its past.

cli/main loads this module for `platform eval` (it imports cli/evals and attaches these commands to its
group), as it loads cli/cost_observe for `platform cost`: cli/evals need not import it back.
"""

from __future__ import annotations

import click

from platform_cli.cli.evals import _root, group
from platform_cli.cli.output import dry_run_option, echo_json, format_option
from platform_cli.errors import CheckFailed, ExitCode, UserError


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


# `platform eval` as a whole: the group of cli/evals with baseline, gate and portfolio attached
COMMANDS: list[click.Command] = [group]
