"""The `judge` scorer end to end: a real generated repo, the runtime, and a real loopback server that answers
both the cases (the primary) and the grading prompt (the fallback provider, on its own path), with a burst
of 429s on the judge's calls first. The scores, verdicts and reasons come from the server's replies; the
judge's calls are eval traffic of the run; the 429s are backed off by the runner and fail nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path

from eval_repos import generated, ticket_rows, write_dataset, write_suite
from llm_server import OPENAI_PATH, Recorded, Reply, openai_body, running_llm_server

from platform_cli.evals.runs import RunRequest, run_suite
from platform_cli.manifest import load_manifest, resolve_state_url
from platform_cli.store import open_store

CASES = 24
BURST = 10  # 429s the judge's path answers first
JUDGE_PATH = "/judge" + OPENAI_PATH
_CASE = re.compile(r"case-(\d+)")

GRADE_PROMPT = """name: grade
description: Grade a ticket summary against the ticket.
owner: "jane.doe@example.com"
written_for: {provider: fallback, model: llama-3.1-8b-instruct-2024-07-23}
parameters:
  temperature: 0
variables:
  input: {type: string, description: The case's input as JSON}
  output: {type: string, description: The answer to grade}
  expected: {type: string, required: false, description: What the case expects}
messages:
  - role: system
    content: 'Grade the summary of the ticket. Reply with JSON: {"score": 0..1, "pass": bool, "reason": str}.'
  - role: user
    content: "Ticket: {{ input }}\\nExpected: {{ expected }}\\nSummary: {{ output }}"
"""

SUITE = """name: judged
prompt: summarize
dataset: evals/datasets/judged.jsonl
scorers:
  - {type: refusal}
  - {type: judge, prompt: grade, provider: fallback}
"""


def _case(request: Recorded) -> int:
    messages = request.body.get("messages", []) if isinstance(request.body, dict) else []
    found = _CASE.search(" ".join(str(m.get("content", "")) for m in messages))
    assert found, request.body
    return int(found.group(1))


def _answer(request: Recorded) -> Reply:  # the primary: one answer per case, naming it
    return Reply(body=openai_body(f"Summary of case-{_case(request)}: the export fails."))


def _grade(n: int) -> tuple[float, bool, str]:
    return (n % 5) / 4, n % 3 != 0, f"graded case-{n} by the loopback grader"


def _judge(request: Recorded) -> Reply:  # the grader: a verdict that depends on the case it grades
    assert "Summary of case-" in json.dumps(request.body)  # it grades the primary's answer
    score, passed, reason = _grade(_case(request))
    return Reply(body=openai_body(json.dumps({"score": score, "pass": passed, "reason": reason})))


def _repo(tmp_path: Path, base_url: str) -> Path:
    # one loopback server plays both; the scaffold refuses a fallback on the primary's host (the same
    # vendor), so the grader is scaffolded as `localhost` and pointed back at 127.0.0.1 in the manifest
    judge_url = base_url.replace("127.0.0.1", "localhost") + "/judge"
    root = generated(
        tmp_path / "repo", primary_provider="openai-compatible", primary_base_url=base_url,
        fallback_provider="openai-compatible", fallback_base_url=judge_url,
    )  # fmt: skip
    (root / ".env").write_text("PRIMARY_API_KEY=sk-test-primary\nFALLBACK_API_KEY=sk-test-judge\n")
    (root / ".env").chmod(0o600)
    manifest = root / "ai-feature.yaml"  # the judge's provider: no retries of its own, a quick breaker
    manifest.write_text(manifest.read_text().replace(judge_url, base_url + "/judge"))
    key = "      api_key_secret: FALLBACK_API_KEY\n"
    own = "      max_retries: 0\n      options: {circuit_breaker: {reset_after_s: 1}}\n"
    assert key in manifest.read_text()
    manifest.write_text(manifest.read_text().replace(key, key + own, 1))
    (root / "prompts" / "grade.yaml").write_text(GRADE_PROMPT)
    write_suite(root, "judged", SUITE)
    write_dataset(root, "judged", ticket_rows(CASES))
    return root


def test_judge_scores_come_from_the_grader_and_its_429s_are_backed_off_like_case_calls(
    tmp_path: Path,
) -> None:
    with running_llm_server() as server:
        server.respond(OPENAI_PATH, _answer)
        server.respond(JUDGE_PATH, _judge)
        slow_down = Reply(429, body={"error": {"message": "slow down"}}, headers={"Retry-After": "0"})
        server.script(JUDGE_PATH, *[slow_down] * BURST)
        root = _repo(tmp_path, server.base_url)
        outcome = run_suite(RunRequest(root, "judged", concurrency=6, no_cache=True, offline=False))
        case_calls, judge_calls = server.count(OPENAI_PATH), server.count(JUDGE_PATH)

    assert outcome.tally.done == CASES and outcome.tally.errors == 0, outcome.summary.as_dict()
    assert outcome.tally.retried >= 1  # the 429s reached the runner (no provider retries) and were retried
    assert judge_calls == CASES + BURST  # every 429 was followed by one more try of that judge call...
    assert case_calls == CASES  # ...and only the judge was asked again: no case was re-called for it

    manifest = load_manifest(root / "ai-feature.yaml")
    with open_store(resolve_state_url(manifest)) as store:
        results = list(store.eval_results(outcome.run.run_id))
        events = store.usage_events(manifest.name)
    assert len(results) == CASES
    for result in results:
        n = int(result.case_id.removeprefix("case-"))
        (judged,) = [s for s in json.loads(result.scores) if s["scorer"] == "judge"]
        score, passed, reason = _grade(n)
        assert (judged["score"], judged["pass"], judged["reason"]) == (score, passed, reason)
        assert result.passed is passed and result.error is None
        assert result.output == f"Summary of case-{n}: the export fails."
    # the judge's calls are recorded as eval traffic of this run, apart from the cases' (by provider)
    by_provider = {p: [e for e in events if e.provider == p] for p in ("primary", "fallback")}
    judged_ok = [e for e in by_provider["fallback"] if e.error is None]
    assert len(judged_ok) == CASES and len(by_provider["primary"]) == CASES
    assert {(e.traffic, e.eval_run_id) for e in events} == {("eval", outcome.run.run_id)}
    assert 0 < outcome.summary.overall.pass_rate.mean < 1  # the grader's verdicts decide, both ways
