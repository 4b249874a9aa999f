"""What each real backend holds after rotations (Vault KV v2 metadata and cas, Secrets Manager labels read
by VersionStage), the runtime reader picking up a rotation without a restart, and the dev server's
listeners on loopback only."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests
from secret_targets import NAME, make_target
from secrets_support import BaoServer, MotoServer, Vendor, run_cli, write_repo

from platform_cli.manifest import load_manifest
from platform_cli.secrets import SecretReader, open_backend
from platform_cli.secrets.model import RotationMeta


def _rotate(root: Path, vendor: Vendor, env: dict[str, str]) -> None:
    result = run_cli(root, "secrets", "rotate", NAME, "--command", vendor.mint_command, env=env)
    assert result.returncode == 0, result.stderr


def test_vault_metadata_versions_and_cas(
    request: pytest.FixtureRequest, bao: BaoServer, vendor: Vendor, tmp_path: Path
) -> None:
    target = make_target(request, "vault")
    root = write_repo(tmp_path / "repo", secrets_=[target.spec], base_url=vendor.base_url)
    for _ in range(3):
        _rotate(root, vendor, target.env)
    path = target.spec["path"]
    meta = bao.api("GET", f"secret/metadata/{path}")["data"]
    assert meta["max_versions"] >= 2 and meta["cas_required"] is True
    assert meta["current_version"] == 3
    custom = meta["custom_metadata"]
    assert custom["owner"] == "team-demo" and custom["rotation_days"] == "90"
    assert custom["last_rotated"].endswith("Z") and custom["previous_version"] == "2"
    assert not any(
        key.startswith("rotation_") or key == "rotation" for key in custom if key != "rotation_days"
    )
    assert bao.api("GET", f"secret/metadata/{path}.pending") is None
    # a writer without cas is refused by the secret itself (cas_required), so no write can skip cas
    response = requests.post(
        f"{bao.addr}/v1/secret/data/{path}",
        json={"data": {"value": "x"}},
        headers={"X-Vault-Token": bao.token},
        timeout=5,
    )
    assert response.status_code == 400 and "check-and-set" in response.text

    # someone else writes between our test and our finish: cas stops us, their value stays
    manifest = load_manifest(root / "ai-feature.yaml")
    backend = open_backend(manifest.secrets[0], root, target.env)
    backend.begin("token-race-01", RotationMeta("team-demo", 90), initial=False)
    backend.put_pending("token-race-01", vendor.minted[-1] + "-unused")
    requests.post(
        f"{bao.addr}/v1/secret/data/{path}",
        json={"options": {"cas": 3}, "data": {"value": "written-by-someone-else"}},
        headers={"X-Vault-Token": bao.token},
        timeout=5,
    ).raise_for_status()
    resumed = run_cli(root, "secrets", "rotate", NAME, "--test-command", "true", env=target.env)
    assert resumed.returncode == 2
    assert "was written by someone else during rotation token-race-01" in resumed.stderr
    assert target.read(root, "current") == "written-by-someone-else"
    assert run_cli(root, "secrets", "rotate", NAME, "--abort", env=target.env).returncode == 0
    assert target.read(root, "current") == "written-by-someone-else"


def test_secrets_manager_labels_by_version_stage(
    request: pytest.FixtureRequest, moto: MotoServer, vendor: Vendor, tmp_path: Path
) -> None:
    target = make_target(request, "aws")
    root = write_repo(tmp_path / "repo", secrets_=[target.spec], base_url=vendor.base_url)
    client, secret_id = moto.client(), target.spec["path"]
    for _ in range(3):
        _rotate(root, vendor, target.env)
    current = client.get_secret_value(SecretId=secret_id, VersionStage="AWSCURRENT")
    previous = client.get_secret_value(SecretId=secret_id, VersionStage="AWSPREVIOUS")
    assert (current["SecretString"], previous["SecretString"]) == (vendor.minted[2], vendor.minted[1])
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_secret_value(SecretId=secret_id, VersionStage="AWSPENDING")
    tags = {t["Key"]: t["Value"] for t in client.describe_secret(SecretId=secret_id)["Tags"]}
    assert tags["platform:owner"] == "team-demo" and tags["platform:rotation-days"] == "90"
    assert "platform:last-rotated" in tags and "platform:rotation" not in tags


@pytest.mark.parametrize("kind", ["vault", "aws"])
def test_runtime_reader_picks_up_a_rotation_and_keeps_the_previous_key(
    kind: str, request: pytest.FixtureRequest, vendor: Vendor, tmp_path: Path
) -> None:
    target = make_target(request, kind)
    root = write_repo(tmp_path / "repo", secrets_=[target.spec], base_url=vendor.base_url)
    _rotate(root, vendor, target.env)
    now = [0.0]
    reader = SecretReader(
        load_manifest(root / "ai-feature.yaml"),
        cache_ttl_s=30,
        env={**os.environ, **target.env},
        clock=lambda: now[0],
    )
    first = reader.get(NAME)
    assert (first.reveal(), first.previous) == (vendor.minted[0], None)
    _rotate(root, vendor, target.env)  # another process rotates
    assert reader.get(NAME).reveal() == vendor.minted[0]  # cached
    now[0] = 31.0
    second = reader.get(NAME)
    assert second.reveal() == vendor.minted[1]
    assert second.previous is not None and second.previous.reveal() == vendor.minted[0]
    assert vendor.minted[1] not in repr(second)


def _listening_addresses(pid: int) -> set[str]:
    """Local addresses of the TCP sockets process `pid` listens on (from /proc, Linux only)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # LISTEN
                found.add(fields[1].split(":")[0])
    return found


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc")
def test_the_openbao_dev_server_listens_on_loopback_only(bao: BaoServer) -> None:
    addresses = _listening_addresses(bao.proc.pid)
    assert addresses == {"0100007F"}  # 127.0.0.1, little-endian hex
