"""Records of the eval harness (runs, per-case results, baselines, gate decisions), with their row readers.

Loaded by the first query that returns one: creating ~35 dataclasses was most of importing the store, and
a command reads the records of one or two parts at most."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from platform_cli.store.engine import Row


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
        return tuple(int(v) if isinstance(v, bool) else v for v in (getattr(self, n) for n in RUN_FIELDS))


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
        return tuple(int(v) if isinstance(v, bool) else v for v in (getattr(self, n) for n in RESULT_FIELDS))


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


RUN_FIELDS = [f.name for f in fields(EvalRunRecord)]
RESULT_FIELDS = [f.name for f in fields(EvalResultRecord)]


def read_run(row: Row) -> EvalRunRecord:
    record = EvalRunRecord(*row)
    return replace(record, offline=bool(record.offline), cases=int(record.cases), repeats=int(record.repeats))


def read_result(row: Row) -> EvalResultRecord:
    record = EvalResultRecord(*row)
    return replace(
        record, passed=bool(record.passed), cache_hit=bool(record.cache_hit), score=float(record.score)
    )


def read_baseline(row: Row) -> BaselineRecord:
    return BaselineRecord(int(row[0]), *row[1:])


def read_decision(row: Row) -> GateDecision:
    return GateDecision(int(row[0]), *row[1:])
