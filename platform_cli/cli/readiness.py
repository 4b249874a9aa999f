"""`platform readiness`: Readiness gate."""

from __future__ import annotations

import click


@click.group(name="readiness")
def group() -> None:
    """Readiness gate: check a repo against the rule packs (coming).

    \b
    Example:
      platform readiness --help
    """


COMMANDS: list[click.Command] = [group]
