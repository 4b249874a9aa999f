"""`platform rollout`: walk a prompt version through spec.rollout.steps, guarded; watch it on a schedule."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from platform_cli.cli.output import dry_run_option, echo_json, format_option
from platform_cli.errors import ExitCode, UserError

if TYPE_CHECKING:
    from platform_cli.rollback.project import Project
    from platform_cli.rollout.settings import RolloutSettings

F = TypeVar("F", bound=Callable[..., Any])
author_option = click.option("--author", help="Who to record (default: git config user.email, else $USER).")


def now_option(func: F) -> F:
    """Hidden `--now`: decide as of a past moment (tests, replays); the same as $PLATFORM_NOW."""
    return click.option("--now", "now", hidden=True, help="Decide as of this ISO moment (tests).")(func)


@click.group(name="rollout")
def group() -> None:
    """Guarded rollouts: walk a version through its steps, judge every guard, roll back on a breach.

    A prompt version walks spec.rollout.steps while every guard metric (eval score, cost per request,
    refusal rate, latency, errors) is compared with control, per segment. The canary is the registry's
    variant vN of the prompt: widening a step only adds users to it, and a user never goes back and forth.
    `watch` makes one decision per run (for cron or a CI schedule): advance, hold, wait for evidence, or
    roll back through `platform rollback` on a breach.

    \b
    Example:
      platform rollout start summarize 4 --reason "shorter answers"
      platform rollout status summarize
      platform rollout watch                       # from a schedule, every hour
      platform rollout abort summarize --reason "product asked to wait"
    """


def _setup(ctx: click.Context, now: str | None) -> tuple[Project, RolloutSettings]:
    from platform_cli import clock
    from platform_cli.rollback.project import load_project
    from platform_cli.rollout.settings import settings_of

    if now is not None:
        clock.parse(now, "--now")
        os.environ[clock.ENV] = now
    project = load_project(ctx.obj.repo())
    return project, settings_of(project.manifest)


def _author(project: Project, author: str | None) -> str:
    from platform_cli.prompts.identity import current_author

    return current_author(author, repo=project.root)


def _version(value: str) -> int:
    text = value.strip().lower().removeprefix("v")
    if not text.isdigit() or int(text) < 1:
        raise UserError(f"VERSION {value!r}: write a published version number, e.g. 4 (or v4)")
    return int(text)


@group.command(name="start")
@click.argument("prompt")
@click.argument("version")
@click.option("--reason", default="", help="Why (recorded in the rollout log).")
@click.option("--override-gate", is_flag=True, help="Start although the eval gate refuses (needs --reason).")
@author_option
@dry_run_option
@now_option
@format_option()
@click.pass_context
def start_command(
    ctx: click.Context, prompt: str, version: str, reason: str, override_gate: bool, author: str | None,
    dry_run: bool, now: str | None, fmt: str,
) -> int:  # fmt: skip
    """Start rolling VERSION of PROMPT out: its first step's share of users gets it.

    The version must pass the eval gate that guards production (`platform eval run`), unless
    --override-gate --reason. The prompt may not already split its traffic or roll out another version.

    \b
    Example:
      platform rollout start summarize 4 --reason "shorter answers" --dry-run
      platform rollout start summarize 4 --reason "shorter answers"
    """
    from platform_cli.cli.rollout_text import started_text
    from platform_cli.rollback.project import project_store
    from platform_cli.rollout.walk import start

    project, settings = _setup(ctx, now)
    with project_store(project, write=not dry_run) as store:
        if store is None:
            raise UserError(
                f"prompt '{prompt}' has no published version; run `platform prompts publish {prompt}`"
            )
        started = start(
            store, project.manifest, settings, prompt, _version(version), actor=_author(project, author),
            reason=reason, override_gate=override_gate, dry_run=dry_run,
        )  # fmt: skip
    echo_json(started.as_dict()) if fmt == "json" else click.echo(started_text(started.as_dict()))
    return ExitCode.OK


@group.command(name="status")
@click.argument("prompt", required=False)
@now_option
@format_option()
@click.pass_context
def status_command(ctx: click.Context, prompt: str | None, now: str | None, fmt: str) -> int:
    """Each active rollout (or PROMPT's latest): step, hold, every guard per segment with its test and
    minimum samples, the canary's week-over-week trends, online-scoring coverage, recent decisions.

    \b
    Example:
      platform rollout status
      platform rollout status summarize --format json
    """
    from platform_cli.cli.rollout_text import status_text
    from platform_cli.rollback.project import project_store
    from platform_cli.rollout.status import method, status
    from platform_cli.rollout.watch import decision_time

    project, settings = _setup(ctx, now)
    moment = decision_time()
    with project_store(project, write=False) as store:
        if store is None or not _has_rollouts(store):
            from platform_cli.store.engine import utc_timestamp

            data: dict[str, Any] = {
                "feature": project.feature, "now": utc_timestamp(moment), "settings": settings.as_dict(),
                "method": method(settings), "rollouts": [],
            }  # fmt: skip
        else:
            data = status(store, settings, project.feature, prompt, moment)
    echo_json(data) if fmt == "json" else click.echo(status_text(data))
    return ExitCode.OK


def _has_rollouts(store: Any) -> bool:
    from platform_cli.rollout.runner import has_rollout_schema

    return has_rollout_schema(store)


@group.command(name="advance")
@click.argument("prompt")
@click.option(
    "--reason", required=True, help="Why now (recorded): advancing by hand skips the guards' verdict."
)
@click.option("--override-gate", is_flag=True, help="Complete although the eval gate refuses production.")
@click.option("--behaviour-note", default="", help="Acknowledge the behaviour change the gated run reports.")
@author_option
@dry_run_option
@now_option
@format_option()
@click.pass_context
def advance_command(
    ctx: click.Context, prompt: str, reason: str, override_gate: bool, behaviour_note: str,
    author: str | None, dry_run: bool, now: str | None, fmt: str,
) -> int:  # fmt: skip
    """Move PROMPT's rollout to its next step now, whatever the hold and the guards say (a person's call,
    recorded with the guards' state at that moment). Into 100%, production moves through the eval gate.

    \b
    Example:
      platform rollout advance summarize --reason "drift explained: March billing cycle" --dry-run
      platform rollout advance summarize --reason "drift explained: March billing cycle"
    """
    from platform_cli.cli.rollout_text import record_line
    from platform_cli.rollback.project import project_store
    from platform_cli.rollout.walk import advance, find_active, record_dict
    from platform_cli.rollout.watch import assess, decision_time

    project, settings = _setup(ctx, now)
    moment = decision_time()
    with project_store(project, write=not dry_run) as store:
        if store is None or not _has_rollouts(store):
            raise UserError(f"prompt '{prompt}' has no active rollout")
        record = find_active(store, project.feature, prompt)
        results, _ = assess(store, record, settings, moment)
        after = record
        if not dry_run:
            after = advance(
                store, project.manifest, record, actor=_author(project, author), summary=f"by hand: {reason}",
                reason=reason, override_gate=override_gate, behaviour_note=behaviour_note,
                guards=[r.as_dict() for r in results],
            )  # fmt: skip
    data: dict[str, Any] = {"before": record_dict(record), "after": record_dict(after), "dry_run": dry_run}
    if fmt == "json":
        echo_json(data)
    else:
        verb = "would advance" if dry_run else "advanced"
        click.echo(f"{verb}: {record_line(data['before'])}\n     -> {record_line(data['after'])}")
    return ExitCode.OK


@group.command(name="abort")
@click.argument("prompt")
@click.option("--reason", required=True, help="Why (recorded in the rollout log).")
@author_option
@dry_run_option
@format_option()
@click.pass_context
def abort_command(
    ctx: click.Context, prompt: str, reason: str, author: str | None, dry_run: bool, fmt: str
) -> int:
    """Stop PROMPT's rollout: every canary user goes back to control. The version is not revoked and its
    cached answers and conversations are left alone; if it is bad, use `platform rollback prompt`.

    \b
    Example:
      platform rollout abort summarize --reason "launch moved to Q3" --dry-run
      platform rollout abort summarize --reason "launch moved to Q3"
    """
    from platform_cli.cli.rollout_text import record_line
    from platform_cli.rollback.project import project_store
    from platform_cli.rollout.walk import abort, find_active, record_dict

    project, _ = _setup(ctx, None)
    with project_store(project, write=not dry_run) as store:
        if store is None or not _has_rollouts(store):
            raise UserError(f"prompt '{prompt}' has no active rollout")
        record = find_active(store, project.feature, prompt)
        after = abort(store, record, actor=_author(project, author), reason=reason, dry_run=dry_run)
    data: dict[str, Any] = {"rollout": record_dict(after), "dry_run": dry_run}
    if fmt == "json":
        echo_json(data)
    else:
        click.echo(f"{'would abort' if dry_run else 'aborted'}: {record_line(data['rollout'])}")
    return ExitCode.OK


@group.command(name="score")
@click.option("--limit", default=20_000, show_default=True, type=click.IntRange(1), help="Samples at most.")
@dry_run_option
@format_option()
@click.pass_context
def score_command(ctx: click.Context, limit: int, dry_run: bool, fmt: str) -> int:
    """Score the live answers the runtime sampled (spec.rollout.online_scoring) with the suite's scorers.

    `watch` runs this first; run it alone to see coverage. Scorers that need an expected value are left
    out (named); the judge scorer runs only within judge_budget_usd per day.

    \b
    Example:
      platform rollout score
      platform rollout score --dry-run --format json
    """
    from platform_cli.cli.rollout_text import scoring_text
    from platform_cli.rollback.project import project_store
    from platform_cli.rollout.runner import has_rollout_schema, score

    project, _ = _setup(ctx, None)
    with project_store(project, write=not dry_run) as store:
        if store is None or not has_rollout_schema(store):
            data: dict[str, Any] = {
                "configured": False,
                "scored": 0,
                "note": "the store holds no samples yet",
            }
        else:
            data = score(store, project, limit=limit, dry_run=dry_run).as_dict()
    echo_json(data) if fmt == "json" else click.echo(scoring_text(data))
    return ExitCode.OK


@group.command(name="watch")
@click.argument("prompt", required=False)
@click.option("--loop", is_flag=True, help="Decide again every --interval until nothing is active.")
@click.option(
    "--interval", default=3600, show_default=True, type=click.IntRange(1), help="Seconds between decisions."
)
@click.option(
    "--detailed-exitcode", is_flag=True,
    help="One exit code per outcome (0 held, 1 rolled back, 10 advanced, 11 completed, 12 waiting, 13 "
    "stalled, 14 drift, 15 blocked).",
)  # fmt: skip
@author_option
@dry_run_option
@now_option
@format_option()
@click.pass_context
def watch_command(
    ctx: click.Context, prompt: str | None, loop: bool, interval: int, detailed_exitcode: bool,
    author: str | None, dry_run: bool, now: str | None, fmt: str,
) -> int:  # fmt: skip
    """One decision per active rollout (PROMPT's only, if named): score sampled answers, price the
    window, judge every guard, then advance, hold, wait, or roll back on a breach.

    Exit codes: 0 held / waiting / advanced / completed; 1 rolled back, or a person must act (stalled:
    evidence still short a whole hold later; drift: a canary trend worsens; blocked: the eval gate refuses
    production); 2 bad input; 3 internal error; 4 refused (another rollback is unfinished, or an injected
    clock is ahead of the real one). --detailed-exitcode gives each outcome its own code.

    \b
    Example:
      platform rollout watch                     # cron / CI schedule: one decision per run
      platform rollout watch summarize --dry-run --format json
      platform rollout watch --loop --interval 3600
    """
    from platform_cli.cli.rollout_text import decision_text
    from platform_cli.rollout.runner import watch_once
    from platform_cli.rollout.watch import worst

    project, settings = _setup(ctx, now)
    actor = f"rollout watch ({_author(project, author)})"
    while True:
        decisions = watch_once(project, settings, prompt, actor=actor, dry_run=dry_run)
        outcome = worst(decisions)
        if fmt == "json":
            echo_json({"dry_run": dry_run, "outcome": outcome, "decisions": [d.as_dict() for d in decisions]})
        else:
            click.echo("\n".join(decision_text(d.as_dict()) for d in decisions) or "no active rollout")
        worst_decision = next((d for d in decisions if d.outcome == outcome), None)
        code = worst_decision.exit_code(detailed_exitcode) if worst_decision else ExitCode.OK
        needs_person = worst_decision is not None and worst_decision.exit_code() != ExitCode.OK
        still_active = any(d.outcome not in ("rolled_back", "completed") for d in decisions)
        if not loop or needs_person or not still_active:
            return code
        time.sleep(interval)


COMMANDS: list[click.Command] = [group]
