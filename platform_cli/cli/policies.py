"""`platform policies`: Readiness rule packs."""

from __future__ import annotations

import click


@click.group(name="policies")
def group() -> None:
    """Readiness rule packs: list and test them (coming).

    \b
    Example:
      platform policies --help
    """


COMMANDS: list[click.Command] = [group]
