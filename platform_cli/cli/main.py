"""The `platform` entry point: global options, command groups, and the one error boundary.

Start-up is what every command pays, so command modules are imported lazily: `platform --version` and
`platform --help` import none of them, and `platform readiness check` imports only cli/readiness.py. The
table below names each top-level command's module and the summary `platform --help` shows for it
(tests/startup/test_lazy_commands.py keeps it equal to the modules' own COMMANDS and help texts).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from platform_cli import __version__
from platform_cli.errors import ExitCode, PlatformError, Terminated
from platform_cli.interrupts import command_signals

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

# name -> (module under platform_cli.cli whose COMMANDS holds it, the first paragraph of its help).
# A new command group: add its module's commands here (a test fails until you do).
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "catalog": (
        "catalog",
        "Backstage catalog: validate catalog-info.yaml, register the feature, read what the catalog has.",
    ),
    "cost": (
        "cost_observe",  # imports cli/cost and adds the dashboard, metrics, alerts and grafana commands
        "Cost ledger: priced usage, reports, budgets, soak trends, dashboard, Prometheus metrics and alerts.",
    ),
    "eval": (
        "evals_gate",  # imports cli/evals and adds the baseline, gate and portfolio commands
        "Eval harness: suites, scorers, runs, baselines, the gate, portfolios, reports.",
    ),
    "manifest": ("manifest", "Check the ai-feature.yaml manifest."),
    "policies": (
        "policies",
        "Readiness rule packs: list the rules and test them against their own examples.",
    ),
    "prompts": (
        "prompts",
        "Prompt registry: immutable versions, labels with history, portfolios and sticky cohorts.",
    ),
    "readiness": ("readiness", "Readiness gate: check feature repos against the rule packs, level by level."),
    "rollback": (
        "rollback_runtime",  # imports cli/rollback and adds the model, provider and drill commands
        "Roll back a prompt and its consequences: caches, histories, baselines, canary cohorts.",
    ),
    "rollout": (
        "rollout",
        "Guarded rollouts: walk a version through its steps, judge every guard, roll back on a breach.",
    ),
    "scaffold": ("scaffold", "Generate a new repository from a template."),
    "secrets": (
        "secrets",
        "Rotate provider keys in their backends (env-file, Vault/OpenBao, AWS) and scan for leaked ones.",
    ),
    "template": (
        "template",
        "Keep a generated repo current with its template: check for new releases, update, keep your work.",
    ),
    "templates": ("templates", "For the platform team: release, test and lint templates."),
    "validate": (
        "manifest",
        "Validate an ai-feature.yaml against the AIFeature schema and cross-field rules.",
    ),
}


class LazyGroup(click.Group):
    """The root group: a command's module is imported the first time the command is looked up."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in LAZY_COMMANDS:
            _attach(LAZY_COMMANDS[cmd_name][0])
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of `platform --help`, from the table: no command module is imported."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            loaded = self.commands.get(name)
            if loaded is not None and loaded.hidden:
                continue
            summary = loaded or click.Command(name, help=LAZY_COMMANDS[name][1])
            rows.append((name, summary.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _attach(module_name: str) -> None:
    """Import platform_cli.cli.<module_name> and add its COMMANDS to the root group."""
    import importlib

    module = importlib.import_module(f"platform_cli.cli.{module_name}")
    for command in module.COMMANDS:
        cli.add_command(command)


@dataclass
class AppContext:
    """What every command can read from `ctx.obj`."""

    repo_option: Path | None
    color: bool

    def repo(self) -> Path:
        from platform_cli.repo import find_repo

        return find_repo(explicit=self.repo_option)


@click.group(cls=LazyGroup, context_settings=CONTEXT_SETTINGS)
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


def load_commands() -> click.Group:
    """Attach every command group to `cli` now (tests and tools that walk the whole command tree)."""
    for module_name in dict.fromkeys(module for module, _ in LAZY_COMMANDS.values()):
        _attach(module_name)
    return cli


def _report(error: PlatformError) -> None:
    click.echo(f"error: {error}", err=True)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI and exit with the code errors.ExitCode assigns to what happened."""
    args = list(sys.argv[1:] if argv is None else argv)
    sys.exit(run(args))


def run(args: list[str]) -> int:
    """One command inside the error boundary; SIGTERM becomes `Terminated` while it runs, and neither it nor
    Ctrl-C is lost (platform_cli/interrupts.py)."""
    with command_signals():
        return _run(args)


def _run(args: list[str]) -> int:
    try:
        result = cli.main(args=args, prog_name="platform", standalone_mode=False)
    except PlatformError as error:
        _report(error)
        return error.exit_code
    except Terminated:
        click.echo("terminated (SIGTERM): stopped, temporary files removed", err=True)
        return ExitCode.TERMINATED
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
