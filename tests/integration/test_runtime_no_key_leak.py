"""Planted API keys never appear in output, logs, exception text, reprs, files or the store's tables.

A separate process runs the runtime against the loopback server, whose error bodies quote the key back
(as OpenAI's 401 does), and prints everything; the test greps all of it for the keys and their pieces.
"""

from __future__ import annotations

import os
import random
import sqlite3
import string
import subprocess
import sys
from pathlib import Path

from llm_server import ANTHROPIC_PATH, OPENAI_PATH, LLMServer, Reply, running_llm_server
from runtime_support import anthropic_entry, openai_entry, write_feature

_RNG = random.Random()
OPENAI_KEY = "sk-proj-" + "".join(_RNG.choice(string.ascii_letters + string.digits) for _ in range(40))
ANTHROPIC_KEY = "sk-ant-api03-" + "".join(
    _RNG.choice(string.ascii_letters + string.digits) for _ in range(40)
)
WORKER = Path(__file__).with_name("leak_worker.py")


def _pieces(key: str) -> list[str]:
    """The key, and parts of it that a masked or truncated copy would still show."""
    body = key.split("-")[-1]
    return [key, body[:12], body[14:26], body[-8:]]


def _echo(key: str, status: int) -> Reply:
    return Reply(status, {"error": {"type": "error", "message": f"Incorrect API key provided: {key}"}})


def _script(server: LLMServer) -> None:
    # call 1: the primary refuses the key (quoting it), the fallback answers
    server.script(OPENAI_PATH, _echo(OPENAI_KEY, 401))
    server.script(ANTHROPIC_PATH, Reply())
    # call 2: everything fails, each body quoting the key
    server.script(OPENAI_PATH, _echo(OPENAI_KEY, 500), _echo(OPENAI_KEY, 500))
    server.script(ANTHROPIC_PATH, _echo(ANTHROPIC_KEY, 429), _echo(ANTHROPIC_KEY, 403))
    # call 3 (chat): the primary answers; call 4 fails uncaught
    server.script(OPENAI_PATH, Reply(), _echo(OPENAI_KEY, 403))
    server.script(ANTHROPIC_PATH, _echo(ANTHROPIC_KEY, 401))


def _store_dump(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return "\n".join(repr(row) for table in tables for row in conn.execute(f'SELECT * FROM "{table}"'))


def test_planted_keys_appear_nowhere(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    log_file = tmp_path / "runtime.log"
    with running_llm_server() as server:
        write_feature(
            repo,
            [openai_entry(server.base_url, max_retries=1), anthropic_entry(server.base_url, max_retries=1)],
        )
        _script(server)
        env = {**os.environ, "OPENAI_API_KEY": OPENAI_KEY, "ANTHROPIC_API_KEY": ANTHROPIC_KEY}
        env.pop("PLATFORM_OFFLINE", None)
        proc = subprocess.run(
            [sys.executable, str(WORKER), str(repo), str(log_file)],
            env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        sent = [r.headers for r in server.requests]

    # The keys were really used: every request carried one, and the run went where the script sends it.
    assert f"Bearer {OPENAI_KEY}" in [h.get("Authorization") for h in sent]
    assert ANTHROPIC_KEY in [h.get("x-api-key") for h in sent]
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "caught: prompt 'summarize': every provider failed" in proc.stdout
    assert "Traceback" in proc.stderr and "AllProvidersFailed" in proc.stderr
    assert "HTTP 401" in proc.stdout + proc.stderr + log_file.read_text()

    haystacks = {"stdout": proc.stdout, "stderr": proc.stderr, "log": log_file.read_text()}
    db = repo / ".platform" / "state.db"
    haystacks["store tables"] = _store_dump(db)
    for path in [*repo.rglob("*"), *tmp_path.glob("*")]:
        if path.is_file():
            haystacks[str(path)] = path.read_bytes().decode("utf-8", "replace")
    assert haystacks["store tables"].count("summarize") >= 4  # usage events and turns are there
    for key in (OPENAI_KEY, ANTHROPIC_KEY):
        for piece in _pieces(key):
            leaks = [name for name, text in haystacks.items() if piece in text]
            assert leaks == [], f"a piece of a planted key appears in {leaks}"
