"""`platform manifest validate` (and its alias `platform validate`): check ai-feature.yaml."""

from __future__ import annotations

from pathlib import Path

import click

from platform_cli.cli.output import echo_json, format_option
from platform_cli.errors import ExitCode, InvalidFile
from platform_cli.repo import MANIFEST_NAME

_HELP = """Validate an ai-feature.yaml against the AIFeature schema and cross-field rules.

Reports every problem at once as `file:line:col: $.path: message (hint)` and exits 2 if there is
any. FILE defaults to the ai-feature.yaml of the current feature repository (see --repo).

\b
Example:
  platform {name}
  platform {name} path/to/ai-feature.yaml --format json
"""


def _make_validate(name: str) -> click.Command:
    @click.command(name=name, help=_HELP.format(name=name))
    @click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
    @format_option()
    @click.pass_context
    def validate(ctx: click.Context, file: Path | None, fmt: str) -> int:
        from platform_cli.manifest import WHAT, load_manifest
        from platform_cli.yamlfile import display_name

        path = file if file is not None else ctx.obj.repo() / MANIFEST_NAME
        shown = display_name(path)
        try:
            load_manifest(path, display=shown)
        except InvalidFile as error:
            if fmt != "json":
                raise
            echo_json({"file": error.file, "valid": False, "problems": [p.as_dict() for p in error.problems]})
            return ExitCode.BAD_INPUT
        if fmt == "json":
            echo_json({"file": shown, "valid": True, "problems": []})
        else:
            click.echo(f"ok: {shown} is a valid {WHAT}")
        return ExitCode.OK

    return validate


@click.group(name="manifest")
def group() -> None:
    """Check the ai-feature.yaml manifest.

    \b
    Example:
      platform manifest validate
    """


group.add_command(_make_validate("validate"))

COMMANDS: list[click.Command] = [group, _make_validate("validate")]
