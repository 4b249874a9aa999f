"""Two real processes sharing one store (SQLite file or PostgreSQL database) share cache and turns."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from runtime_support import publish_prompts, write_feature

WORKER = Path(__file__).with_name("runtime_worker.py")


class Worker:
    def __init__(self, repo: Path, url: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER), str(repo), url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def ask(self, command: str) -> Any:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            stderr = self.proc.stderr.read() if self.proc.stderr else ""
            raise AssertionError(f"worker died on {command!r}: {stderr[-2000:]}")
        return json.loads(line)

    def stop(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        assert self.proc.returncode == 0


@pytest.fixture
def workers(tmp_path: Path, store_url: str) -> Iterator[tuple[Worker, Worker]]:
    repo = write_feature(tmp_path / "repo")
    publish_prompts(repo, store_url)  # a shared store is published by CI, never on first use
    first, second = Worker(repo, store_url), Worker(repo, store_url)
    try:
        yield first, second
    finally:
        first.stop()
        second.stop()


def test_each_process_sees_the_others_cache_and_history(workers: tuple[Worker, Worker]) -> None:
    a, b = workers

    miss = a.ask("complete The invoice was paid twice")
    assert miss["cache_hit"] is False
    assert a.ask("flush") == {"flushed": True}  # cache entries reach the store through the writer
    hit = b.ask("complete The invoice was paid twice")
    assert hit["pid"] != miss["pid"]
    assert (hit["cache_hit"], hit["text"], hit["version"]) == (True, miss["text"], miss["version"])

    assert a.ask("chat conv-1 Hello from A")["history_turns"] == 0
    assert b.ask("chat conv-1 Hello from B")["history_turns"] == 2  # A's exchange, read by B
    assert a.ask("chat conv-1 Back to A")["history_turns"] == 4
    history = b.ask("history conv-1")
    assert [m["content"] for m in history if m["role"] == "user"] == [
        "Hello from A",
        "Hello from B",
        "Back to A",
    ]
    assert a.ask("history conv-1") == history
