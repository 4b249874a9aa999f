"""The rotation state machine on the env-file backend, in process: outcomes, idempotency, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from secrets_support import Vendor

from platform_cli.errors import Refused, UserError
from platform_cli.secrets import rotation
from platform_cli.secrets.checks import ModelsListCheck, NoCheck
from platform_cli.secrets.envfile import EnvFileBackend
from platform_cli.secrets.model import RotationMeta

META = RotationMeta(owner="team-demo", rotation_days=90)
OK = NoCheck("tests")


def _source(value: str, calls: list[str]) -> rotation.ValueSource:
    def read() -> str:
        calls.append(value)
        return value

    return read


def _never() -> str:
    raise AssertionError("the source must not be called")


@pytest.fixture
def backend(tmp_path: Path) -> EnvFileBackend:
    return EnvFileBackend("API_KEY", tmp_path / ".env")


def test_rotate_records_steps_and_keeps_previous(backend: EnvFileBackend) -> None:
    calls: list[str] = []
    first = rotation.rotate(backend, name="API_KEY", source=_source("k1", calls), check=OK, meta=META)
    assert first.outcome == "rotated" and first.previous_version is None
    assert [s.step for s in first.steps] == ["begin", "create", "set", "test", "finish"]
    second = rotation.rotate(backend, name="API_KEY", source=_source("k2", calls), check=OK, meta=META)
    assert second.outcome == "rotated"
    assert (backend.read("current"), backend.read("previous")) == ("k2", "k1")
    assert second.grace_until is not None and calls == ["k1", "k2"]
    assert "k1" not in repr(second.as_dict()) and "k2" not in repr(second.as_dict())


def test_failed_check_discards_pending_and_keeps_current(backend: EnvFileBackend, vendor: Vendor) -> None:
    vendor.accept("good-key-1")
    check = ModelsListCheck(f"{vendor.base_url}/models", "openai-compatible")
    rotation.rotate(backend, name="API_KEY", source=lambda: "good-key-1", check=check, meta=META)
    report = rotation.rotate(backend, name="API_KEY", source=lambda: "bad-key-2", check=check, meta=META)
    assert report.outcome == "test-failed" and report.failed
    assert report.steps[-1].detail.startswith(f"GET {vendor.base_url}/models: key rejected (HTTP 401)")
    assert backend.read("current") == "good-key-1"
    assert backend.read("pending") is None
    assert backend.describe().journal is None


def test_finished_token_is_a_no_op_and_another_token_is_refused_mid_rotation(backend: EnvFileBackend) -> None:
    rotation.rotate(backend, name="API_KEY", source=lambda: "k1", check=OK, meta=META, token="token-aaaa")
    again = rotation.rotate(backend, name="API_KEY", source=_never, check=OK, meta=META, token="token-aaaa")
    assert again.outcome == "already-done"
    assert backend.read("current") == "k1"

    backend.begin("token-bbbb", META, initial=False)
    backend.put_pending("token-bbbb", "k2")
    backend.mark("token-bbbb", "created")
    with pytest.raises(Refused, match="rotation token-bbbb of API_KEY is in progress"):
        rotation.rotate(backend, name="API_KEY", source=_never, check=OK, meta=META, token="token-cccc")
    resumed = rotation.rotate(backend, name="API_KEY", source=_never, check=OK, meta=META)
    assert resumed.resumed and resumed.token == "token-bbbb" and resumed.outcome == "rotated"
    assert (backend.read("current"), backend.read("previous")) == ("k2", "k1")


def test_dry_run_changes_nothing_and_reads_no_value(backend: EnvFileBackend) -> None:
    rotation.rotate(backend, name="API_KEY", source=lambda: "k1", check=OK, meta=META)
    before = (backend.path.read_bytes(), backend.meta_path.read_bytes())
    report = rotation.rotate(backend, name="API_KEY", source=_never, check=OK, meta=META, dry_run=True)
    assert report.outcome == "dry-run"
    assert [s.status for s in report.steps] == ["planned"] * 4
    assert (backend.path.read_bytes(), backend.meta_path.read_bytes()) == before


def test_abort_and_the_errors_that_say_what_to_do(backend: EnvFileBackend) -> None:
    with pytest.raises(UserError, match="--generate, --stdin or --command"):
        rotation.rotate(backend, name="API_KEY", source=None, check=OK, meta=META)
    with pytest.raises(UserError, match="no rotation of API_KEY is in progress"):
        rotation.abort(backend, name="API_KEY")
    with pytest.raises(UserError, match="no previous version"):
        rotation.rollback(backend, name="API_KEY", check=OK)
    rotation.rotate(backend, name="API_KEY", source=lambda: "k1", check=OK, meta=META)
    backend.begin("token-dddd", META, initial=False)
    backend.put_pending("token-dddd", "k2")
    with pytest.raises(Refused, match="finish it"):
        rotation.rollback(backend, name="API_KEY", check=OK)
    assert rotation.abort(backend, name="API_KEY").outcome == "aborted"
    assert backend.read("pending") is None and backend.read("current") == "k1"
    with pytest.raises(UserError, match="8-64 letters"):
        rotation.check_token("short")
