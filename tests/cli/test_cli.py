"""CLI-wide promises: help with examples everywhere, version, exit codes, the error boundary, NO_COLOR."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest

from platform_cli import __version__
from platform_cli.cli.main import load_commands, run


def _walk(command: click.Command, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    found = [(path, command)]
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            found += _walk(sub, (*path, name))
    return found


cli = load_commands()
ALL_COMMANDS = _walk(cli)


def test_every_capability_group_exists() -> None:
    names = set(cli.commands)
    expected = {
        "scaffold",
        "template",
        "prompts",
        "eval",
        "cost",
        "rollback",
        "secrets",
        "readiness",
        "policies",
        "catalog",
        "manifest",
        "validate",
    }
    assert expected <= names


@pytest.mark.parametrize(
    "path", [p for p, _ in ALL_COMMANDS], ids=[" ".join(p) or "platform" for p, _ in ALL_COMMANDS]
)
def test_every_command_has_help_with_an_example(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run([*path, "--help"]) == 0
    out = capsys.readouterr().out
    assert "Example" in out, f"`platform {' '.join(path)} --help` has no example"
    assert "platform" in out.split("Example", 1)[1]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--version"]) == 0
    assert __version__ in capsys.readouterr().out


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["no-such-command"]) == 2
    assert "No such command" in capsys.readouterr().err


def test_a_broken_command_module_is_an_internal_error_not_a_traceback(tmp_path: Path) -> None:
    """Command modules load (lazily, when their command runs) inside the error boundary: a bug in one
    reports exit 3 with a log path, and the other commands do not import it at all."""
    script = (
        "import sys, platform_cli.cli as pkg\n"
        "class Broken:\n"
        "    def __getattr__(self, name): raise ModuleNotFoundError('platform_cli.cli.simulated_missing')\n"
        "sys.modules['platform_cli.cli.cost'] = Broken()\n"
        "from platform_cli.cli.main import main\n"
        "main(sys.argv[1:])\n"
    )
    listing = subprocess.run(
        [sys.executable, "-c", script, "--help"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PLATFORM_LOG_DIR": str(tmp_path / "logs")},
    )
    assert listing.returncode == 0 and "cost" in listing.stdout, listing.stderr
    done = subprocess.run(
        [sys.executable, "-c", script, "cost", "report"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PLATFORM_LOG_DIR": str(tmp_path / "logs")},
    )
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr
    assert "internal error" in done.stderr and str(tmp_path / "logs") in done.stderr


def test_internal_error_prints_one_line_and_a_log_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import platform_cli.scaffold as scaffold_api

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(scaffold_api, "list_templates", boom)
    monkeypatch.setenv("PLATFORM_LOG_DIR", str(tmp_path / "logs"))
    assert run(["scaffold", "list"]) == 3
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.count("\n") == 1
    log = Path(err.strip().rsplit(" ", 1)[-1].rstrip(")"))
    assert log.is_file() and log.parent == tmp_path / "logs"
    assert "Traceback" in log.read_text() and "simulated bug" in log.read_text()


def test_python_dash_m_entry_point_and_no_color(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "platform_cli", "--repo", str(tmp_path), "validate"],
        capture_output=True,
        text=True,
        env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert done.returncode == 2
    assert "ai-feature.yaml" in done.stderr
    assert "\x1b[" not in done.stdout + done.stderr


def test_shell_completion_script_is_generated() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from platform_cli.cli.main import main; main()"],
        capture_output=True,
        text=True,
        env={"_PLATFORM_COMPLETE": "bash_source", "PATH": "/usr/bin:/bin"},
    )
    assert "complete" in done.stdout and "_PLATFORM_COMPLETE" in done.stdout
