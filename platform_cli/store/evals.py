"""Store queries of the eval harness: runs, per-case results, baselines with history, gate decisions."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields, replace

from platform_cli.store.engine import Engine, Row
from platform_cli.store.sql import evals as sql

RESULTS_PAGE = 5_000


@dataclass(frozen=True)
class EvalRunRecord:
    """One eval run: what was evaluated (suite, prompt version and hash, provider/model, dataset hash),
    when, and how it ended. `summary` and `gate` are JSON text (None while running)."""

    run_id: str
    feature: str
    suite: str
    suite_hash: str
    prompt: str
    prompt_version: int | None
    prompt_hash: str | None
    selector: str  # label:production | version:3 | variant:canary
    provider: str | None
    model: str | None
    dataset_hash: str
    cases: int  # planned results: dataset rows x repeats
    repeats: int
    status: str  # running | finished | interrupted | failed
    started_at: str
    finished_at: str | None
    summary: str | None
    verdict: str | None  # pass | fail
    gate: str | None
    run_file: str | None
    started_by: str
    offline: bool

    def values(self) -> tuple[object, ...]:
        return tuple(int(v) if isinstance(v, bool) else v for v in (getattr(self, n) for n in _RUN_FIELDS))


@dataclass(frozen=True)
class EvalResultRecord:
    """One scored answer of one case (and repeat). `scores` is JSON text: one entry per scorer."""

    run_id: str
    case_id: str
    repeat: int
    segment: str | None
    score: float
    passed: bool
    output_hash: str | None
    output: str | None
    scores: str
    latency_ms: float | None
    cost_usd: float | None
    cache_hit: bool
    error: str | None
    at: str

    def values(self) -> tuple[object, ...]:
        return tuple(int(v) if isinstance(v, bool) else v for v in (getattr(self, n) for n in _RESULT_FIELDS))


@dataclass(frozen=True)
class BaselineRecord:
    """One `eval baseline set`: the run a prompt's suite is compared against from then on."""

    id: int
    prompt: str
    suite: str
    run_id: str
    prompt_version: int | None
    prompt_hash: str | None
    set_at: str
    set_by: str
    reason: str


@dataclass(frozen=True)
class GateDecision:
    """A promotion or model change that went through the eval gate: passed, or overridden with a reason."""

    id: int
    kind: str  # promotion | model
    prompt: str
    version: int | None
    label: str | None
    model: str | None
    runs: str  # comma-separated run ids that passed (empty for an override with none)
    outcome: str  # passed | overridden
    reason: str
    behaviour_note: str
    decided_at: str
    decided_by: str


_RUN_FIELDS = [f.name for f in fields(EvalRunRecord)]
_RESULT_FIELDS = [f.name for f in fields(EvalResultRecord)]


def _run(row: Row) -> EvalRunRecord:
    record = EvalRunRecord(*row)
    return replace(record, offline=bool(record.offline), cases=int(record.cases), repeats=int(record.repeats))


def _result(row: Row) -> EvalResultRecord:
    record = EvalResultRecord(*row)
    return replace(
        record, passed=bool(record.passed), cache_hit=bool(record.cache_hit), score=float(record.score)
    )


def _baseline(row: Row) -> BaselineRecord:
    return BaselineRecord(int(row[0]), *row[1:])


def _decision(row: Row) -> GateDecision:
    return GateDecision(int(row[0]), *row[1:])


class EvalQueries:
    """Mixed into `Store`."""

    _db: Engine

    # --- runs ---------------------------------------------------------------------------------------------
    def add_eval_run(self, run: EvalRunRecord) -> None:
        self._db.execute(sql.INSERT_RUN, run.values())

    def eval_run(self, run_id: str) -> EvalRunRecord | None:
        row = self._db.fetchone(sql.SELECT_RUN, (run_id,))
        return None if row is None else _run(row)

    def eval_runs(self, suite: str | None = None, *, limit: int = 50) -> list[EvalRunRecord]:
        """Newest first: a suite's runs, or every run."""
        if suite is None:
            return [_run(r) for r in self._db.fetchall(sql.SELECT_RECENT_RUNS, (limit,))]
        return [_run(r) for r in self._db.fetchall(sql.SELECT_RUNS_OF_SUITE, (suite, limit))]

    def latest_finished_eval_run(self, suite: str) -> EvalRunRecord | None:
        row = self._db.fetchone(sql.SELECT_LATEST_FINISHED_RUN, (suite,))
        return None if row is None else _run(row)

    def finished_eval_runs_of(self, prompt: str, prompt_hash: str) -> list[EvalRunRecord]:
        """Finished runs of exactly this prompt content (any version number with that hash), newest first."""
        return [_run(r) for r in self._db.fetchall(sql.SELECT_RUNS_OF_PROMPT_HASH, (prompt, prompt_hash))]

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
        case, repeat = "", -1
        while True:
            rows = self._db.fetchall(sql.SELECT_RESULTS_PAGE, (run_id, case, case, repeat, RESULTS_PAGE))
            for row in rows:
                yield _result(row)
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
        row = self._db.fetchone(sql.SELECT_BASELINE, (prompt, suite))
        return None if row is None else _baseline(row)

    def eval_baseline_history(self, prompt: str, *, limit: int = 100) -> list[BaselineRecord]:
        """Every baseline ever set for the prompt's suites, newest first."""
        return [_baseline(r) for r in self._db.fetchall(sql.SELECT_BASELINE_HISTORY, (prompt, limit))]

    def eval_baseline_of_version(self, prompt: str, suite: str, version: int) -> BaselineRecord | None:
        """The latest baseline that was set from a run of `version` (what a rollback restores)."""
        row = self._db.fetchone(sql.SELECT_BASELINES_OF_VERSION, (prompt, suite, version))
        return None if row is None else _baseline(row)

    # --- gate decisions -----------------------------------------------------------------------------------
    def add_gate_decision(self, decision: GateDecision) -> None:
        self._db.execute(
            sql.INSERT_DECISION,
            (decision.kind, decision.prompt, decision.version, decision.label, decision.model,
             decision.runs, decision.outcome, decision.reason, decision.behaviour_note,
             decision.decided_at, decision.decided_by),
        )  # fmt: skip

    def gate_decisions(self, prompt: str, *, limit: int = 100) -> list[GateDecision]:
        return [_decision(r) for r in self._db.fetchall(sql.SELECT_DECISIONS, (prompt, limit))]
