"""The `platform` entry point: global options, command groups, and the one error boundary."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from platform_cli import __version__
from platform_cli.errors import ExitCode, PlatformError

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@dataclass
class AppContext:
    """What every command can read from `ctx.obj`."""

    repo_option: Path | None
    color: bool

    def repo(self) -> Path:
        from platform_cli.repo import find_repo

        return find_repo(explicit=self.repo_option)


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "--version", prog_name="platform")
@click.option(
    "--repo",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="PLATFORM_REPO",
    help="Feature repository to act on (default: nearest parent with ai-feature.yaml).",
)
@click.option("--no-color", is_flag=True, help="Disable colored output (NO_COLOR is also honored).")
@click.pass_context
def cli(ctx: click.Context, repo: Path | None, no_color: bool) -> None:
    """Golden path for AI features: scaffold, gate, operate.

    \b
    Examples:
      platform scaffold new-ai-feature support-summarizer
      platform validate
      platform readiness check --format sarif --output readiness.sarif

    \b
    Shell completion (bash; zsh and fish work the same way):
      eval "$(_PLATFORM_COMPLETE=bash_source platform)"
    """
    color = not (no_color or os.environ.get("NO_COLOR"))
    if not color:
        ctx.color = False
    ctx.obj = AppContext(repo_option=repo, color=color)


_loaded = False


def load_commands() -> click.Group:
    """Attach every command group to `cli` (once). Called inside the error boundary, so a broken
    command module is reported like any other internal error instead of as a raw traceback."""
    global _loaded
    if _loaded:
        return cli
    from platform_cli.cli import (
        catalog,
        cost,
        evals,
        manifest,
        policies,
        prompts,
        readiness,
        rollback,
        scaffold,
        secrets,
        template,
        templates,
    )

    for module in (
        scaffold,
        template,
        templates,
        manifest,
        prompts,
        evals,
        cost,
        rollback,
        secrets,
        readiness,
        policies,
        catalog,
    ):
        for command in module.COMMANDS:
            cli.add_command(command)
    _loaded = True
    return cli


def _report(error: PlatformError) -> None:
    click.echo(f"error: {error}", err=True)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI and exit with the code DESIGN.md assigns to what happened."""
    args = list(sys.argv[1:] if argv is None else argv)
    sys.exit(run(args))


def run(args: list[str]) -> int:
    try:
        load_commands()
        result = cli.main(args=args, prog_name="platform", standalone_mode=False)
    except PlatformError as error:
        _report(error)
        return error.exit_code
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        return ExitCode.INTERRUPTED
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return ExitCode.INTERRUPTED
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.ClickException as error:
        error.show()
        return ExitCode.BAD_INPUT if isinstance(error, click.UsageError) else error.exit_code
    except BrokenPipeError:
        return ExitCode.OK
    except Exception as error:  # the boundary: never a raw traceback
        from platform_cli.errorlog import write_crash_log

        path = write_crash_log(error, args)
        click.echo(
            f"internal error: {type(error).__name__} (this is a bug; the traceback is in {path})",
            err=True,
        )
        return ExitCode.INTERNAL
    return result if isinstance(result, int) else ExitCode.OK
