"""`platform cost`: Cost ledger, budgets, dashboard and metrics."""

from __future__ import annotations

import click


@click.group(name="cost")
def group() -> None:
    """Cost ledger, budgets, dashboard and metrics (coming).

    \b
    Example:
      platform cost --help
    """


COMMANDS: list[click.Command] = [group]
