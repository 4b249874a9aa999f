"""`platform eval`: Eval harness."""

from __future__ import annotations

import click


@click.group(name="eval")
def group() -> None:
    """Eval harness: datasets, scorers, baselines, reports (coming).

    \b
    Example:
      platform eval --help
    """


COMMANDS: list[click.Command] = [group]
