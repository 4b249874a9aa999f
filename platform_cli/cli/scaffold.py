"""`platform scaffold`: generate repositories from the golden-path and teams' own templates."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from platform_cli.cli.output import echo_json, format_option
from platform_cli.errors import UserError


def _parse_data(pairs: tuple[str, ...]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--data {pair!r}: expected KEY=VALUE, e.g. --data name='Support Summarizer'")
        data[key.strip()] = value
    return data


def _common(func: Any) -> Any:
    options = [
        click.option(
            "--defaults",
            "--no-input",
            "defaults",
            is_flag=True,
            help="Use defaults (and --data/--answers-file) for every question; never prompt.",
        ),
        click.option(
            "--data", "-d", "data", multiple=True, metavar="KEY=VALUE", help="Answer a question (repeatable)."
        ),
        click.option(
            "--answers-file",
            type=click.Path(dir_okay=False, path_type=Path),
            help="YAML file of answers (a .copier-answers.yml works).",
        ),
        click.option(
            "--dry-run", is_flag=True, help="Render off to the side and list the files; write nothing."
        ),
        click.option(
            "--force",
            is_flag=True,
            help="Write into an existing non-empty DEST: other files are kept; files the template replaces "
            "must be committed in git, and each overwrite is listed. A generated repo is refused "
            "(use `platform template update`).",
        ),
        click.option(
            "--trust",
            is_flag=True,
            help="Allow template code (copier tasks/migrations, cookiecutter hooks) to run.",
        ),
        click.option("--no-git", is_flag=True, help="Do not git init and commit the result."),
        click.option(
            "--allow-unknown-model",
            "allow_unknown_models",
            is_flag=True,
            help="Accept a model id the model table does not list (readiness reports it as unknown "
            "until the platform team adds it).",
        ),
        click.option("--quiet", "-q", is_flag=True, help="Print only errors."),
        format_option(),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _render(result: Any, fmt: str, quiet: bool) -> None:
    if fmt == "json":
        echo_json(result.as_dict())
        return
    if quiet:
        return
    if result.dry_run:
        click.echo(f"would write {len(result.files)} files to {result.dest}:")
        for name in result.files:
            click.echo(
                f"  {name}" + ("  (overwrites the existing file)" if name in result.overwritten else "")
            )
        return
    click.echo(
        f"created {result.dest} from {result.template.name}"
        + (f" v{result.template.version}" if result.template.version else "")
        + (f" (commit {result.commit[:8]})" if result.commit else "")
    )
    for note in result.notes:
        click.echo(f"note: {note}")
    if result.overwritten:
        click.echo(f"overwrote {len(result.overwritten)} file(s) (their previous content is in git):")
        for name in result.overwritten:
            click.echo(f"  {name}")
    if result.next_steps:
        header, _, steps = result.next_steps.rstrip().partition("\n")
        click.echo("")
        click.echo(header)
        click.echo(f"  cd {_shown(result.dest)}")
        if steps:
            click.echo(steps)


@click.group(name="scaffold")
def group() -> None:
    """Generate a new repository from a template.

    \b
    Examples:
      platform scaffold new-ai-feature support-summarizer
      platform scaffold new-ai-feature out --defaults --data name="Support Summarizer"
      platform scaffold list
      platform scaffold from https://git.example.com/team/template.git svc --vcs-ref v2.1.0
    """


@group.command("new-ai-feature")
@click.argument("dest", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--vcs-ref", metavar="VERSION", help="An earlier release of the template (default: the latest)."
)
@_common
def new_ai_feature(dest: Path | None, vcs_ref: str | None, **options: Any) -> int:
    """Generate an AI-feature repository from the golden-path template.

    Asks its questions interactively unless --defaults is given. DEST defaults to the feature's slug.
    Nothing is written unless every answer is valid and rendering succeeds.

    \b
    Examples:
      platform scaffold new-ai-feature
      platform scaffold new-ai-feature out --defaults --data name="Support Summarizer" \\
          --data eval_owner=jane.doe@example.com
      platform scaffold new-ai-feature out --answers-file answers.yml --dry-run
    """
    return _run("ai-feature", dest, options, vcs_ref=vcs_ref)


@group.command("from")
@click.argument("template")
@click.argument("dest", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--vcs-ref", help="Git tag, branch or commit of a git template.")
@_common
def from_template(template: str, dest: Path | None, vcs_ref: str | None, **options: Any) -> int:
    """Render any template by name, local path, or git URL (copier or cookiecutter).

    \b
    Examples:
      platform scaffold from ai-feature my-feature
      platform scaffold from ./templates/python-service svc --defaults
      platform scaffold from https://git.example.com/team/tpl.git svc --vcs-ref v2.1.0
    """
    return _run(template, dest, options, vcs_ref=vcs_ref)


@group.command("list")
@format_option()
def list_command(fmt: str) -> int:
    """List the templates you can render.

    \b
    Example:
      platform scaffold list --format json
    """
    from platform_cli.scaffold import list_templates

    templates = list_templates()
    if fmt == "json":
        echo_json(
            [
                {
                    "name": t.name,
                    "engine": t.engine,
                    "version": t.version,
                    "description": t.description,
                    "source": t.source,
                    "shipped": t.shipped,
                }
                for t in templates
            ]
        )
        return 0
    width = max((len(t.name) for t in templates), default=4)
    for t in templates:
        version = f"v{t.version}" if t.version else "-"
        click.echo(f"{t.name:<{width}}  {t.engine:<12} {version:<9} {t.description}")
    return 0


def _run(template: str, dest: Path | None, options: dict[str, Any], vcs_ref: str | None = None) -> int:
    from platform_cli.scaffold import scaffold

    data = _parse_data(options["data"])
    if dest is None:
        if not options["defaults"] and not sys.stdin.isatty():
            raise UserError("DEST is required when there is no terminal to ask for it (and pass --defaults)")
        if options["defaults"] and "slug" not in data and "name" not in data:
            raise UserError("DEST is required with --defaults (or pass --data name=... to derive it)")
        dest = Path(data.get("slug") or _slug(data.get("name", "")) or _ask_dest())
    result = scaffold(
        template,
        dest,
        data=data,
        answers_file=options["answers_file"],
        defaults=options["defaults"],
        trust=options["trust"],
        force=options["force"],
        dry_run=options["dry_run"],
        vcs_ref=vcs_ref,
        git_init=not options["no_git"],
        allow_unknown_models=options["allow_unknown_models"],
    )
    _render(result, options["fmt"], options["quiet"])
    return 0


def _shown(path: Path) -> str:
    """DEST as the user would type it: relative to the current directory when it is below it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _slug(name: str) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _ask_dest() -> str:
    return str(click.prompt("Directory to create", type=str))


COMMANDS: list[click.Command] = [group]
