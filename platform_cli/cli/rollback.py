"""`platform rollback`: Rollback primitive."""

from __future__ import annotations

import click


@click.group(name="rollback")
def group() -> None:
    """Rollback primitive: plan, execute, audit, drills (coming).

    \b
    Example:
      platform rollback --help
    """


COMMANDS: list[click.Command] = [group]
