"""SIGTERM during a scaffold removes its temporary folder and says so (exit 143); after a SIGKILL, the next
run finds the folder its dead owner left and removes it. Real processes, real signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import weakref
from collections.abc import Callable
from pathlib import Path

import pytest

from platform_cli.errors import ExitCode

ARGS = ["--defaults", "--data", "name=Sig Term", "--data", "eval_owner=jane.doe@example.com"]


def _start(dest: Path) -> subprocess.Popen[str]:
    code = "from platform_cli.cli.main import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, "scaffold", "new-ai-feature", str(dest), *ARGS],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _workdirs(parent: Path) -> list[Path]:
    return [p for p in parent.iterdir() if "platform-scaffold-" in p.name]


def _wait_for_workdir(parent: Path, proc: subprocess.Popen[str]) -> Path:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        found = [p for p in _workdirs(parent) if (p / "out").exists()]
        if found:
            return found[0]
        time.sleep(0.002)
    proc.kill()
    pytest.fail(f"no working folder appeared (exit {proc.poll()}): {proc.communicate()[1][-500:]}")


def test_sigterm_removes_the_working_folder_and_says_so(tmp_path: Path) -> None:
    dest = tmp_path / "feature"
    proc = _start(dest)
    _wait_for_workdir(tmp_path, proc)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "terminated (SIGTERM)" in err and "Traceback" not in err
    assert _workdirs(tmp_path) == [] and not dest.exists()


def test_the_next_run_removes_what_a_sigkill_left(tmp_path: Path) -> None:
    dest = tmp_path / "feature"
    proc = _start(dest)
    left = _wait_for_workdir(tmp_path, proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    assert left.exists()  # nothing runs after SIGKILL

    done = subprocess.run(
        [sys.executable, "-m", "platform_cli", "scaffold", "new-ai-feature", str(tmp_path / "other"), *ARGS],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f"removed {left}" in done.stdout
    assert _workdirs(tmp_path) == []


def test_a_live_runs_folder_is_left_alone(tmp_path: Path) -> None:
    from platform_cli.scaffold import workdirs

    mine = workdirs.make_workdir(tmp_path / "feature", dry_run=False)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        theirs = tmp_path / ".x.platform-scaffold-live"
        theirs.mkdir()
        start = workdirs._start_time(sleeper.pid)
        (theirs / workdirs.OWNER_FILE).write_text(f"{sleeper.pid} {start}\n")
        assert workdirs.sweep([tmp_path]) == []
        assert mine.exists() and theirs.exists()
    finally:
        sleeper.kill()
        sleeper.wait()
    assert workdirs.sweep([tmp_path]) == [theirs]


def _signal_inside_a_weakref_callback(signum: int) -> Callable[..., int]:
    """A command that receives `signum` while Python runs a weakref callback (as when SIGTERM lands in an
    import's module-lock callback), where an exception cannot propagate, then goes on working."""

    def command(**kwargs: object) -> int:
        class Thing:
            pass

        def callback(_ref: object) -> None:
            os.kill(os.getpid(), signum)
            for _ in range(100_000):  # the handler runs here, inside the callback
                pass

        thing = Thing()
        ref = weakref.ref(thing, callback)
        del thing  # the callback runs now
        assert ref() is None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # the command goes on working: the signal must still stop it
            pass
        return 0

    return command


@pytest.mark.parametrize(
    ("signum", "code", "said"),
    [
        (signal.SIGTERM, ExitCode.TERMINATED, "terminated (SIGTERM)"),
        (signal.SIGINT, ExitCode.INTERRUPTED, "interrupted"),
    ],
)
def test_a_signal_that_lands_in_a_callback_still_stops_the_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], signum: int, code: int, said: str
) -> None:
    """Python prints "Exception ignored" for what a weakref callback raises and runs on; the CLI sends the
    signal again so that it lands where it can stop the command (this once let a scaffold finish after
    SIGTERM, exit 0)."""
    from platform_cli.cli import main

    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)  # a background job ignores it
    try:
        monkeypatch.setattr(main.cli, "main", _signal_inside_a_weakref_callback(signum))
        assert main.run([]) == code
    finally:
        signal.signal(signal.SIGINT, previous_int)
    err = capsys.readouterr().err
    assert said in err and "Exception ignored" not in err
