"""`platform prompts`: publish, lint, promote, labels, history, show, diff, list, allocate."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

from platform_cli.cli.output import dry_run_option, echo_json, format_option
from platform_cli.cli.prompts_text import (
    allocation_line,
    history_text,
    labels_at_text,
    labels_text,
    list_text,
    show_text,
)
from platform_cli.errors import ExitCode, UserError
from platform_cli.prompts.config import DEFAULT_LABEL, RegistrySettings, existing_store, load_settings
from platform_cli.store import Store, open_store

_author_option = click.option("--author", help="Who to record (default: git config user.email, else $USER).")


def _settings(ctx: click.Context) -> RegistrySettings:
    return load_settings(ctx.obj.repo())


@contextmanager
def _store(settings: RegistrySettings, *, write: bool) -> Iterator[Store | None]:
    """The state store; for reads and dry runs None when it was never written (nothing is created)."""
    store = open_store(settings.state_url) if write else existing_store(settings.state_url)
    try:
        yield store
    finally:
        if store is not None:
            store.close()


def _author(settings: RegistrySettings, author: str | None) -> str:
    from platform_cli.prompts.identity import current_author

    return current_author(author, repo=settings.root)


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
@_author_option
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

    settings = _settings(ctx)
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
    who = _author(settings, author)
    with _store(settings, write=not dry_run) as store:
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

    settings = _settings(ctx)
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
@_author_option
@dry_run_option
@format_option()
@click.pass_context
def promote_command(
    ctx: click.Context,
    name: str,
    version: str,
    label: str,
    reason: str,
    author: str | None,
    dry_run: bool,
    fmt: str,
) -> int:
    """Point a label at a published version and record who, when, from, to and why.

    VERSION is a number (2 or v2) or another label (its current version is used).
    Protected labels (spec.prompts.protected_labels, default [production]) need --reason.

    \b
    Example:
      platform prompts promote summarize 2 --label canary
      platform prompts promote summarize canary --label production --reason "canary clean for 6 weeks"
    """
    from platform_cli.prompts.labels import label_version, promote
    from platform_cli.prompts.versions import version_number

    settings = _settings(ctx)
    with _store(settings, write=not dry_run) as store:
        if store is None:
            raise UserError(
                f"prompt '{name}' has no published version; run `platform prompts publish {name}`"
            )
        number = version_number(version)
        target = number if number is not None else label_version(store, name, version)
        result = promote(
            store,
            name,
            target,
            label,
            author=_author(settings, author),
            reason=reason,
            protected=settings.protected_labels,
            dry_run=dry_run,
        )
    if fmt == "json":
        echo_json(result.as_dict())
        return ExitCode.OK
    move = result.move
    if not result.changed:
        click.echo(f"{name}: {label} already points at v{move.to_version}; nothing to do")
        return ExitCode.OK
    before = f"v{move.from_version}" if move.from_version is not None else "(new label)"
    verb = "would move" if dry_run else "moved"
    why = f": {move.reason}" if move.reason else ""
    click.echo(f"{name}: {verb} {label} {before} -> v{move.to_version} (by {move.moved_by}{why})")
    return ExitCode.OK


@group.command(name="labels")
@click.argument("name")
@format_option()
@click.pass_context
def labels_command(ctx: click.Context, name: str, fmt: str) -> int:
    """Where each label of a prompt points now.

    \b
    Example:
      platform prompts labels summarize
    """
    settings = _settings(ctx)
    with _store(settings, write=False) as store:
        records = store.prompt_labels(name) if store else []
    if fmt == "json":
        echo_json({"prompt": name, "labels": [r.__dict__ for r in records]})
    else:
        click.echo(labels_text(name, records))
    return ExitCode.OK


@group.command(name="history")
@click.argument("name")
@click.option("--label", "-l", help="Only this label.")
@click.option(
    "--at", "at", metavar="TIME", help="Where labels pointed at TIME (ISO date/time; no offset = UTC)."
)
@format_option()
@click.pass_context
def history_command(ctx: click.Context, name: str, label: str | None, at: str | None, fmt: str) -> int:
    """Every label move and allocation change of a prompt, oldest first; or the state at a past time.

    \b
    Example:
      platform prompts history summarize
      platform prompts history summarize --label production --at 2025-03-01T12:00:00Z
    """
    from platform_cli.prompts.labels import labels_at, move_dict, parse_time
    from platform_cli.prompts.portfolio import current_allocations

    settings = _settings(ctx)
    when = parse_time(at) if at else None
    with _store(settings, write=False) as store:
        if when is not None:
            state = labels_at(store, name, when) if store else {}
            if label is not None:
                state = {label: state.get(label)}
            allocations = current_allocations(store, name, when) if store else {}
        else:
            moves = [m for m in (store.prompt_label_moves(name) if store else []) if label in (None, m.label)]
            changes = store.prompt_allocations(name) if store and label is None else []
    if when is not None:
        if fmt == "json":
            echo_json(
                {
                    "prompt": name,
                    "at": when,
                    "labels": {k: (move_dict(v) if v else None) for k, v in state.items()},
                    "allocations": {seg: a.shares() for seg, a in allocations.items()},
                }
            )
        else:
            click.echo(labels_at_text(name, when, state, allocations))
        return ExitCode.OK
    if fmt == "json":
        echo_json(
            {
                "prompt": name,
                "moves": [move_dict(m) for m in moves],
                "allocations": [c.__dict__ for c in changes],
            }
        )
    else:
        click.echo(history_text(name, moves, changes))
    return ExitCode.OK


@group.command(name="show")
@click.argument("ref", metavar="NAME[@VERSION|@LABEL|@file]")
@format_option()
@click.pass_context
def show_command(ctx: click.Context, ref: str, fmt: str) -> int:
    """Show a published version (default: the latest), with who published it and the labels on it.

    \b
    Example:
      platform prompts show summarize
      platform prompts show summarize@production
      platform prompts show summarize@3 --format json
    """
    from platform_cli.prompts.versions import load_ref, parse_ref

    settings = _settings(ctx)
    name, _ = parse_ref(ref)
    with _store(settings, write=False) as store:
        prompt, record = load_ref(store, settings.prompts_dir, ref)
        labels = (
            [r.label for r in store.prompt_labels(name) if record and r.version == record.version]
            if store
            else []
        )
    if fmt == "json":
        published = (
            {
                "version": record.version,
                "author": record.author,
                "created_at": record.created_at,
                "message": record.message,
            }
            if record
            else {"version": None}
        )
        echo_json(
            {
                "prompt": name,
                **published,
                "content_hash": prompt.content_hash,
                "labels": labels,
                "content": prompt.content(),
            }
        )
    else:
        click.echo(show_text(prompt, record, labels), nl=False)
    return ExitCode.OK


@group.command(name="diff")
@click.argument("name")
@click.argument("a")
@click.argument("b")
@format_option()
@click.pass_context
def diff_command(ctx: click.Context, name: str, a: str, b: str, fmt: str) -> int:
    """Unified diff of two versions of a prompt: template, variables, parameters, model, output schema.

    A and B are version numbers (1 or v1), labels, or `file` for the working copy in prompts/.

    \b
    Example:
      platform prompts diff summarize 1 2
      platform prompts diff summarize production file
    """
    from platform_cli.prompts.diff import diff_prompts
    from platform_cli.prompts.versions import load_ref

    settings = _settings(ctx)
    with _store(settings, write=False) as store:
        left, left_record = load_ref(store, settings.prompts_dir, f"{name}@{a}")
        right, right_record = load_ref(store, settings.prompts_dir, f"{name}@{b}")

    def named(selector: str, record: object) -> str:
        version = getattr(record, "version", None)
        shown = f"{name}@{selector}"
        return shown if version is None or selector.lstrip("v") == str(version) else f"{shown} (v{version})"

    result = diff_prompts(left, right, named(a, left_record), named(b, right_record))
    if fmt == "json":
        echo_json(result.as_dict())
    else:
        click.echo(result.text(), nl=False)
    return ExitCode.OK


@group.command(name="list")
@format_option()
@click.pass_context
def list_command(ctx: click.Context, fmt: str) -> int:
    """Every prompt: its file's state (published as vN, unpublished changes, invalid), versions, labels.

    \b
    Example:
      platform prompts list
      platform prompts list --format json
    """
    from platform_cli.prompts.overview import overview

    settings = _settings(ctx)
    with _store(settings, write=False) as store:
        statuses = overview(store, settings.root, settings.prompts_dir)
    if fmt == "json":
        echo_json({"prompts": [s.as_dict() for s in statuses]})
    else:
        click.echo(list_text(statuses))
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
@_author_option
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

    settings = _settings(ctx)
    if not variants:
        with _store(settings, write=False) as store:
            allocations = current_allocations(store, name) if store else {}
        if fmt == "json":
            echo_json({"prompt": name, "allocations": {seg: a.as_dict() for seg, a in allocations.items()}})
        else:
            lines = [allocation_line(name, seg, a) for seg, a in allocations.items()]
            click.echo("\n".join(lines) or f"{name}: no allocation (all traffic follows the label resolved)")
        return ExitCode.OK
    targets = dict(parse_share(v) for v in variants)
    with _store(settings, write=not dry_run) as store:
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
            author=_author(settings, author),
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


COMMANDS: list[click.Command] = [group]
