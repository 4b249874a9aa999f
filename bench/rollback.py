"""`rollback`: `platform rollback prompt` end to end (plan with blast radius, seven journaled steps, audit)
on a store where the bad version left 5,000 cached answers, 10,000 turns and 10,000 usage events, against
the bare SQL a hand-made rollback would run in one transaction (label move, allocation row, cache DELETE,
turns UPDATE) on an identical copy. Every run works on a fresh copy of the prepared SQLite file."""

from __future__ import annotations

import shutil
import sqlite3
import statistics
import time
from pathlib import Path

from bench.harness import BenchContext, Measurement

NAME = "rollback"
RUNS = 7
CACHE_ROWS, CONVERSATIONS, USAGE_ROWS = 5_000, 5_000, 10_000


def _prepare(path: Path) -> None:
    from platform_cli.prompts.files import PromptFile
    from platform_cli.prompts.labels import promote
    from platform_cli.prompts.versions import publish
    from platform_cli.store import open_store
    from platform_cli.store.engine import utc_timestamp
    from platform_cli.store.runtime import CachedResponse, TurnRecord, UsageEvent

    def version(marker: str) -> PromptFile:
        content = {"messages": [{"role": "system", "content": f"Summarize.{marker}"},
                                {"role": "user", "content": "{{ ticket }}"}],
                   "variables": {"ticket": {"type": "string"}}, "parameters": {}, "written_for": {},
                   "output_schema": None}  # fmt: skip
        return PromptFile.from_content("summarize", content, version=None)

    now, later = utc_timestamp(), "9999-01-01T00:00:00.000000Z"
    with open_store(f"sqlite:///{path}") as store:
        publish(store, version(""), author="bench")
        promote(store, "summarize", 1, "production", author="bench", reason="launch")
        publish(store, version(" Briefly."), author="bench")
        promote(store, "summarize", 2, "production", author="bench", reason="v2")
        tags = {"feature": "bench", "prompt": "summarize", "prompt_version": 2, "prompt_hash": "h2"}
        with store.transaction():
            store.put_cached_responses([
                CachedResponse(cache_key=f"k{i}", provider="p", model="m", response='{"text":"a"}',
                               created_at=now, expires_at=later, **tags)
                for i in range(CACHE_ROWS)
            ])  # fmt: skip
            for i in range(CONVERSATIONS):
                common = dict(conversation_id=f"c{i}", exchange_id=f"e{i}", variant=None, provider="p",
                              model="m", user_hash=f"u{i % 500}", created_at=now, **tags)  # fmt: skip
                store.add_turns(
                    [
                        TurnRecord(role="user", content="q", **common),  # type: ignore[arg-type]
                        TurnRecord(role="assistant", content="a", **common),
                    ]
                )  # type: ignore[arg-type]
            store.add_usage_events([
                UsageEvent(at=now, operation="complete", label="production", variant=None, segment=None,
                           user_hash=f"u{i % 500}", conversation_id=None, provider="p", model="m",
                           input_tokens=100, output_tokens=20, cache_read_tokens=0, cache_write_tokens=0,
                           reasoning_tokens=0, latency_ms=5.0, finish_reason="stop", refusal=False,
                           cache_hit=False, fallback_used=False, attempts=1, error=None, **tags)
                for i in range(USAGE_ROWS)
            ])  # fmt: skip


def _ours(path: Path) -> float:
    from platform_cli.rollback import rollback_prompt
    from platform_cli.store import open_store

    with open_store(f"sqlite:///{path}") as store:
        started = time.perf_counter()
        outcome = rollback_prompt(
            store, feature="bench", prompt="summarize", history_policy="quarantine", reason="bench",
            actor="bench",
        )  # fmt: skip
        elapsed = time.perf_counter() - started
    assert outcome.status == "done" and outcome.plan.blast_radius["cache"]["entries"] == CACHE_ROWS
    return elapsed


def _bare(path: Path) -> float:
    db = sqlite3.connect(path, isolation_level=None)
    try:
        started = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.execute(
            "UPDATE prompt_labels SET version = 1, moved_at = 'now', moved_by = 'bench'"
            " WHERE prompt = 'summarize' AND label = 'production'"
        )
        db.execute(
            "INSERT INTO prompt_label_moves (prompt, label, from_version, to_version, moved_at, moved_by,"
            " reason) VALUES ('summarize', 'production', 2, 1, 'now', 'bench', 'bench')"
        )
        db.execute("DELETE FROM response_cache WHERE prompt = 'summarize' AND prompt_version = 2")
        db.execute(
            "UPDATE conversation_turns SET quarantined_at = 'now', quarantine_reason = 'bench'"
            " WHERE prompt = 'summarize' AND prompt_version = 2 AND quarantined_at IS NULL"
        )
        db.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        db.close()


def run(ctx: BenchContext) -> list[Measurement]:
    work = ctx.fresh_dir("rollback")
    prepared = work / "prepared.db"
    _prepare(prepared)
    runs = ctx.runs(RUNS)
    ours, bare = [], []
    for number in range(runs + 1):  # the first pair warms up (imports, page cache)
        copies = [work / f"ours-{number}.db", work / f"bare-{number}.db"]
        for copy in copies:
            shutil.copyfile(prepared, copy)
        timings = (_ours(copies[0]), _bare(copies[1]))
        if number:
            ours.append(timings[0])
            bare.append(timings[1])
    return [
        Measurement(
            NAME,
            "rollback prompt (plan, 7 journaled steps, audit)",
            statistics.median(ours),
            "bare SQL: label move, cache DELETE, turns UPDATE",
            statistics.median(bare),
            runs,
            f"SQLite; the bad version left {CACHE_ROWS} cached answers, {2 * CONVERSATIONS} turns,"
            f" {USAGE_ROWS} usage events",
        )
    ]
