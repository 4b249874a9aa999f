"""A real Backstage catalog backend for tests, on 127.0.0.1, from the npm install in the user cache.

`make test` installs it (tests/backstage_backend/install.py); this module starts `node backend.cjs` with
its working directory in the install folder (Backstage finds its package root from there), an in-memory
SQLite database, a free port and a static external-access token, waits until the catalog answers, and
stops it by its PID.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import requests
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent / "backstage_backend"))
import install as backend_install

# Resolved at import (collection), before the autouse fixture moves HOME and XDG_CACHE_HOME.
INSTALL_DIR = backend_install.install_dir()
KINDS = ["Component", "System", "API", "Resource", "Location", "Template", "Group", "User", "Domain"]


def unavailable_reason() -> str | None:
    """Why the backend cannot run here, or None when it can."""
    reason = backend_install.missing_toolchain()
    if reason:
        return reason
    if not backend_install.is_installed(INSTALL_DIR):
        return (
            f"the Backstage test backend is not installed in {INSTALL_DIR} "
            "(`make test` installs it: python tests/backstage_backend/install.py)"
        )
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class BackstageServer:
    base: Path  # temp dir with the config and log
    port: int
    token: str
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 30) -> str:
        log = self.base / "backstage.log"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""

    def stop(self) -> None:
        """SIGTERM by PID (Backstage shuts down in about a second), SIGKILL if it hangs; remove its files."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.base, ignore_errors=True)


def _config(port: int, token: str) -> dict[str, object]:
    return {
        "backend": {
            "baseUrl": f"http://127.0.0.1:{port}",
            "listen": {"host": "127.0.0.1", "port": port},
            "database": {"client": "better-sqlite3", "connection": ":memory:"},
            "auth": {
                "externalAccess": [
                    {"type": "static", "options": {"token": token, "subject": "platform-cli-tests"}}
                ]
            },
        },
        # The default rules accept only Component, API and Location entities.
        "catalog": {"rules": [{"allow": KINDS}]},
    }


def start_server(timeout: float = 90.0) -> BackstageServer:
    """Start the backend on a free port and wait until GET /api/catalog/entities answers 200."""
    reason = unavailable_reason()
    if reason:
        raise RuntimeError(reason)
    base = Path(tempfile.mkdtemp(prefix="platform-backstage-"))
    port = _free_port()
    token = secrets.token_hex(16)
    config = base / "app-config.yaml"
    config.write_text(yaml.safe_dump(_config(port, token)), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BACKSTAGE_", "APP_CONFIG_"))}
    env["NODE_ENV"] = "development"
    with open(base / "backstage.log", "wb") as log:
        process = subprocess.Popen(
            ["node", "backend.cjs", "--config", str(config)],
            cwd=INSTALL_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = BackstageServer(base=base, port=port, token=token, process=process)
    deadline = time.monotonic() + timeout
    headers = {"Authorization": f"Bearer {token}"}
    while True:
        try:
            answer = requests.get(f"{server.url}/api/catalog/entities?limit=1", headers=headers, timeout=2)
            if answer.status_code == 200:
                return server
        except requests.RequestException:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            tail = server.log_tail()
            server.stop()
            raise RuntimeError(f"the Backstage backend did not start; its log ends:\n{tail}")
        time.sleep(0.2)
