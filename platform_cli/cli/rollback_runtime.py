"""`platform rollback drill`: rehearse a rollback on a scratch copy of the state."""

from __future__ import annotations

from typing import Any

import click

from platform_cli.cli.output import dry_run_option, echo_json, format_option
from platform_cli.cli.rollback import author_option, group, project_of, who
from platform_cli.errors import CheckFailed, ExitCode


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
