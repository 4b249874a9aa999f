"""Shared output options and rendering helpers so every command offers the same `--format`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def format_option(*choices: str, default: str = "text") -> Callable[[F], F]:
    """`--format` with the given choices (text and json unless told otherwise)."""
    names = choices or ("text", "json")
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(names),
        default=default,
        show_default=True,
        help="Output format.",
    )


def dry_run_option(func: F) -> F:
    return click.option("--dry-run", is_flag=True, help="Show what would be written and change nothing.")(
        func
    )


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=False, default=str)


def echo_json(data: Any) -> None:
    click.echo(to_json(data))


def write_output(text: str, output: Path | None) -> None:
    """Print, or write atomically to --output FILE (`-` means stdout, as usual)."""
    if output is None or str(output) == "-":
        click.echo(text, nl=not text.endswith("\n"))
        return
    from platform_cli.fsutil import atomic_write_text

    atomic_write_text(output, text)
    click.echo(f"wrote {output}", err=True)


def preview_output(text: str, output: Path | None) -> None:
    """`--dry-run` of `write_output`: print what would be written, say what it would do to FILE, write
    nothing."""
    click.echo(text, nl=not text.endswith("\n"))
    if output is None or str(output) == "-":
        return
    data = text.encode("utf-8")
    try:
        size = output.stat().st_size
        effect = "unchanged" if size == len(data) and output.read_bytes() == data else "would replace it"
    except FileNotFoundError:
        effect = "a new file"
    except OSError as error:
        effect = f"cannot read it now: {error.strerror}"
    click.echo(f"would write {output} ({len(data):,} bytes; {effect}); nothing written (--dry-run)", err=True)
