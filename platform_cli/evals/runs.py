"""One eval run end to end: check the files, pin the prompt version, record the run, call, summarize, gate.

    outcome = run_suite(RunRequest(repo, "smoke", selector=Selector("label", "production"), concurrency=8))

The run record (suite and its hash, prompt version and hash, provider/model, dataset hash, start/end,
summary, verdict) and every per-case result live in the state store; the JSONL run file under
.platform/evals/runs/ is a local copy for reading and tools. `resume=RUN` picks a killed or interrupted
run up where it stopped: same suite, same datasets, same prompt version, and no finished case re-called.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from platform_cli.errors import UserError
from platform_cli.evals.compare import Comparison, compare_results
from platform_cli.evals.datasets import Dataset, DatasetInfo, combined_hash
from platform_cli.evals.engine import Caller, Interrupted, Tally, execute
from platform_cli.evals.limiter import AdaptiveLimiter
from platform_cli.evals.model import Case
from platform_cli.evals.project import check_datasets, find_project_suite
from platform_cli.evals.recorder import ResultRecorder, rebuild_run_file
from platform_cli.evals.scorers.base import ScorerContext
from platform_cli.evals.suites import Suite
from platform_cli.evals.summary import Summary, summarize_results
from platform_cli.manifest import Manifest, load_manifest, resolve_state_url
from platform_cli.models import is_offline
from platform_cli.prompts.registry import ResolvedPrompt
from platform_cli.repo import MANIFEST_NAME
from platform_cli.store import Store, open_store
from platform_cli.store.engine import utc_timestamp
from platform_cli.store.evals import EvalRunRecord
from platform_cli.yamlfile import relative_display

RUNS_DIR = ".platform/evals/runs"
RESUMABLE = ("running", "interrupted", "failed")
FILE_MESSAGE = "published for an eval run of the file"


@dataclass(frozen=True)
class Selector:
    """Which version to evaluate: a label (`production`), a version number, or a portfolio variant."""

    kind: str  # label | version | variant | file
    value: str

    def text(self) -> str:
        return f"{self.kind}:{self.value}"

    @classmethod
    def parse(cls, text: str) -> Selector:
        kind, _, value = text.partition(":")
        return cls(kind, value)


@dataclass
class RunRequest:
    root: Path
    suite: str | None = None
    selector: Selector = field(default_factory=lambda: Selector("label", "production"))
    provider: str | None = None
    concurrency: int = 8
    repeats: int | None = None
    no_cache: bool = False
    resume: str | None = None
    offline: bool | None = None
    author: str | None = None


@dataclass
class RunOutcome:
    run: EvalRunRecord
    summary: Summary
    comparison: Comparison | None
    tally: Tally
    baseline_run: str | None
    resumed_from: int = 0  # results already recorded when the run resumed

    @property
    def passed(self) -> bool:
        return self.run.verdict == "pass"


def new_run_id(suite: str) -> str:
    stamp = utc_timestamp().replace("-", "").replace(":", "")[:15]  # 20260101T120000
    return f"{suite}-{stamp}-{secrets.token_hex(3)}"


def work_items(
    datasets: Sequence[Dataset], repeats: int, finished: set[tuple[str, int]]
) -> Iterator[tuple[Case, int]]:
    """Every (case, repeat) still to do, streamed: repeats of a case run one after another."""
    for dataset in datasets:
        for case in dataset.cases():
            for repeat in range(repeats):
                if (case.id, repeat) not in finished:
                    yield case, repeat


def publish_file(manifest: Manifest, store: Store, prompt: str, author: str) -> int:
    """The version holding prompts/<prompt>.yaml as it is now, published first if it changed (after the
    same lint `platform prompts publish` runs); labels are not touched."""
    from platform_cli.errors import InvalidFile
    from platform_cli.prompts.files import load_prompt
    from platform_cli.prompts.lint import lint_prompt
    from platform_cli.prompts.versions import publish

    prompts_dir = manifest.root / "prompts"
    problems = lint_prompt(prompts_dir, prompt, providers=[p.name for p in manifest.providers])
    if problems:
        raise InvalidFile(
            problems[0].file, problems, "prompt files (fix them, or see `platform prompts lint`)"
        )
    return publish(store, load_prompt(prompts_dir, prompt), author=author, message=FILE_MESSAGE).version


def resolve_selector(resolver: object, store: Store, prompt: str, selector: Selector) -> ResolvedPrompt:
    """The exact version a selector names (a variant `vN` is version N, any other variant is a label)."""
    from platform_cli.prompts.errors import UnknownVersion
    from platform_cli.prompts.registry import PromptResolver
    from platform_cli.prompts.versions import version_number

    assert isinstance(resolver, PromptResolver)
    kind, value = selector.kind, selector.value
    number = version_number(value) if kind in ("version", "variant") else None
    if kind == "version" and number is None:
        raise UserError(f"--version {value}: not a version number (write 3 or v3)")
    if number is not None:
        if store.prompt_version(prompt, number) is None:
            raise UnknownVersion(
                f"prompt '{prompt}' has no version {number}; see `platform prompts history {prompt}`"
            )
        return resolver.resolve_version(prompt, number)
    return resolver.resolve(prompt, label=value)


def _datasets(suite: Suite) -> list[Dataset]:
    return [Dataset(path, relative_display(path, suite.root)) for path in suite.datasets]


def prepare(manifest: Manifest, suite_name: str | None) -> tuple[Suite, list[DatasetInfo]]:
    """Load and check the suite and its datasets (every problem located; nothing is called)."""
    suite = find_project_suite(manifest, suite_name)
    return suite, check_datasets(suite, manifest.segments)


def run_suite(
    request: RunRequest,
    *,
    progress: Callable[[Tally], None] | None = None,
    caller_factory: Callable[[ResolvedPrompt, str], Caller] | None = None,
) -> RunOutcome:
    """Run (or resume) a suite. Raises Interrupted (run kept, resumable) on Ctrl-C."""
    from platform_cli.evals.calls import JudgeCaller, PinnedResolver, RuntimeCaller, narrowed
    from platform_cli.prompts.identity import current_author
    from platform_cli.runtime import Feature

    manifest = load_manifest(request.root / MANIFEST_NAME)
    state_url = resolve_state_url(manifest)
    with open_store(state_url) as store:
        previous = _resumed(store, request.resume) if request.resume else None
        suite, infos = prepare(manifest, previous.suite if previous else request.suite)
        dataset_hash = combined_hash(infos)
        repeats = previous.repeats if previous else (request.repeats or suite.repeats)
        selector = Selector("version", str(previous.prompt_version)) if previous else request.selector
        author = current_author(request.author, repo=request.root)
        if selector.kind == "file":
            selector = Selector("version", str(publish_file(manifest, store, suite.prompt, author)))
        fresh_answers = request.no_cache or repeats > 1
        # the run pins the version it serves: other prompts need not be published yet
        feature = Feature.load(manifest, offline=request.offline, state_url=state_url, require_published=())
        if fresh_answers:
            feature.cache.ttl_s = 0  # repeats are fresh samples; --no-cache asks the provider every time
        try:
            resolved = resolve_selector(feature.resolver, store, suite.prompt, selector)
            feature.resolver = PinnedResolver(feature.resolver, {suite.prompt: resolved})  # type: ignore[assignment]
            serving = narrowed(feature, request.provider if not previous else previous.provider)
            if previous is not None:
                _check_unchanged(previous, suite, dataset_hash, resolved)
                run = previous
                store.reopen_eval_run(run.run_id)
                run_file = request.root / RUNS_DIR / f"{run.run_id}.jsonl"
                done_before = rebuild_run_file(store, run.run_id, run_file)
                finished = store.finished_eval_keys(run.run_id)
            else:
                run_id = new_run_id(suite.name)
                run_file = request.root / RUNS_DIR / f"{run_id}.jsonl"
                first = serving.providers[0]
                run = EvalRunRecord(
                    run_id, manifest.name, suite.name, suite.content_hash, suite.prompt, resolved.version,
                    resolved.content_hash, selector.text(), request.provider or first.name, first.model,
                    dataset_hash, sum(i.rows for i in infos) * repeats, repeats, "running", utc_timestamp(),
                    None, None, None, None, relative_display(run_file, request.root),
                    author,
                    bool(request.offline) or is_offline(first.kind) or _offline_env(),
                )  # fmt: skip
                store.add_eval_run(run)
                done_before, finished = 0, set()
            # every call of this run (and of its judges) is recorded as eval traffic, with the run's id
            serving.traffic, serving.eval_run_id = "eval", run.run_id
            limiter = AdaptiveLimiter(max(1, request.concurrency))  # the case calls' and the judges'
            judge = JudgeCaller(serving, limiter)
            context = ScorerContext(
                request.root, resolved.prompt.output_schema, judge=judge, providers=tuple(
                    p.name for p in manifest.providers),
            )  # fmt: skip
            scorers = suite.build_scorers(context)
            caller = (
                caller_factory(resolved, run.run_id)
                if caller_factory is not None
                else RuntimeCaller(serving, resolved, mode=suite.mode, run_id=run.run_id)
            )
            recorder = ResultRecorder(state_url, run.run_id, run_file)
            work = work_items(_datasets(suite), repeats, finished)
            try:
                tally = execute(
                    work, total=run.cases - len(finished), caller=caller, scorers=scorers, sink=recorder,
                    limiter=limiter, progress=progress,
                )  # fmt: skip
            except Interrupted:
                recorder.close()
                store.set_eval_run_status(run.run_id, "interrupted", utc_timestamp())
                raise
            except BaseException:
                recorder.close()
                store.set_eval_run_status(run.run_id, "failed", utc_timestamp())
                raise
            recorder.close()
        finally:
            feature.close()
        return _conclude(store, suite, run, tally, done_before)


def _offline_env() -> bool:
    from platform_cli.runtime.feature import offline_from_env

    return offline_from_env()


def _resumed(store: Store, run_id: str) -> EvalRunRecord:
    run = store.eval_run(run_id)
    if run is None:
        raise UserError(f"--resume {run_id}: no such eval run in the state store (see `platform eval runs`)")
    if run.status not in RESUMABLE:
        raise UserError(f"--resume {run_id}: the run is {run.status}; nothing to resume (start a new run)")
    if run.prompt_version is None:
        raise UserError(f"--resume {run_id}: the run recorded no prompt version; start a new run")
    return run


def _check_unchanged(run: EvalRunRecord, suite: Suite, dataset_hash: str, resolved: ResolvedPrompt) -> None:
    changed = []
    if run.suite_hash != suite.content_hash:
        changed.append(f"the suite file {suite.display}")
    if run.dataset_hash != dataset_hash:
        changed.append("its dataset(s)")
    if run.prompt_hash != resolved.content_hash:
        changed.append(f"prompt '{run.prompt}' v{run.prompt_version}")
    if changed:
        raise UserError(
            f"--resume {run.run_id}: {' and '.join(changed)} changed since the run started, so its results "
            "would not be comparable; start a new run (`platform eval run`)"
        )


def _conclude(store: Store, suite: Suite, run: EvalRunRecord, tally: Tally, done_before: int) -> RunOutcome:
    summary = summarize_results(
        store.eval_results(run.run_id), gate=suite.gate, thresholds=suite.thresholds,
        required_segments=suite.segments, repeats=run.repeats,
    )  # fmt: skip
    baseline = store.eval_baseline(suite.prompt, suite.name)
    comparison = None
    if baseline is not None and baseline.run_id != run.run_id:
        comparison = compare_results(
            store.eval_results(baseline.run_id), store.eval_results(run.run_id), old_run=baseline.run_id,
            new_run=run.run_id, gate=suite.gate, required_segments=suite.segments,
            threshold_failures=summary.failures,
        )  # fmt: skip
    passed = comparison.passed if comparison is not None else summary.passed
    gate = {
        "baseline": baseline.run_id if baseline else None,
        "failures": comparison.failures if comparison is not None else summary.failures,
        "needs_behaviour_note": comparison.needs_note if comparison is not None else False,
        "comparison": comparison.as_dict() if comparison is not None else None,
    }
    store.finish_eval_run(
        run.run_id, status="finished", at=utc_timestamp(), summary=json.dumps(summary.as_dict()),
        verdict="pass" if passed else "fail", gate=json.dumps(gate),
    )  # fmt: skip
    final = store.eval_run(run.run_id)
    assert final is not None
    return RunOutcome(final, summary, comparison, tally, baseline.run_id if baseline else None, done_before)
