"""`platform secrets`: Secrets backends, rotation and the secret scanner."""

from __future__ import annotations

import click


@click.group(name="secrets")
def group() -> None:
    """Secrets backends, rotation and the secret scanner (coming).

    \b
    Example:
      platform secrets --help
    """


COMMANDS: list[click.Command] = [group]
