"""An internal error writes a crash log that is private (0600, in a 0700 directory) and holds no secret:
command words and option names are kept, every value is redacted, key shapes in the traceback too."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from platform_cli.cli.main import run
from platform_cli.errorlog import safe_argv

KEY = "sk-proj-CrashLogSecretValue0123456789abcdef"


def test_a_crash_log_is_private_and_holds_no_value_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The one stand-in: no real input crashes this command any more, so a bug is simulated where the
    # value command runs (the crash boundary, the log and the command line are real).
    def broken(command: str, timeout_s: float = 300.0) -> object:
        raise RuntimeError(f"bug while running {command}")

    monkeypatch.setattr("platform_cli.secrets.sources.from_command", broken)
    repo = tmp_path / "repo"
    from secrets_support import write_repo

    spec = {"name": "API_KEY", "backend": "env-file", "path": ".env", "rotation_days": 90, "owner": "t"}
    write_repo(repo, secrets_=[spec], kind="fake")
    code = run(["--repo", str(repo), "secrets", "rotate", "API_KEY", "--command", f"echo {KEY}"])
    err = capsys.readouterr().err
    assert code == 3, err
    path = Path(re.search(r"the traceback is in (\S+)\)", err).group(1))  # type: ignore[union-attr]
    text = path.read_text(encoding="utf-8")
    assert "RuntimeError" in text
    assert KEY not in text and KEY[:16] not in text
    assert "command: platform --repo <redacted> secrets rotate <redacted> --command <redacted>" in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0


@pytest.mark.parametrize(
    ("argv", "shown"),
    [
        (["secrets", "rotate", "K", "--command", "echo x"], "secrets rotate <redacted> --command <redacted>"),
        (
            ["scaffold", "new-ai-feature", "out", "--data=name=x"],
            "scaffold new-ai-feature out --data=<redacted>",
        ),
        (["prompts", "publish", "-m", KEY], "prompts publish -m <redacted>"),
    ],
)
def test_safe_argv(argv: list[str], shown: str) -> None:
    assert safe_argv(argv) == shown
