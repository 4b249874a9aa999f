"""`platform catalog`: Backstage catalog registration."""

from __future__ import annotations

import click


@click.group(name="catalog")
def group() -> None:
    """Backstage catalog registration (coming).

    \b
    Example:
      platform catalog --help
    """


COMMANDS: list[click.Command] = [group]
