"""The read commands of `platform prompts` (labels, history, show, diff, list) and the shared helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from platform_cli.cli.output import echo_json, format_option
from platform_cli.cli.prompts_text import history_text, labels_at_text, labels_text, list_text, show_text
from platform_cli.errors import ExitCode

if TYPE_CHECKING:  # the registry and store load on first use, not at CLI start-up
    from platform_cli.manifest import Manifest
    from platform_cli.prompts.config import RegistrySettings
    from platform_cli.store import Store

author_option = click.option("--author", help="Who to record (default: git config user.email, else $USER).")


def registry_settings(ctx: click.Context) -> RegistrySettings:
    from platform_cli.prompts.config import load_settings

    return load_settings(ctx.obj.repo(), secrets=_state_url_secrets)


def _state_url_secrets(manifest: Manifest) -> Callable[[str], str] | None:
    """Imports the secrets package (and its HTTP client) only when spec.state.url names a declared secret."""
    from platform_cli.manifest import state_secret_references

    if not state_secret_references(manifest):
        return None
    from platform_cli.secrets import state_url_secrets

    return state_url_secrets(manifest)


@contextmanager
def registry_store(settings: RegistrySettings, *, write: bool) -> Iterator[Store | None]:
    """The state store; for reads and dry runs None when it was never written (nothing is created)."""
    from platform_cli.prompts.config import existing_store
    from platform_cli.store import open_store

    store = open_store(settings.state_url) if write else existing_store(settings.state_url)
    try:
        yield store
    finally:
        if store is not None:
            store.close()


def author_of(settings: RegistrySettings, author: str | None) -> str:
    from platform_cli.prompts.identity import current_author

    return current_author(author, repo=settings.root)


@click.command(name="labels")
@click.argument("name")
@format_option()
@click.pass_context
def labels_command(ctx: click.Context, name: str, fmt: str) -> int:
    """Where each label of a prompt points now.

    \b
    Example:
      platform prompts labels summarize
    """
    from platform_cli.prompts.versions import check_known

    settings = registry_settings(ctx)
    with registry_store(settings, write=False) as store:
        check_known(store, settings.prompts_dir, name)
        records = store.prompt_labels(name) if store else []
    if fmt == "json":
        echo_json({"prompt": name, "labels": [r.__dict__ for r in records]})
    else:
        click.echo(labels_text(name, records))
    return ExitCode.OK


@click.command(name="history")
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
    from platform_cli.prompts.versions import check_known

    settings = registry_settings(ctx)
    when = parse_time(at) if at else None
    with registry_store(settings, write=False) as store:
        check_known(store, settings.prompts_dir, name)
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


@click.command(name="show")
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

    settings = registry_settings(ctx)
    name, _ = parse_ref(ref)
    with registry_store(settings, write=False) as store:
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


@click.command(name="diff")
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

    settings = registry_settings(ctx)
    with registry_store(settings, write=False) as store:
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


@click.command(name="list")
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

    settings = registry_settings(ctx)
    with registry_store(settings, write=False) as store:
        statuses = overview(store, settings.root, settings.prompts_dir)
    if fmt == "json":
        echo_json({"prompts": [s.as_dict() for s in statuses]})
    else:
        click.echo(list_text(statuses))
    return ExitCode.OK


READ_COMMANDS: list[click.Command] = [
    labels_command,
    history_command,
    show_command,
    diff_command,
    list_command,
]
