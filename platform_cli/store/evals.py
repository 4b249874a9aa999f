"""Store queries of the eval harness: runs, per-case results, baselines with history, gate decisions."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from platform_cli.store.engine import Engine
from platform_cli.store.sql import evals as sql

if TYPE_CHECKING:
    from platform_cli.store.evals_records import BaselineRecord, EvalResultRecord, EvalRunRecord, GateDecision

# The record classes are re-exported: importing them from here loads them on first use (see __getattr__).
__all__ = [
    "RESULTS_PAGE",
    "BaselineRecord",
    "EvalQueries",
    "EvalResultRecord",
    "EvalRunRecord",
    "GateDecision",
]

RESULTS_PAGE = 5_000


class EvalQueries:
    """Mixed into `Store`."""

    _db: Engine

    # --- runs ---------------------------------------------------------------------------------------------
    def add_eval_run(self, run: EvalRunRecord) -> None:
        self._db.execute(sql.INSERT_RUN, run.values())

    def eval_run(self, run_id: str) -> EvalRunRecord | None:
        from platform_cli.store import evals_records as records

        row = self._db.fetchone(sql.SELECT_RUN, (run_id,))
        return None if row is None else records.read_run(row)

    def eval_runs(self, suite: str | None = None, *, limit: int = 50) -> list[EvalRunRecord]:
        """Newest first: a suite's runs, or every run."""
        from platform_cli.store import evals_records as records

        if suite is None:
            return [records.read_run(r) for r in self._db.fetchall(sql.SELECT_RECENT_RUNS, (limit,))]
        return [records.read_run(r) for r in self._db.fetchall(sql.SELECT_RUNS_OF_SUITE, (suite, limit))]

    def latest_finished_eval_run(self, suite: str) -> EvalRunRecord | None:
        from platform_cli.store import evals_records as records

        row = self._db.fetchone(sql.SELECT_LATEST_FINISHED_RUN, (suite,))
        return None if row is None else records.read_run(row)

    def finished_eval_runs_of(self, prompt: str, prompt_hash: str) -> list[EvalRunRecord]:
        """Finished runs of exactly this prompt content (any version number with that hash), newest first."""
        from platform_cli.store import evals_records as records

        return [
            records.read_run(r)
            for r in self._db.fetchall(sql.SELECT_RUNS_OF_PROMPT_HASH, (prompt, prompt_hash))
        ]

    def set_eval_run_status(self, run_id: str, status: str, at: str | None) -> None:
        self._db.execute(sql.UPDATE_RUN_STATUS, (status, at, run_id))

    def reopen_eval_run(self, run_id: str) -> None:
        """A resumed run: running again; errored results are dropped so their cases are tried again."""
        with self._db.transaction():
            self._db.execute(sql.UPDATE_RUN_RESUMED, (run_id,))
            self._db.execute(sql.DELETE_ERRORED_RESULTS, (run_id,))

    def finish_eval_run(
        self, run_id: str, *, status: str, at: str, summary: str, verdict: str | None, gate: str | None
    ) -> None:
        self._db.execute(sql.UPDATE_RUN_OUTCOME, (status, at, summary, verdict, gate, run_id))

    def set_eval_run_gate(self, run_id: str, verdict: str, gate: str) -> None:
        self._db.execute(sql.UPDATE_RUN_GATE, (verdict, gate, run_id))

    # --- results ------------------------------------------------------------------------------------------
    def add_eval_results(self, results: Sequence[EvalResultRecord]) -> None:
        """Record results in one transaction; a (run, case, repeat) already recorded is kept as it is."""
        if results:
            with self._db.transaction():
                self._db.executemany(sql.INSERT_RESULT, [r.values() for r in results])

    def eval_results(self, run_id: str) -> Iterator[EvalResultRecord]:
        """Every result of a run ordered by case and repeat, read page by page (memory stays flat)."""
        from platform_cli.store import evals_records as records

        case, repeat = "", -1
        while True:
            rows = self._db.fetchall(sql.SELECT_RESULTS_PAGE, (run_id, case, case, repeat, RESULTS_PAGE))
            for row in rows:
                yield records.read_result(row)
            if len(rows) < RESULTS_PAGE:
                return
            case, repeat = str(rows[-1][1]), int(rows[-1][2])

    def finished_eval_keys(self, run_id: str) -> set[tuple[str, int]]:
        """(case_id, repeat) of every result recorded without an error."""
        return {(str(c), int(r)) for c, r in self._db.fetchall(sql.SELECT_FINISHED_KEYS, (run_id,))}

    def count_eval_results(self, run_id: str) -> int:
        row = self._db.fetchone(sql.COUNT_RESULTS, (run_id,))
        return 0 if row is None else int(row[0])

    # --- baselines ----------------------------------------------------------------------------------------
    def add_eval_baseline(self, record: BaselineRecord) -> None:
        self._db.execute(
            sql.INSERT_BASELINE,
            (record.prompt, record.suite, record.run_id, record.prompt_version, record.prompt_hash,
             record.set_at, record.set_by, record.reason),
        )  # fmt: skip

    def eval_baseline(self, prompt: str, suite: str) -> BaselineRecord | None:
        """The current baseline of a prompt's suite (the latest one set)."""
        from platform_cli.store import evals_records as records

        row = self._db.fetchone(sql.SELECT_BASELINE, (prompt, suite))
        return None if row is None else records.read_baseline(row)

    def eval_baseline_history(self, prompt: str, *, limit: int = 100) -> list[BaselineRecord]:
        """Every baseline ever set for the prompt's suites, newest first."""
        from platform_cli.store import evals_records as records

        return [
            records.read_baseline(r) for r in self._db.fetchall(sql.SELECT_BASELINE_HISTORY, (prompt, limit))
        ]

    def eval_baseline_of_version(self, prompt: str, suite: str, version: int) -> BaselineRecord | None:
        """The latest baseline that was set from a run of `version` (what a rollback restores)."""
        from platform_cli.store import evals_records as records

        row = self._db.fetchone(sql.SELECT_BASELINES_OF_VERSION, (prompt, suite, version))
        return None if row is None else records.read_baseline(row)

    # --- gate decisions -----------------------------------------------------------------------------------
    def add_gate_decision(self, decision: GateDecision) -> None:
        self._db.execute(
            sql.INSERT_DECISION,
            (decision.kind, decision.prompt, decision.version, decision.label, decision.model,
             decision.runs, decision.outcome, decision.reason, decision.behaviour_note,
             decision.decided_at, decision.decided_by),
        )  # fmt: skip

    def gate_decisions(self, prompt: str, *, limit: int = 100) -> list[GateDecision]:
        from platform_cli.store import evals_records as records

        return [records.read_decision(r) for r in self._db.fetchall(sql.SELECT_DECISIONS, (prompt, limit))]


def __getattr__(name: str) -> Any:
    """A record class named in __all__ loads with its first use (see evals_records); nothing else does
    (the import system asks modules for attributes such as __path__)."""
    if name in __all__:
        from platform_cli.store import evals_records

        return getattr(evals_records, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
