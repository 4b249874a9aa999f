"""Docs cannot drift: every `platform ...` command the README shows exists, down to its subcommand."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from platform_cli.cli.main import load_commands

README = Path(__file__).resolve().parents[2] / "README.md"
FENCE = re.compile(r"^\s*```")


def _readme_commands() -> list[str]:
    """`platform ...` lines inside fenced code blocks (comments stripped)."""
    commands = []
    inside = False
    for raw in README.read_text(encoding="utf-8").splitlines():
        if FENCE.match(raw):
            inside = not inside
            continue
        line = raw.split("#", 1)[0].strip()
        if inside and line.startswith("platform "):
            commands.append(line.rstrip("\\").strip())
    return commands


COMMANDS = _readme_commands()


def test_the_readme_shows_commands() -> None:
    assert len(COMMANDS) >= 10


@pytest.mark.parametrize("line", COMMANDS)
def test_readme_command_exists(line: str) -> None:
    words = shlex.split(line)[1:]
    command: click.Command = load_commands()
    ctx = click.Context(command)
    path = ["platform"]
    for word in words:
        if word.startswith("-"):
            if isinstance(command, click.Group) and word == "--repo":
                continue
            break
        if not isinstance(command, click.Group):
            break
        sub = command.get_command(ctx, word)
        if sub is None:
            if path == ["platform"] and words and words[0] == "--repo":
                continue
            pytest.fail(f"README shows `{line}` but `{' '.join(path)}` has no command {word!r}")
        command = sub
        path.append(word)
    assert not isinstance(command, click.Group) or command.commands == {}, (
        f"README shows `{line}`, which stops at the group `{' '.join(path)}`"
    )
