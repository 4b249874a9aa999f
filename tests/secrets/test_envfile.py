"""The env-file backend: the file format, permissions, and the sidecar that never holds a value."""

from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path

from platform_cli.secrets.envfile import EnvFileBackend, parse_env
from platform_cli.secrets.model import RotationMeta

NOW = dt.datetime(2026, 11, 27, 12, tzinfo=dt.timezone.utc)
META = RotationMeta(owner="team-demo", rotation_days=30)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _rotate(backend: EnvFileBackend, token: str, value: str) -> None:
    backend.begin(token, META, initial=not backend.describe().exists)
    backend.put_pending(token, value)
    backend.mark(token, "finishing")
    backend.promote(token, NOW + dt.timedelta(hours=1), NOW)


def test_parse_env_handles_quotes_export_and_comments() -> None:
    text = '# comment\nexport A=1\nB=\'two words\'\nC="say \\"hi\\""\nD=bare # trailing\nnot a line\n'
    assert parse_env(text) == {"A": "1", "B": "two words", "C": 'say "hi"', "D": "bare"}


def test_rotation_keeps_other_lines_and_writes_0600_files(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("# local settings\nexport LOG_LEVEL=debug\nOTHER='x y'\n", encoding="utf-8")
    env.chmod(0o644)
    backend = EnvFileBackend("API_KEY", env)
    _rotate(backend, "token-0001", "first value with spaces")
    _rotate(backend, "token-0002", "second-value")

    text = env.read_text(encoding="utf-8")
    assert text.startswith("# local settings\nexport LOG_LEVEL=debug\nOTHER='x y'\n")
    assert parse_env(text) == {
        "LOG_LEVEL": "debug",
        "OTHER": "x y",
        "API_KEY": "second-value",
        "API_KEY__PREVIOUS": "first value with spaces",
    }
    assert _mode(env) == 0o600
    assert _mode(backend.meta_path) == 0o600
    sidecar = backend.meta_path.read_text(encoding="utf-8")
    assert "second-value" not in sidecar and "first value" not in sidecar
    record = json.loads(sidecar)["secrets"]["API_KEY"]
    assert record["owner"] == "team-demo" and record["rotation_days"] == 30
    assert record["last_rotation"] == "token-0002" and "rotation" not in record
    state = backend.describe()
    assert state.current_created == NOW and state.grace_until == NOW + dt.timedelta(hours=1)
    assert state.previous is not None and state.previous_valid(NOW)
    assert not state.previous_valid(NOW + dt.timedelta(hours=2))


def test_loose_permissions_are_reported(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("API_KEY=abc\n", encoding="utf-8")
    env.chmod(0o644)
    warnings = EnvFileBackend("API_KEY", env, display=".env").describe().warnings
    assert warnings == (".env is readable by other users: chmod 600 .env",)
    env.chmod(0o600)
    assert EnvFileBackend("API_KEY", env, display=".env").describe().warnings == ()


def test_a_stray_pending_value_is_never_reused(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("API_KEY=current\nAPI_KEY__PENDING=left-over\n", encoding="utf-8")
    backend = EnvFileBackend("API_KEY", env)
    backend.begin("token-0003", META, initial=False)
    assert backend.read("pending") is None
    backend.put_pending("token-0003", "fresh")
    assert backend.read("pending") == "fresh"


def test_rollback_swaps_current_and_previous_without_grace(tmp_path: Path) -> None:
    backend = EnvFileBackend("API_KEY", tmp_path / ".env")
    _rotate(backend, "token-0004", "one")
    _rotate(backend, "token-0005", "two")
    backend.rollback(NOW + dt.timedelta(minutes=5))
    assert (backend.read("current"), backend.read("previous")) == ("one", "two")
    assert not backend.describe().previous_valid(NOW + dt.timedelta(minutes=6))
