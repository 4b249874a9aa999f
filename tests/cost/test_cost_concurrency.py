"""8 serving processes x N calls against one store (SQLite file, then PostgreSQL): every usage event is
written, and no "database is locked" (or any store error) reaches a caller."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from runtime_support import publish_prompts, write_feature

from platform_cli.store import open_store

WORKER = Path(__file__).with_name("usage_worker.py")
PROCESSES = 8
CALLS = 60


def test_eight_processes_lose_no_usage_event(tmp_path: Path, store_url: str) -> None:
    repo = write_feature(tmp_path / "repo", name="concurrency")
    publish_prompts(repo, store_url)  # a shared store is published by CI, never on first use
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), str(repo), store_url, str(CALLS), f"p{n}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(PROCESSES)
    ]
    reports, stderr = [], []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-3000:]
        reports.append(json.loads(out.strip().splitlines()[-1]))
        stderr.append(err)
    assert [r["errors"] for r in reports] == [[]] * PROCESSES
    assert [(r["calls"], r["dropped"], r["flushed"]) for r in reports] == [(CALLS, 0, True)] * PROCESSES
    assert not any("database is locked" in err for err in stderr)
    with open_store(store_url) as store:
        events = store.usage_events("concurrency")
    assert len(events) == PROCESSES * CALLS
    tickets = {(e.user_hash, e.at) for e in events}
    assert len(tickets) == PROCESSES * CALLS  # no event written twice either
