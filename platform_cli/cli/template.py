"""`platform template`: keep a generated repository current with its template (update, check)."""

from __future__ import annotations

from pathlib import Path

import click

from platform_cli.cli.output import echo_json, format_option


def _start(ctx: click.Context) -> Path:
    option = getattr(ctx.obj, "repo_option", None)
    return Path(option) if option else Path.cwd()


@click.group(name="template")
def group() -> None:
    """Keep a generated repo current with its template: check for new releases, update, keep your work.

    \b
    Examples:
      platform template check
      platform template update --dry-run
      platform template update --to 1.2.0 --conflict rej
    """


@group.command("update")
@click.option("--to", "to", metavar="VERSION", help="Release to update to (default: the latest).")
@click.option(
    "--data", "-d", "data", multiple=True, metavar="KEY=VALUE", help="Change or add an answer (repeatable)."
)
@click.option(
    "--conflict",
    type=click.Choice(["inline", "rej"]),
    default="inline",
    show_default=True,
    help="Conflicts as <<<<<<< markers in the file, or as FILE.rej next to it.",
)
@click.option("--dry-run", is_flag=True, help="Print the diff the update would apply; change nothing.")
@click.option("--trust", is_flag=True, help="Allow the template's migrations and tasks to run.")
@format_option()
@click.pass_context
def update_command(
    ctx: click.Context,
    to: str | None,
    data: tuple[str, ...],
    conflict: str,
    dry_run: bool,
    trust: bool,
    fmt: str,
) -> int:
    """Pull a newer template release into this repo with a three-way merge that keeps your changes.

    Needs a clean git tree (exit 4 otherwise). Re-renders the version the repo records, diffs it with the
    target version and applies that diff to your files (copier's update; cruft's for cookiecutter repos),
    running the template's migrations for the versions crossed. Conflicts become <<<<<<< markers (or .rej
    files) and are listed at the end, exit 1. The result is left uncommitted: review `git diff`, commit.

    \b
    Examples:
      platform template update
      platform template update --dry-run
      platform template update --to 1.2.0 --data secrets_backend=vault --conflict rej
    """
    from platform_cli.cli.scaffold import _parse_data
    from platform_cli.scaffold.update import update_repo

    result = update_repo(
        _start(ctx), to=to, data=_parse_data(data), conflict=conflict, dry_run=dry_run, trust=trust
    )
    code = 1 if result.conflicts else 0
    if fmt == "json":
        echo_json(result.as_dict())
        return code
    if result.up_to_date:
        click.echo(f"{result.repo}: already on {result.template} {result.from_ref}; nothing to update")
        return 0
    if dry_run:
        click.echo(result.diff, nl=False)
    verb = "would update" if dry_run else "updated"
    click.echo(f"{verb} {result.repo} from {result.template} {result.from_ref} to {result.to_ref}")
    for status, path in result.changes:
        click.echo(f"  {status} {path}")
    if result.conflicts:
        click.echo(f"{len(result.conflicts)} conflict(s){' would remain' if dry_run else ''}:")
        for item in result.conflicts:
            click.echo(f"  {item.path}: {item.reason}")
    if not dry_run:
        click.echo("Nothing is committed: review `git diff`, resolve any conflicts, then commit.")
    return code


@group.command("check")
@format_option()
@click.pass_context
def check_command(ctx: click.Context, fmt: str) -> int:
    """Exit 1 when the template this repo came from has a newer release (for CI).

    \b
    Examples:
      platform template check
      platform template check --format json    # current, latest, behind_by, changelog entries between
    """
    from platform_cli.scaffold.drift import template_status

    status = template_status(_start(ctx))
    code = 1 if status.behind else 0
    if fmt == "json":
        echo_json(status.as_dict())
        return code
    if not status.behind:
        click.echo(f"{status.template} {status.current}: up to date (latest release {status.latest})")
        return 0
    majors = f", {status.majors_behind} major" if status.majors_behind else ""
    click.echo(
        f"{status.template} {status.current}: {status.behind_by} release(s) behind{majors}; latest is "
        f"{status.latest}"
    )
    for section in status.changelog:
        click.echo(f"  {section.version}{f' ({section.date})' if section.date else ''}")
        for entry in section.entries:
            click.echo(f"    - {entry}")
    click.echo("Run `platform template update` to pull them in (your changes are kept).")
    return code


COMMANDS: list[click.Command] = [group]
