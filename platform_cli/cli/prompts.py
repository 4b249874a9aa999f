"""`platform prompts`: publish, lint, promote, allocate here; the read commands are in prompts_read.py."""

from __future__ import annotations

import click

from platform_cli.cli.output import dry_run_option, echo_json, format_option
from platform_cli.cli.prompts_read import (
    READ_COMMANDS,
    author_of,
    author_option,
    registry_settings,
    registry_store,
)
from platform_cli.cli.prompts_text import allocation_line
from platform_cli.errors import ExitCode, UserError
from platform_cli.prompts.defaults import DEFAULT_LABEL


@click.group(name="prompts")
def group() -> None:
    """Prompt registry: immutable versions, labels with history, portfolios and sticky cohorts.

    Prompts live in prompts/<name>.yaml; published versions, labels and allocations live in the
    state store (spec.state.url in ai-feature.yaml, or $PLATFORM_STATE_URL).

    \b
    Example:
      platform prompts lint
      platform prompts publish summarize -m "shorter system prompt"
      platform prompts promote summarize 2 --label production --reason "eval +3%"
    """


@group.command(name="publish")
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option("-m", "--message", default="", help="Why this version exists (recorded with it).")
@author_option
@dry_run_option
@format_option()
@click.pass_context
def publish_command(
    ctx: click.Context, names: tuple[str, ...], message: str, author: str | None, dry_run: bool, fmt: str
) -> int:
    """Snapshot prompt files as new immutable versions (unchanged content creates nothing).

    Every prompt file is published when no NAME is given. A file with lint problems is refused.

    \b
    Example:
      platform prompts publish
      platform prompts publish summarize -m "ask for two sentences" --dry-run
    """
    from platform_cli.errors import InvalidFile
    from platform_cli.prompts.files import load_prompt, prompt_names
    from platform_cli.prompts.lint import lint_prompts
    from platform_cli.prompts.versions import publish

    settings = registry_settings(ctx)
    chosen = list(names) or prompt_names(settings.prompts_dir)
    problems = [
        p
        for found in lint_prompts(settings.prompts_dir, chosen, providers=settings.providers).values()
        for p in found
    ]
    if problems:
        raise InvalidFile(
            problems[0].file, problems, "prompt files (fix them, or see `platform prompts lint`)"
        )
    who = author_of(settings, author)
    with registry_store(settings, write=not dry_run) as store:
        results = [
            publish(store, load_prompt(settings.prompts_dir, n), author=who, message=message, dry_run=dry_run)
            for n in chosen
        ]
    if fmt == "json":
        echo_json({"published": [r.as_dict() for r in results]})
        return ExitCode.OK
    for r in results:
        if r.created:
            verb = "would publish" if dry_run else "published"
            click.echo(f"{r.name}: {verb} v{r.version} (sha256 {r.content_hash[:12]}) by {who}")
        else:
            click.echo(f"{r.name}: unchanged, already v{r.version} (sha256 {r.content_hash[:12]})")
    return ExitCode.OK


@group.command(name="lint")
@click.argument("names", nargs=-1, metavar="[NAME]...")
@format_option()
@click.pass_context
def lint_command(ctx: click.Context, names: tuple[str, ...], fmt: str) -> int:
    """Check prompt files: schema, Jinja syntax, undeclared and unused variables, providers.

    Exits 2 when any file has a problem; each is reported as file:line:col: $.path: message (hint).

    \b
    Example:
      platform prompts lint
      platform prompts lint summarize --format json
    """
    from platform_cli.prompts.lint import lint_prompts

    settings = registry_settings(ctx)
    found = lint_prompts(settings.prompts_dir, names, providers=settings.providers)
    count = sum(len(problems) for problems in found.values())
    if fmt == "json":
        echo_json({"prompts": {n: [p.as_dict() for p in ps] for n, ps in found.items()}, "problems": count})
    else:
        for name, problems in found.items():
            for problem in problems:
                click.echo(problem.render())
            if not problems:
                click.echo(f"ok: {name}")
        if count:
            click.echo(f"{count} problem{'s' if count != 1 else ''} in {len(found)} prompt file(s)", err=True)
    return ExitCode.BAD_INPUT if count else ExitCode.OK


@group.command(name="promote")
@click.argument("name")
@click.argument("version")
@click.option("--label", "-l", default=DEFAULT_LABEL, show_default=True, help="Label to move.")
@click.option("--reason", default="", help="Why (required for protected labels; recorded in the history).")
@click.option(
    "--override-gate",
    is_flag=True,
    help="Promote without a passing gated eval run (needs --reason; recorded).",
)
@click.option(
    "--behaviour-note", default="", help="Acknowledge a behaviour change above the suite's threshold."
)
@author_option
@dry_run_option
@format_option()
@click.pass_context
def promote_command(
    ctx: click.Context,
    name: str,
    version: str,
    label: str,
    reason: str,
    override_gate: bool,
    behaviour_note: str,
    author: str | None,
    dry_run: bool,
    fmt: str,
) -> int:
    """Point a label at a published version and record who, when, from, to and why.

    VERSION is a number (2 or v2) or another label (its current version is used).
    Protected labels (spec.prompts.protected_labels, default [production]) need --reason. Gated labels
    (spec.evals.gated_labels, default [production]) also need a passing gated eval run of that version in
    every suite of the prompt, on the models ai-feature.yaml declares; --override-gate --reason skips that
    and is recorded.

    \b
    Example:
      platform prompts promote summarize 2 --label canary
      platform prompts promote summarize canary --label production --reason "canary clean for 6 weeks"
      platform prompts promote summarize 3 --label production --reason "v3" --behaviour-note "shorter answers"
    """
    from platform_cli.evals.promotion import gated_promote
    from platform_cli.manifest import load_manifest
    from platform_cli.prompts.labels import label_version
    from platform_cli.prompts.versions import version_number
    from platform_cli.repo import MANIFEST_NAME

    settings = registry_settings(ctx)
    with registry_store(settings, write=not dry_run) as store:
        if store is None:
            raise UserError(
                f"prompt '{name}' has no published version; run `platform prompts publish {name}`"
            )
        number = version_number(version)
        target = number if number is not None else label_version(store, name, version)
        result, decision = gated_promote(
            load_manifest(settings.root / MANIFEST_NAME),
            store,
            name,
            target,
            label,
            author=author_of(settings, author),
            reason=reason,
            protected=settings.protected_labels,
            override=override_gate,
            behaviour_note=behaviour_note,
            dry_run=dry_run,
        )
    if fmt == "json":
        echo_json({**result.as_dict(), "eval_gate": decision.outcome if decision else "not gated"})
        return ExitCode.OK
    if decision is not None and decision.outcome == "overridden":
        click.echo(
            f"eval gate overridden for {name} v{target} -> {label} (recorded: {decision.reason})", err=True
        )
    move = result.move
    if not result.changed:
        click.echo(f"{name}: {label} already points at v{move.to_version}; nothing to do")
        return ExitCode.OK
    before = f"v{move.from_version}" if move.from_version is not None else "(new label)"
    verb = "would move" if dry_run else "moved"
    why = f": {move.reason}" if move.reason else ""
    click.echo(f"{name}: {verb} {label} {before} -> v{move.to_version} (by {move.moved_by}{why})")
    return ExitCode.OK


@group.command(name="allocate")
@click.argument("name")
@click.option(
    "--variant",
    "variants",
    multiple=True,
    metavar="NAME=PERCENT",
    help="vN (a published version) or a label, and its share of traffic; 0 removes it. Repeatable.",
)
@click.option("--segment", help="Only this segment (spec.segments); default: every segment without its own.")
@click.option("--reason", default="", help="Why (recorded in the history).")
@author_option
@dry_run_option
@format_option()
@click.pass_context
def allocate_command(
    ctx: click.Context,
    name: str,
    variants: tuple[str, ...],
    segment: str | None,
    reason: str,
    author: str | None,
    dry_run: bool,
    fmt: str,
) -> int:
    """Share a prompt's traffic between variants with sticky cohorts; without --variant, show it.

    Users are hashed (per-prompt salt) into 10,000 buckets: widening a variant only adds users to it,
    and the rest (control) follows the label the caller resolves, usually production.

    \b
    Example:
      platform prompts allocate summarize --variant v2=5 --reason "canary"
      platform prompts allocate summarize --variant v2=25 --segment billing
      platform prompts allocate summarize --format json
    """
    from platform_cli.prompts.cohorts import parse_share
    from platform_cli.prompts.portfolio import allocate, current_allocations

    settings = registry_settings(ctx)
    if not variants:
        with registry_store(settings, write=False) as store:
            allocations = current_allocations(store, name) if store else {}
        if fmt == "json":
            echo_json({"prompt": name, "allocations": {seg: a.as_dict() for seg, a in allocations.items()}})
        else:
            lines = [allocation_line(name, seg, a) for seg, a in allocations.items()]
            click.echo("\n".join(lines) or f"{name}: no allocation (all traffic follows the label resolved)")
        return ExitCode.OK
    targets = dict(parse_share(v) for v in variants)
    with registry_store(settings, write=not dry_run) as store:
        if store is None:
            raise UserError(
                f"prompt '{name}' has no published version; run `platform prompts publish {name}`"
            )
        change = allocate(
            store,
            name,
            targets,
            segment=segment,
            segments=settings.segments,
            author=author_of(settings, author),
            reason=reason,
            dry_run=dry_run,
        )
    if fmt == "json":
        echo_json(change.as_dict())
    elif not change.changed:
        click.echo(f"{allocation_line(name, change.segment, change.after)} (unchanged)")
    else:
        prefix = "would set " if dry_run else ""
        was = f" (was: {allocation_line(None, None, change.before)})" if change.before else ""
        click.echo(prefix + allocation_line(name, change.segment, change.after) + was)
    return ExitCode.OK


for _command in READ_COMMANDS:
    group.add_command(_command)

COMMANDS: list[click.Command] = [group]
