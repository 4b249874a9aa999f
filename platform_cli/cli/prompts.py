"""`platform prompts`: Prompt registry."""

from __future__ import annotations

import click


@click.group(name="prompts")
def group() -> None:
    """Prompt registry: immutable versions, labels with history, portfolios (coming).

    \b
    Example:
      platform prompts --help
    """


COMMANDS: list[click.Command] = [group]
