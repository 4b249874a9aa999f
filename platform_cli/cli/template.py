"""`platform template`: Keep generated repositories current with their template."""

from __future__ import annotations

import click


@click.group(name="template")
def group() -> None:
    """Keep generated repos current with their template (coming: `platform template update`, drift).

    \b
    Example:
      platform template --help
    """


COMMANDS: list[click.Command] = [group]
