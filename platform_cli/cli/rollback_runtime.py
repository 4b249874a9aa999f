"""`platform rollback model | provider | drill`: overrides every replica reads, and rehearsals."""

from __future__ import annotations

from typing import Any

import click

from platform_cli.cli.output import dry_run_option, echo_json, format_option
from platform_cli.cli.rollback import author_option, group, project_of, who
from platform_cli.errors import CheckFailed, ExitCode, UserError


def _override(ctx: click.Context, provider: str, operation: str, model: str | None, reason: str,
              author: str | None, dry_run: bool, fmt: str) -> int:  # fmt: skip
    from platform_cli.rollback.overrides import set_override, summary
    from platform_cli.rollback.project import project_store
    from platform_cli.store import open_store

    project = project_of(ctx)
    with project_store(project, write=not dry_run) as found:
        # a dry run on a store never written plans against an empty one in memory (nothing is created)
        store = found if found is not None else open_store("sqlite:///:memory:")
        change = set_override(
            store, project.manifest, provider, operation=operation, model=model, reason=reason,
            actor=who(project, author), dry_run=dry_run,
        )  # fmt: skip
    if fmt == "json":
        echo_json(change.as_dict())
        return ExitCode.OK
    text = summary(operation, change.record)
    if not change.changed:
        already = {"pin": f"is already pinned to {model}", "unpin": "has no model pin",
                   "disable": "is already disabled", "enable": "is not disabled"}[operation]  # fmt: skip
        click.echo(f"nothing to do: provider {provider} {already}")
    elif dry_run:
        click.echo(f"would write: {text}")
    else:
        click.echo(f"{text}\nevery replica picks it up within the prompt registry's TTL (30 s by default)")
    return ExitCode.OK


@group.command(name="model")
@click.argument("provider")
@click.option(
    "--to", "model", metavar="MODEL", help="A pinned snapshot the model table lists for its vendor."
)
@click.option("--clear", is_flag=True, help="End the override: back to the manifest's model.")
@click.option("--reason", required=True, help="Why (recorded in the audit log).")
@author_option
@dry_run_option
@format_option()
@click.pass_context
def model_command(ctx: click.Context, provider: str, model: str | None, clear: bool, reason: str,
                  author: str | None, dry_run: bool, fmt: str) -> int:  # fmt: skip
    """Serve another pinned model for one provider, on every replica, without a deploy.

    The override is kept (with its history) in the state store and read by every runtime process within
    the prompt registry's TTL; ai-feature.yaml stays the source of record: the override applies only while
    the manifest still names the model it replaced, and readiness lists it until it is cleared.

    \b
    Example:
      platform rollback model primary --to gpt-4o-2024-08-06 --reason "5.1 refuses billing questions"
      platform rollback model primary --clear --reason "manifest updated"
    """
    if clear == (model is not None):
        raise UserError("give --to MODEL, or --clear to end the override")
    return _override(ctx, provider, "unpin" if clear else "pin", model, reason, author, dry_run, fmt)


@group.command(name="provider")
@click.argument("name")
@click.option(
    "--disable", "action", flag_value="disable", help="Take the provider out of the fallback chain."
)
@click.option(
    "--enable", "action", flag_value="enable", help="Put it back (with the model pin it had, if any)."
)
@click.option("--reason", required=True, help="Why (recorded in the audit log).")
@author_option
@dry_run_option
@format_option()
@click.pass_context
def provider_command(ctx: click.Context, name: str, action: str | None, reason: str, author: str | None,
                     dry_run: bool, fmt: str) -> int:  # fmt: skip
    """Disable (or enable again) one provider on every replica, without a deploy.

    Refused (exit 4) when it would leave no provider to call.

    \b
    Example:
      platform rollback provider fallback --disable --reason "vendor incident 4521"
      platform rollback provider fallback --enable --reason "vendor recovered"
    """
    if action is None:
        raise UserError("give --disable or --enable")
    return _override(ctx, name, action, None, reason, author, dry_run, fmt)


@group.command(name="drill")
@click.option(
    "--prompt", "prompt", metavar="NAME", help="Prompt to drill (default: the first in production)."
)
@click.option("--scenario", type=click.Choice(["canary", "production"]), default="canary", show_default=True,
              help="Roll back a 50% canary, or a production version.")  # fmt: skip
@click.option(
    "--ttl",
    "ttl_s",
    type=click.FloatRange(0.1, 30),
    default=2.0,
    show_default=True,
    help="Registry TTL of the drill's replicas, in seconds (how long propagation may take).",
)
@author_option
@dry_run_option
@format_option()
@click.pass_context
def drill_command(ctx: click.Context, prompt: str | None, scenario: str, ttl_s: float, author: str | None,
                  dry_run: bool, fmt: str) -> int:  # fmt: skip
    """Rehearse a rollback on a scratch copy of the state and record the drill in the shared store.

    Copies the prompt's state, stages a drill version, serves offline traffic through two replicas,
    rolls it back (interrupted once and resumed), and checks: no cached drill answer is served again,
    every replica serves the target within the TTL, histories follow spec.rollback.history, labels,
    allocation and baseline moved back, the audit is complete. Never calls a real provider.
    Exit 1 when a check fails (the failed drill is recorded too). Readiness rule rollback-ready reads it.

    \b
    Example:
      platform rollback drill
      platform rollback drill --prompt chat --scenario production --format json
    """
    from platform_cli.cli.rollback_text import drill_text
    from platform_cli.rollback.drill import plan_drill, run_drill

    project = project_of(ctx)
    actor = who(project, author)
    if dry_run:
        data: dict[str, Any] = plan_drill(project, prompt=prompt, scenario=scenario)
        echo_json(data) if fmt == "json" else click.echo(
            f"would drill prompt {data['prompt']} ({scenario}) on {data['scratch']}, with history policy "
            f"{data['history_policy']}, and record it in {data['store']}"
        )
        return ExitCode.OK
    result = run_drill(project, actor=actor, prompt=prompt, scenario=scenario, ttl_s=ttl_s)
    data = result.as_dict()
    echo_json(data) if fmt == "json" else click.echo(drill_text(data))
    if not result.record.passed:
        raise CheckFailed(f"rollback drill {result.record.drill_id} failed; it is recorded in the store")
    return ExitCode.OK


# `platform rollback` as a whole: the group of cli/rollback with model, provider and drill attached
# (cli/main loads this module, so cli/rollback need not import it back: that was an import cycle).
COMMANDS: list[click.Command] = [group]
