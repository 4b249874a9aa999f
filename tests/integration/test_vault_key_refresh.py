"""A runtime key refresh from Vault/OpenBao reads what it serves in as few requests as KV v2 allows.

The requests are counted by wrapping requests.Session.send (each one still goes to the real OpenBao dev
server): the metadata, the current version, and the previous version only while its grace period lasts.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from secret_targets import NAME, make_target
from secrets_support import BaoServer, Vendor, run_cli, write_repo

from platform_cli.manifest import load_manifest
from platform_cli.secrets import SecretReader


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every HTTP request made through requests, as 'METHOD path' (the real request is still sent)."""
    requests_made: list[str] = []
    real = requests.Session.send

    def send(self: requests.Session, prepared: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        requests_made.append(f"{prepared.method} {requests.utils.urlparse(prepared.url).path}")
        return real(self, prepared, **kwargs)

    monkeypatch.setattr(requests.Session, "send", send)
    yield requests_made


def _rotate(root: Path, vendor: Vendor, env: dict[str, str]) -> None:
    result = run_cli(root, "secrets", "rotate", NAME, "--command", vendor.mint_command, env=env)
    assert result.returncode == 0, result.stderr


def test_a_refresh_reads_metadata_and_current_then_previous_only_in_its_grace(
    request: pytest.FixtureRequest, bao: BaoServer, vendor: Vendor, tmp_path: Path, sent: list[str]
) -> None:
    target = make_target(request, "vault")
    root = write_repo(tmp_path / "repo", secrets_=[target.spec], base_url=vendor.base_url)
    _rotate(root, vendor, target.env)
    now = [0.0]
    reader = SecretReader(
        load_manifest(root / "ai-feature.yaml"), cache_ttl_s=30, env={**os.environ, **target.env},
        clock=lambda: now[0],
    )  # fmt: skip

    sent.clear()
    first = reader.get(NAME)
    assert first.reveal() == vendor.minted[0] and first.previous is None
    assert len(sent) == 2, sent  # metadata, current version

    _rotate(root, vendor, target.env)  # the old key stays valid as previous for the grace period
    now[0] = 31.0
    sent.clear()
    second = reader.get(NAME)
    assert second.reveal() == vendor.minted[1]
    assert second.previous is not None and second.previous.reveal() == vendor.minted[0]
    assert len(sent) == 3, sent  # metadata, current version, previous version
    assert all("/metadata/" in s or "/data/" in s for s in sent)
