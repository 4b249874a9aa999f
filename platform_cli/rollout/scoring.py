"""Online scoring: score the live answers the runtime sampled, off the request path, with the eval
harness's scorers: those listed in spec.rollout.online_scoring.scorers, and those of its `suite` that need
no expected value.

Why a pass over stored samples and not a worker in the serving process (measured in `python -m bench
runtime-overhead`): the serving process only appends a sample to its background writer's batch (the call
pays a few microseconds, a deterministic scorer would add its own cost to every sampled call's process
and a judge a provider round trip); samples outlive restarts; a judge runs with its own budget where it
is accounted for; and every replica's samples are scored in one place. `platform rollout watch` runs this
pass before it judges, so a schedule needs one command.

A scorer that reads the case's `expected` value cannot judge a live answer (users bring no expected
answers): such scorers are left out and named, never scored as failures. The judge scorer runs only with
`judge_budget_usd` set; when the judge's answers have cost that much today, the pass stops and the samples
left over wait for the next day (every score then includes the judge's verdict, so cohorts compare);
unpriced judge answers stop it too, since the budget could not be kept.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from platform_cli.errors import InvalidFile, Problem, UserError
from platform_cli.evals.model import Answer, CallError, Case, combine
from platform_cli.evals.scorers.base import Configured, JudgeCall, ScorerConfigError, ScorerContext
from platform_cli.evals.suites import ScorerEntry, build_entry, scorer_entry
from platform_cli.manifest import Manifest
from platform_cli.manifest.model import OnlineScoring
from platform_cli.store.engine import utc_timestamp
from platform_cli.yamlfile import render_path

if TYPE_CHECKING:
    from platform_cli.store import Store
    from platform_cli.store.rollout_records import OnlineSample, SampleScore

BATCH = 500
MANIFEST_SCORERS = "ai-feature.yaml"  # what a score records as its suite when the manifest lists scorers
Judge = Callable[[JudgeCall], Answer]
_PATH = ["spec", "rollout", "online_scoring"]


@dataclass
class ScoringResult:
    """What one pass of online scoring did: which scorers ran, how many answers were scored, judge spend."""

    configured: bool
    suite: str | None = None
    scorers: list[str] = field(default_factory=list)
    left_out: dict[str, str] = field(default_factory=dict)  # scorer id -> why it cannot score live answers
    scored: int = 0
    unscored_left: int = 0
    judge_spent_today_usd: float = 0.0
    judge_stopped: str | None = None
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Plan:
    """The scorers for live answers: where they are declared, and which prompt they judge (None: all)."""

    name: str
    content_hash: str
    prompt: str | None
    entries: tuple[tuple[ScorerEntry, Callable[[ScorerEntry, ScorerConfigError], Problem]], ...]

    @property
    def wants_judge(self) -> bool:
        return any(entry.type == "judge" for entry, _ in self.entries)


def plan_of(manifest: Manifest, online: OnlineScoring) -> Plan:
    """The manifest's scorers, then the suite's; InvalidFile located at the manifest's line for a bad one."""
    entries, problems = [], []
    for index, item in enumerate(online.scorers):
        path: list[str | int] = [*_PATH, "scorers", index]
        try:
            entry = scorer_entry(index, item, manifest.line_of(path))
            build_entry(entry, ScorerContext(manifest.root, None, judge=_no_judge))  # its options check out
        except ScorerConfigError as error:
            problems.append(_problem(manifest, path, error))
            continue
        entries.append((entry, lambda e, error, p=path: _problem(manifest, p, error)))
    if problems:
        raise InvalidFile(manifest.display, problems, "online scoring")
    name, prompt = MANIFEST_SCORERS, None
    content = json.dumps(online.scorers, sort_keys=True, default=str)
    if online.suite is not None:
        suite = _suite(manifest, online.suite)
        name, prompt, content = suite.name, suite.prompt, content + suite.content_hash
        entries.extend((entry, suite.scorer_problem) for entry in suite.scorers)
    digest = hashlib.sha256(content.encode()).hexdigest()
    return Plan(name, digest, prompt, tuple(entries))


def _problem(manifest: Manifest, path: list[str | int], error: ScorerConfigError) -> Problem:
    if error.key and manifest.loaded.position([*path, error.key]) is not None:
        path = [*path, error.key]
    line, column = manifest.loaded.locate(path) or (None, None)
    return Problem(manifest.display, line, column, render_path(path), str(error), error.hint)


def _suite(manifest: Manifest, name: str) -> Any:
    from platform_cli.evals.project import find_project_suite

    try:
        return find_project_suite(manifest, name)
    except InvalidFile:
        raise
    except UserError as error:
        line = manifest.line_of([*_PATH, "suite"])
        raise UserError(
            f"{manifest.display}:{line or 1}: spec.rollout.online_scoring.suite: {error}"
        ) from None


def live_scorers(plan: Plan, ctx: ScorerContext, *, judge: bool) -> tuple[list[Configured], dict[str, str]]:
    """The plan's scorers that can judge a live answer, and why each other one cannot."""
    left_out: dict[str, str] = {}
    built, problems = [], []
    for entry, locate in plan.entries:
        if entry.type == "judge" and not judge:
            left_out[entry.config.id] = "judge: runs only with spec.rollout.online_scoring.judge_budget_usd"
            continue
        try:
            built.append(build_entry(entry, ctx))
        except ScorerConfigError as error:
            problems.append(locate(entry, error))
    if problems:
        raise InvalidFile(problems[0].file, problems, "online scoring")
    probe = Case(id="live-answer", input={}, expected=None)
    usable = []
    for scorer in built:
        if scorer.config.type != "judge":
            missing = scorer.config.missing_reason(probe)
            if scorer(Answer(text="A live answer."), probe).reason.startswith(missing):
                left_out[scorer.id] = "needs an expected value (live answers have none); give it `value:`"
                continue
        usable.append(scorer)
    return usable, left_out


def check(manifest: Manifest) -> ScoringResult:
    """What the pass would score with, without touching the store (readiness, `rollout score --dry-run`)."""
    online = manifest.rollout.online_scoring if manifest.rollout else None
    if online is None:
        return ScoringResult(False)
    plan = plan_of(manifest, online)
    ctx = _context(manifest, plan, None)
    scorers, left_out = live_scorers(plan, ctx, judge=online.judge_budget_usd is not None)
    return ScoringResult(True, plan.name, [s.id for s in scorers], left_out, dry_run=True)


def _context(manifest: Manifest, plan: Plan, judge: Judge | None) -> ScorerContext:
    return ScorerContext(
        manifest.root, _output_schema(manifest, plan.prompt), judge=judge or _no_judge,
        providers=tuple(p.name for p in manifest.providers),
    )  # fmt: skip


def _no_judge(call: JudgeCall) -> Answer:
    raise _JudgeStopped("the judge is not called when checking the scorers")


def _answer(sample: OnlineSample) -> Answer:
    return Answer(
        text=sample.output, refusal=sample.refusal, finish_reason=sample.finish_reason or "stop",
        latency_ms=sample.latency_ms, cost_usd=sample.cost_usd, provider=sample.provider, model=sample.model,
        prompt_version=sample.prompt_version, prompt_hash=sample.prompt_hash, cache_hit=sample.cache_hit,
        input_tokens=sample.input_tokens, output_tokens=sample.output_tokens,
    )  # fmt: skip


class _BudgetedJudge:
    """Calls the judge while today's spend is under budget; records what each sample's grading cost."""

    def __init__(self, call: Judge, budget: float, spent: float) -> None:
        self.call, self.budget, self.spent = call, budget, spent
        self.sample_cost = 0.0
        self.stopped: str | None = None

    def __call__(self, request: JudgeCall) -> Answer:
        if self.stopped is None and self.spent >= self.budget:
            self.stopped = f"today's judge budget ${self.budget:g} is spent"
        if self.stopped is not None:
            raise _JudgeStopped(self.stopped)
        try:
            answer = self.call(request)
        except CallError as error:  # no verdict (rate-limited, provider down): this pass stops, none lost
            why = "rate-limited" if error.rate_limited else "failed"
            self.stopped = f"the judge's call {why} ({error}): the rest wait for the next pass"
            raise _JudgeStopped(self.stopped) from None
        if answer.cost_usd is None:
            self.stopped = f"the judge's answers are unpriced ({answer.model}): its budget cannot be kept"
            raise _JudgeStopped(self.stopped)
        self.spent += answer.cost_usd
        self.sample_cost += answer.cost_usd
        return answer


class _JudgeStopped(Exception):
    """Raised into the judge scorer (which fails that verdict); the sample is then left unscored."""


def score_pending(
    store: Store,
    manifest: Manifest,
    *,
    judge: Judge | None = None,
    limit: int = 20_000,
    dry_run: bool = False,
) -> ScoringResult:
    """Score up to `limit` unscored samples of the feature, oldest first."""
    online = manifest.rollout.online_scoring if manifest.rollout else None
    if online is None:
        return ScoringResult(False)
    plan = plan_of(manifest, online)
    day = dt.datetime.fromisoformat(utc_timestamp()[:10]).replace(tzinfo=dt.timezone.utc)
    spent = store.judge_spent(manifest.name, utc_timestamp(day), utc_timestamp(day + dt.timedelta(days=1)))
    budget = online.judge_budget_usd
    wants_judge = budget is not None and plan.wants_judge
    budgeted = _BudgetedJudge(judge, budget, spent) if wants_judge and judge and budget is not None else None
    scorers, left_out = live_scorers(plan, _context(manifest, plan, budgeted), judge=budget is not None)
    result = ScoringResult(True, plan.name, [s.id for s in scorers], left_out, dry_run=dry_run)
    result.judge_spent_today_usd = spent
    if wants_judge and (budgeted is None or spent >= budgeted.budget):
        # every score includes the judge's verdict, or the cohorts' scores would not compare: wait
        result.judge_stopped = (
            "the judge is not available here"
            if budgeted is None
            else f"today's judge budget ${budget:g} is spent"
        )
        scorers = []
    if not scorers or dry_run:
        result.unscored_left = store.count_unscored_samples(manifest.name)
        return result
    after = 0
    while result.scored < limit:
        batch = store.unscored_samples(manifest.name, after_id=after, limit=min(BATCH, limit - result.scored))
        if not batch:
            break
        scores = []
        for sample in batch:
            after = sample.id
            scored = _score(sample, plan, scorers, budgeted)
            if scored is None:  # the judge stopped: leave this one (and the rest) for the next pass
                break
            scores.append(scored)
        store.set_sample_scores(scores)
        result.scored += len(scores)
        if len(scores) < len(batch):
            break
    if budgeted is not None:
        result.judge_spent_today_usd, result.judge_stopped = budgeted.spent, budgeted.stopped
    result.unscored_left = store.count_unscored_samples(manifest.name)
    return result


def _score(
    sample: OnlineSample, plan: Plan, scorers: list[Configured], judge: _BudgetedJudge | None
) -> SampleScore | None:
    from platform_cli.store.rollout_records import SampleScore

    now = utc_timestamp()
    if plan.prompt is not None and sample.prompt != plan.prompt:  # the suite judges one prompt only
        return SampleScore(sample.id, now, plan.name, plan.content_hash, None, None, "[]", None)
    try:
        variables = json.loads(sample.input)
    except ValueError:
        variables = {}
    case = Case(id=f"live-{sample.id}", input=variables if isinstance(variables, dict) else {},
                segment=sample.segment)  # fmt: skip
    if judge is not None:
        if judge.stopped is not None or judge.spent >= judge.budget:
            judge.stopped = judge.stopped or f"today's judge budget ${judge.budget:g} is spent"
            return None
        judge.sample_cost = 0.0
    verdicts = tuple(scorer(_answer(sample), case) for scorer in scorers)
    if judge is not None and judge.stopped is not None:  # stopped while grading this one: not scored
        return None
    counted = [v for v in verdicts if not v.skipped]
    value, passed = combine(verdicts)
    return SampleScore(
        sample.id, now, plan.name, plan.content_hash, value if counted else None, passed if counted else None,
        json.dumps([v.as_dict() for v in verdicts], separators=(",", ":")),
        judge.sample_cost if judge is not None else None,
    )  # fmt: skip


def _output_schema(manifest: Manifest, prompt: str | None) -> Any:
    from platform_cli.errors import PlatformError
    from platform_cli.prompts.files import load_prompt

    if prompt is None:
        return None
    try:
        return load_prompt(manifest.root / "prompts", prompt).output_schema
    except PlatformError:
        return None
