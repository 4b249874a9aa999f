"""Online scoring: score the live answers the runtime sampled, off the request path, with the eval
harness's scorers (those of spec.rollout.online_scoring.suite that need no expected value).

Why a pass over stored samples and not a worker in the serving process (measured in `python -m bench
runtime-overhead`): the serving process only appends a sample to its background writer's batch (the call
pays a few microseconds, a deterministic scorer would add its own cost to every sampled call's process
and a judge a provider round trip); samples outlive restarts; a judge runs with its own budget where it
is accounted for; and every replica's samples are scored in one place. `platform rollout watch` runs this
pass before it judges, so a schedule needs one command.

A scorer that reads the case's `expected` value cannot judge a live answer (users bring no expected
answers): such scorers are left out and named, never scored as failures. The judge scorer runs only with
`judge_budget_usd` set, and stops for the day when the judge's answers have cost that much (samples left
over wait for the next day); unpriced judge answers stop it too, since the budget could not be kept.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from platform_cli.errors import UserError
from platform_cli.evals.model import Answer, Case, combine
from platform_cli.evals.scorers.base import Configured, JudgeCall, ScorerContext
from platform_cli.evals.suites import Suite
from platform_cli.manifest import Manifest
from platform_cli.manifest.model import OnlineScoring
from platform_cli.store import Store
from platform_cli.store.engine import utc_timestamp
from platform_cli.store.rollout import OnlineSample, SampleScore

BATCH = 500
Judge = Callable[[JudgeCall], Answer]


@dataclass
class ScoringResult:
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


def online_suite(manifest: Manifest, online: OnlineScoring) -> Suite:
    from platform_cli.evals.project import find_project_suite

    try:
        return find_project_suite(manifest, online.suite)
    except UserError as error:
        line = manifest.line_of(["spec", "rollout", "online_scoring", "suite"])
        raise UserError(
            f"{manifest.display}:{line or 1}: spec.rollout.online_scoring.suite: {error}"
        ) from None


def live_scorers(suite: Suite, ctx: ScorerContext, *, judge: bool) -> tuple[list[Configured], dict[str, str]]:
    """The suite's scorers that can judge a live answer, and why each other one cannot."""
    left_out: dict[str, str] = {}
    keep = []
    for entry in suite.scorers:
        if entry.type == "judge" and not judge:
            left_out[entry.config.id] = "judge: runs only with spec.rollout.online_scoring.judge_budget_usd"
            continue
        keep.append(entry)
    built = dataclasses.replace(suite, scorers=tuple(keep)).build_scorers(ctx)
    probe = Case(id="live-answer", input={}, expected=None)
    usable = []
    for scorer in built:
        if scorer.config.type != "judge":
            missing = scorer.config.missing_reason(probe)
            verdict = scorer(Answer(text="A live answer."), probe)
            if verdict.reason.startswith(missing):
                left_out[scorer.id] = "needs an expected value (live answers have none); give it `value:`"
                continue
        usable.append(scorer)
    return usable, left_out


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
        answer = self.call(request)
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
    suite = online_suite(manifest, online)
    day = utc_timestamp()[:10]
    start = dt.datetime.fromisoformat(day).replace(tzinfo=dt.timezone.utc)
    spent = store.judge_spent(
        manifest.name, utc_timestamp(start), utc_timestamp(start + dt.timedelta(days=1))
    )
    budget = online.judge_budget_usd
    wants_judge = budget is not None and any(entry.type == "judge" for entry in suite.scorers)
    budgeted = _BudgetedJudge(judge, budget, spent) if wants_judge and judge and budget is not None else None
    ctx = ScorerContext(
        manifest.root, _output_schema(manifest, suite.prompt), judge=budgeted,
        providers=tuple(p.name for p in manifest.providers),
    )  # fmt: skip
    scorers, left_out = live_scorers(suite, ctx, judge=budgeted is not None)
    result = ScoringResult(True, suite.name, [s.id for s in scorers], left_out, dry_run=dry_run)
    result.judge_spent_today_usd = spent
    if wants_judge and (budgeted is None or spent >= budgeted.budget):
        # every score includes the judge's verdict, or the cohorts' scores would not compare: wait
        result.judge_stopped = (
            "the judge is not available here"
            if budgeted is None
            else f"today's judge budget ${budget:g} is spent"
        )
        scorers = []
    if not scorers:
        result.unscored_left = store.count_unscored_samples(manifest.name)
        return result
    after = 0
    while result.scored < limit and not dry_run:
        batch = store.unscored_samples(manifest.name, after_id=after, limit=min(BATCH, limit - result.scored))
        if not batch:
            break
        scores = []
        for sample in batch:
            after = sample.id
            scored = _score(sample, suite, scorers, budgeted)
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
    sample: OnlineSample, suite: Suite, scorers: list[Configured], judge: _BudgetedJudge | None
) -> SampleScore | None:
    now = utc_timestamp()
    if sample.prompt != suite.prompt:  # the suite judges one prompt: other prompts' samples get no score
        return SampleScore(sample.id, now, suite.name, suite.content_hash, None, None, "[]", None)
    try:
        variables = json.loads(sample.input)
    except ValueError:
        variables = {}
    case = Case(id=f"live-{sample.id}", input=variables if isinstance(variables, dict) else {},
                segment=sample.segment)  # fmt: skip
    answer = _answer(sample)
    if judge is not None:
        if judge.stopped is not None or judge.spent >= judge.budget:
            judge.stopped = judge.stopped or f"today's judge budget ${judge.budget:g} is spent"
            return None
        judge.sample_cost = 0.0
    verdicts = tuple(scorer(answer, case) for scorer in scorers)
    if judge is not None and judge.stopped is not None:  # stopped while grading this one: not scored
        return None
    counted = [v for v in verdicts if not v.skipped]
    value, passed = combine(verdicts)
    cost = judge.sample_cost if judge is not None else None
    return SampleScore(
        sample.id, now, suite.name, suite.content_hash, value if counted else None,
        passed if counted else None, json.dumps([v.as_dict() for v in verdicts], separators=(",", ":")), cost,
    )  # fmt: skip


def _output_schema(manifest: Manifest, prompt: str) -> Any:
    from platform_cli.errors import PlatformError
    from platform_cli.prompts.files import load_prompt

    try:
        return load_prompt(manifest.root / "prompts", prompt).output_schema
    except PlatformError:
        return None
