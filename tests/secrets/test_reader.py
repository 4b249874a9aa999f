"""SecretReader: values hidden, cached briefly, refreshed after a rotation, previous during the grace."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest
from secrets_support import write_repo

from platform_cli.manifest import load_manifest
from platform_cli.secrets import Secret, SecretNotFound, SecretReader, rotation
from platform_cli.secrets.checks import NoCheck
from platform_cli.secrets.envfile import EnvFileBackend
from platform_cli.secrets.model import RotationMeta

SPEC = {"name": "API_KEY", "backend": "env-file", "path": ".env", "rotation_days": 90, "owner": "team-demo"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _rotate(root: Path, value: str) -> None:
    backend = EnvFileBackend("API_KEY", root / ".env")
    meta = RotationMeta("team-demo", 90)
    report = rotation.rotate(backend, name="API_KEY", source=lambda: value, check=NoCheck("t"), meta=meta)
    assert report.outcome == "rotated"


def test_secret_never_shows_its_value() -> None:
    secret = Secret("API_KEY", "sk-hidden-value-1234", version="3", backend="vault")
    for text in (repr(secret), str(secret), f"{secret}", f"{[secret]}", f"{ {'k': secret} }"):
        assert "sk-hidden" not in text and "1234" not in text
    assert repr(secret) == "Secret('API_KEY', backend='vault', version='3', value=***)"
    assert secret.reveal() == "sk-hidden-value-1234"
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(secret)


def test_a_rotation_is_picked_up_after_the_ttl_with_the_previous_key(tmp_path: Path) -> None:
    root = write_repo(tmp_path / "repo", secrets_=[SPEC], kind="fake")
    _rotate(root, "key-one")
    clock = Clock()
    reader = SecretReader(load_manifest(root / "ai-feature.yaml"), cache_ttl_s=30, env={}, clock=clock)
    first = reader.get("API_KEY")
    assert (first.reveal(), first.previous, first.backend) == ("key-one", None, "env-file")

    _rotate(root, "key-two")
    clock.now += 29
    assert reader.get("API_KEY").reveal() == "key-one"  # still cached
    clock.now += 2
    second = reader.get("API_KEY")
    assert second.reveal() == "key-two"
    assert second.previous is not None and second.previous.reveal() == "key-one"


def test_undeclared_and_missing_secrets(tmp_path: Path) -> None:
    root = write_repo(tmp_path / "repo", secrets_=[SPEC], kind="fake")
    manifest = load_manifest(root / "ai-feature.yaml")
    reader = SecretReader(manifest, env={"OTHER_KEY": "from-env", "API_KEY": "injected"})
    assert reader.get("OTHER_KEY").reveal() == "from-env"
    assert reader.get("API_KEY").reveal() == "injected"  # no .env: containers inject the variable
    with pytest.raises(SecretNotFound, match=r"run `platform secrets rotate API_KEY --stdin`"):
        SecretReader(manifest, env={}).get("API_KEY")
    with pytest.raises(SecretNotFound, match=r"neither declared in spec\.secrets"):
        SecretReader(manifest, env={}).get("NOPE_KEY")


def test_the_last_value_is_served_while_the_backend_fails(tmp_path: Path) -> None:
    root = write_repo(tmp_path / "repo", secrets_=[SPEC], kind="fake")
    _rotate(root, "key-one")
    clock = Clock()
    reader = SecretReader(load_manifest(root / "ai-feature.yaml"), cache_ttl_s=1, env={}, clock=clock)
    assert reader.get("API_KEY").reveal() == "key-one"
    (root / ".env").unlink()
    (root / ".env").mkdir()  # reading it now fails
    clock.now += 5
    assert reader.get("API_KEY").reveal() == "key-one"
    shutil.rmtree(root / ".env")
    (root / ".env").write_text("API_KEY=key-two\n", encoding="utf-8")
    clock.now += 0.5
    assert reader.get("API_KEY").reveal() == "key-one"  # retry waits
    clock.now += 1
    assert reader.get("API_KEY").reveal() == "key-two"
