"""The root group's table of lazily imported commands agrees with the command modules themselves."""

from __future__ import annotations

import importlib
import os
import pkgutil
import subprocess
import sys

import click

import platform_cli.cli
from platform_cli.cli.main import LAZY_COMMANDS, load_commands


def _command_modules() -> dict[str, list[click.Command]]:
    found: dict[str, list[click.Command]] = {}
    for info in pkgutil.iter_modules(platform_cli.cli.__path__):
        module = importlib.import_module(f"platform_cli.cli.{info.name}")
        commands = getattr(module, "COMMANDS", None)
        if commands:
            found[info.name] = list(commands)
    return found


def test_every_command_module_is_in_the_table_with_its_own_summary() -> None:
    seen: set[str] = set()
    for module, commands in _command_modules().items():
        for command in commands:
            assert command.name in LAZY_COMMANDS, (
                f"platform_cli/cli/{module}.py defines `{command.name}` but LAZY_COMMANDS in "
                f"platform_cli/cli/main.py does not list it: add {command.name!r}: ({module!r}, <summary>)"
            )
            listed_module, summary = LAZY_COMMANDS[command.name]
            assert listed_module == module, f"{command.name}: table says cli/{listed_module}.py"
            first_paragraph = (command.help or "").split("\n\n")[0].strip()
            assert summary == " ".join(first_paragraph.split()), (
                f"{command.name}: the summary in LAZY_COMMANDS differs from its help's first paragraph"
            )
            seen.add(command.name)
    assert seen == set(LAZY_COMMANDS), f"listed but defined nowhere: {set(LAZY_COMMANDS) - seen}"


def _help(preload: bool) -> str:
    script = "from platform_cli.cli.main import load_commands, run\n"
    script += "load_commands()\n" if preload else ""
    script += "raise SystemExit(run(['--help']))\n"
    env = {**os.environ, "COLUMNS": "100"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    return done.stdout


def test_root_help_from_the_table_equals_the_help_of_the_loaded_commands() -> None:
    lazy = _help(preload=False)
    assert lazy == _help(preload=True)
    for name in LAZY_COMMANDS:
        assert f"\n  {name} " in lazy


def test_load_commands_attaches_every_command() -> None:
    assert set(load_commands().commands) == set(LAZY_COMMANDS)
