"""The pre-commit hooks this repository exposes call commands that exist and accept how they are called."""

from __future__ import annotations

import shlex
from pathlib import Path

import click
import yaml

from platform_cli.cli.main import load_commands

HOOKS = Path(__file__).resolve().parents[2] / ".pre-commit-hooks.yaml"


def test_hooks_point_at_real_commands() -> None:
    hooks = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    assert {h["id"] for h in hooks} >= {"platform-readiness", "platform-secret-scan"}
    root = load_commands()
    for hook in hooks:
        words = shlex.split(hook["entry"])
        assert words[0] == "platform"
        command: click.Command = root
        for word in words[1:]:
            assert isinstance(command, click.Group), hook
            found = command.get_command(click.Context(command), word)
            assert found is not None, f"{hook['id']}: no command {word!r}"
            command = found
        assert not isinstance(command, click.Group), hook
        # the readiness check takes the changed files (and returns at once when no rule reads them); the
        # secret scan takes one directory, so pre-commit must not append file names to it
        takes_files = any(isinstance(p, click.Argument) and p.nargs == -1 for p in command.params)
        assert hook.get("pass_filenames") is (hook["id"] == "platform-readiness") is takes_files, hook["id"]
