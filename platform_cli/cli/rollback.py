"""`platform rollback`: roll back a prompt (and what it produced), resume, audit log and history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from platform_cli.cli.output import dry_run_option, echo_json, format_option
from platform_cli.errors import ExitCode, UserError

if TYPE_CHECKING:
    from platform_cli.rollback.project import Project

author_option = click.option("--author", help="Who to record (default: git config user.email, else $USER).")


@click.group(name="rollback")
def group() -> None:
    """Roll back a prompt and its consequences: caches, histories, baselines, canary cohorts.

    A rollback is a journal in the state store (spec.state.url, or $PLATFORM_STATE_URL): each step
    commits with its journal entry, so an interrupted rollback finishes with `platform rollback resume`
    from any machine, and running the same rollback again changes nothing.

    \b
    Example:
      platform rollback prompt summarize --reason "refusals doubled" --dry-run
      platform rollback prompt summarize --reason "refusals doubled"
      platform rollback resume
      platform rollback history
    """


def project_of(ctx: click.Context) -> Project:
    from platform_cli.rollback.project import load_project

    return load_project(ctx.obj.repo())


def who(project: Project, author: str | None) -> str:
    from platform_cli.prompts.identity import current_author

    return current_author(author, repo=project.root)


def _version(value: str | None, option: str) -> int | None:
    if value is None:
        return None
    text = value.strip().lower().removeprefix("v")
    if not text.isdigit() or int(text) < 1:
        raise UserError(f"{option} {value!r}: write a published version number, e.g. {option} 3")
    return int(text)


def _echo_progress(fmt: str) -> Any:
    if fmt == "json":
        return None

    def show(step: Any) -> None:
        click.echo(f"  {step.step}: done {step.finished_at}", err=True)

    return show


@group.command(name="prompt")
@click.argument("name")
@click.option(
    "--from", "bad", metavar="VERSION", help="The bad version (default: the canary's, else production's)."
)
@click.option(
    "--to", "target", metavar="VERSION", help="Where to go back to (default: production's previous)."
)
@click.option("--reason", required=True, help="Why (recorded in the audit log and the label history).")
@author_option
@dry_run_option
@format_option()
@click.pass_context
def prompt_command(
    ctx: click.Context,
    name: str,
    bad: str | None,
    target: str | None,
    reason: str,
    author: str | None,
    dry_run: bool,
    fmt: str,
) -> int:
    """Roll a prompt back: move its labels, end its canary, purge its cache, apply the history policy.

    Finds the bad version (the canary's, else production's) and the target (production's previous
    version, from the label history), shows the blast radius (cached answers, conversations and turns,
    users and cohorts, usage and cost, eval runs and baselines), then runs the journaled steps. The
    history policy is spec.rollback.history in ai-feature.yaml (quarantine | flag | summarize).
    Running it again is a no-op; an interrupted one finishes with `platform rollback resume`.
    Exit 4 when another rollback of the prompt is unfinished.

    \b
    Example:
      platform rollback prompt summarize --reason "refusal rate doubled on the canary" --dry-run
      platform rollback prompt summarize --reason "refusal rate doubled on the canary"
      platform rollback prompt summarize --from 5 --to 3 --reason "v4 and v5 both regress" --format json
    """
    from platform_cli.cli.rollback_text import outcome_text
    from platform_cli.rollback import rollback_prompt
    from platform_cli.rollback.project import project_store

    project = project_of(ctx)
    actor = who(project, author)
    with project_store(project, write=not dry_run) as store:
        if store is None:
            from platform_cli.store import redact_url

            raise UserError(
                f"the state store {redact_url(project.state_url)} holds nothing yet: no prompt to roll back"
            )
        try:
            outcome = rollback_prompt(
                store, feature=project.feature, prompt=name, history_policy=project.history_policy,
                reason=reason, actor=actor, bad=_version(bad, "--from"), target=_version(target, "--to"),
                dry_run=dry_run, on_step=_echo_progress(fmt),
            )  # fmt: skip
        except KeyboardInterrupt:
            click.echo(
                "interrupted: steps already done are kept; finish with `platform rollback resume`", err=True
            )
            raise
    data = outcome.as_dict()
    echo_json(data) if fmt == "json" else click.echo(outcome_text(data))
    return ExitCode.OK


@group.command(name="resume")
@click.argument("rollback_id", required=False)
@dry_run_option
@format_option()
@click.pass_context
def resume_command(ctx: click.Context, rollback_id: str | None, dry_run: bool, fmt: str) -> int:
    """Finish an interrupted rollback (every unfinished one when no id is given).

    Steps already done are not run again; a finished rollback resumes as a no-op.

    \b
    Example:
      platform rollback resume
      platform rollback resume rb-20260301T101500-a1b2c3 --format json
    """
    from platform_cli.cli.rollback_text import outcome_text
    from platform_cli.rollback import resume
    from platform_cli.rollback.audit import step_dict
    from platform_cli.rollback.project import project_store
    from platform_cli.rollback.schema import has_rollback_schema

    project = project_of(ctx)
    with project_store(project, write=not dry_run) as store:
        if store is None or not has_rollback_schema(store):
            data: list[dict[str, Any]] = []
        elif dry_run:
            records = (
                store.running_rollbacks() if rollback_id is None
                else [r for r in [store.rollback_record(rollback_id)] if r is not None]
            )  # fmt: skip
            if rollback_id is not None and not records:
                raise UserError(
                    f"no rollback {rollback_id!r} in the state store (see `platform rollback history`)"
                )
            data = [
                {"rollback_id": r.rollback_id, "status": r.status, "pending": [
                    step_dict(s) for s in store.rollback_steps(r.rollback_id) if s.status == "pending"]}
                for r in records
            ]  # fmt: skip
        else:
            data = [o.as_dict() for o in resume(store, rollback_id, on_step=_echo_progress(fmt))]
    if fmt == "json":
        echo_json({"dry_run": dry_run, "rollbacks": data})
    elif not data:
        click.echo("no unfinished rollback")
    elif dry_run:
        for item in data:
            steps = ", ".join(s["step"] for s in item["pending"]) or "nothing (finished)"
            click.echo(f"{item['rollback_id']}: would run {steps}")
    else:
        click.echo("\n\n".join(outcome_text(item) for item in data))
    return ExitCode.OK


@group.command(name="audit")
@click.argument("ref", required=False, metavar="[ENTRY|ROLLBACK_ID]")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000), help="Entries to show.")
@format_option()
@click.pass_context
def audit_command(ctx: click.Context, ref: str | None, limit: int, fmt: str) -> int:
    """Full audit records: who, when, why, blast radius, and each step's time and result.

    \b
    Example:
      platform rollback audit                      # the latest records in full
      platform rollback audit rb-20260301T101500-a1b2c3 --format json
      platform rollback audit 12
    """
    from platform_cli.cli.rollback_text import audit_text
    from platform_cli.rollback.audit import audit_dict, find_audit
    from platform_cli.rollback.project import project_store
    from platform_cli.rollback.schema import has_rollback_schema

    project = project_of(ctx)
    with project_store(project, write=False) as store:
        if store is None or not has_rollback_schema(store):
            if ref is not None:
                raise UserError(f"no audit entry {ref!r}: the state store holds no rollback yet")
            entries = []
        elif ref is not None:
            entries = [find_audit(store, ref)]
        else:
            entries = store.rollback_audit(project.feature, limit=limit)
    data = [audit_dict(entry) for entry in entries]
    if fmt == "json":
        echo_json({"entries": data})
    else:
        click.echo("\n\n".join(audit_text(item) for item in data) if data else "the audit log is empty")
    return ExitCode.OK


@group.command(name="history")
@click.option("--prompt", "subject", metavar="NAME", help="Only this prompt (or provider).")
@click.option(
    "--limit", default=50, show_default=True, type=click.IntRange(1, 10_000), help="Entries to show."
)
@format_option()
@click.pass_context
def history_command(ctx: click.Context, subject: str | None, limit: int, fmt: str) -> int:
    """Unfinished rollbacks, then the audit log one line per entry (newest first), then drills.

    \b
    Example:
      platform rollback history
      platform rollback history --prompt summarize --format json
    """
    from platform_cli.cli.rollback_text import history_text
    from platform_cli.rollback.audit import history
    from platform_cli.rollback.project import project_store
    from platform_cli.rollback.schema import has_rollback_schema

    project = project_of(ctx)
    with project_store(project, write=False) as store:
        if store is None or not has_rollback_schema(store):
            data: dict[str, Any] = {"unfinished": [], "entries": [], "drills": [], "overrides": []}
        else:
            data = history(store, project.manifest, subject=subject, limit=limit)
    if fmt == "json":
        echo_json(data)
    else:
        click.echo(
            history_text(data["unfinished"], data["entries"], data["drills"], data.get("overrides", []))
        )
    return ExitCode.OK


# cli/rollback_runtime.py adds the model, provider and drill commands and exports COMMANDS.
