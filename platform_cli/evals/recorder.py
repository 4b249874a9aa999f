"""Where results go as they finish: the state store (the truth CI and `--resume` read) and a JSONL run file.

A writer thread with its own store connection commits results in small batches (every `batch_size` rows
or `max_delay_s`), then appends the same rows to the run file; the caller only appends to a list, so the
calls in flight are never held up by a commit. A process killed between two batches loses at most one
batch of results, and `--resume` calls exactly those cases again. The run file is rebuilt from the store
when a run resumes, so it never holds a result the store does not.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import IO

from platform_cli.evals.model import CaseResult
from platform_cli.store import Store, open_store
from platform_cli.store.engine import utc_timestamp
from platform_cli.store.evals import EvalResultRecord

OUTPUT_CHARS = 8_000  # an answer longer than this is stored cut (its hash is of the whole answer)


def record_of(run_id: str, result: CaseResult) -> EvalResultRecord:
    output = result.output
    return EvalResultRecord(
        run_id=run_id, case_id=result.case_id, repeat=result.repeat, segment=result.segment,
        score=result.score, passed=result.passed, output_hash=result.output_hash,
        output=None if output is None else output[:OUTPUT_CHARS], scores=result.scores_json(),
        latency_ms=result.latency_ms, cost_usd=result.cost_usd, cache_hit=result.cache_hit,
        error=result.error, at=utc_timestamp(),
    )  # fmt: skip


def line_of(record: EvalResultRecord) -> str:
    return json.dumps(
        {
            "run": record.run_id,
            "case": record.case_id,
            "repeat": record.repeat,
            "segment": record.segment,
            "score": record.score,
            "pass": record.passed,
            "scores": json.loads(record.scores),
            "output": record.output,
            "output_hash": record.output_hash,
            "latency_ms": record.latency_ms,
            "cost_usd": record.cost_usd,
            "cache_hit": record.cache_hit,
            "error": record.error,
        },
        ensure_ascii=False,
    )


def rebuild_run_file(store: Store, run_id: str, path: Path) -> int:
    """Rewrite the run file from the store's results (a resumed run); return how many lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    count = 0
    with temporary.open("w", encoding="utf-8") as handle:
        for record in store.eval_results(run_id):
            handle.write(line_of(record) + "\n")
            count += 1
    os.replace(temporary, path)
    return count


class ResultRecorder:
    def __init__(
        self,
        store_url: str,
        run_id: str,
        run_file: Path | None,
        *,
        batch_size: int = 64,
        max_delay_s: float = 0.25,
    ) -> None:
        self.store_url = store_url
        self.run_id = run_id
        self.run_file = run_file
        self.batch_size = batch_size
        self.max_delay_s = max_delay_s
        self.written = 0
        self.error: BaseException | None = None
        self._pending: list[EvalResultRecord] = []
        self._oldest = 0.0
        self._closing = False
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="eval-result-writer", daemon=True)
        self._thread.start()

    def add(self, result: CaseResult) -> None:
        record = record_of(self.run_id, result)
        with self._cond:
            if self.error is not None:
                raise self.error
            if not self._pending:
                self._oldest = time.monotonic()
            self._pending.append(record)
            if len(self._pending) >= self.batch_size:
                self._cond.notify_all()

    def close(self) -> None:
        """Write everything pending and stop; re-raises a store failure (nothing is silently dropped)."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join()
        if self.error is not None:
            raise self.error

    def _take(self) -> list[EvalResultRecord] | None:
        with self._cond:
            while True:
                if self._pending:
                    due = self._oldest + self.max_delay_s
                    if self._closing or len(self._pending) >= self.batch_size or time.monotonic() >= due:
                        batch, self._pending = self._pending, []
                        return batch
                    self._cond.wait(max(0.0, due - time.monotonic()))
                elif self._closing:
                    return None
                else:
                    self._cond.wait()

    def _run(self) -> None:
        store: Store | None = None
        handle: IO[str] | None = None
        try:
            store = open_store(self.store_url)
            if self.run_file is not None:
                self.run_file.parent.mkdir(parents=True, exist_ok=True)
                handle = self.run_file.open("a", encoding="utf-8")
            while (batch := self._take()) is not None:
                store.add_eval_results(batch)
                if handle is not None:
                    handle.write("".join(line_of(r) + "\n" for r in batch))
                    handle.flush()
                self.written += len(batch)
        except BaseException as error:  # reported by add()/close() in the caller's thread
            with self._cond:
                self.error = error
        finally:
            if handle is not None:
                handle.close()
            if store is not None:
                store.close()
