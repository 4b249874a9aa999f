"""Shared helpers of the rollback tests: a feature repo, a prompt with v1 in production and v2 on a canary,
and rows that v1 and v2 left in the store (cache entries, turns, usage events, eval runs and baselines)."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from runtime_support import CHAT, FAKE, SUMMARIZE

from platform_cli.prompts.files import PromptFile, load_prompt, prompt_names
from platform_cli.prompts.labels import promote
from platform_cli.prompts.portfolio import allocate
from platform_cli.prompts.versions import publish
from platform_cli.store import Store, open_store
from platform_cli.store.engine import utc_timestamp
from platform_cli.store.evals import BaselineRecord, EvalRunRecord
from platform_cli.store.runtime import CachedResponse, TurnRecord, UsageEvent

FEATURE = "rollback-test"
ACTOR = "oncall@example.com"


def write_repo(
    root: Path,
    state_url: str,
    *,
    history: str | None = "quarantine",
    max_age: int = 30,
    providers: Sequence[dict[str, Any]] = (FAKE,),
) -> Path:
    """ai-feature.yaml (the fake provider unless told otherwise, spec.rollback), prompts/summarize + chat."""
    root.mkdir(parents=True, exist_ok=True)
    spec: dict[str, Any] = {
        "lifecycle": "experimental",
        "providers": list(providers),
        "segments": ["billing", "technical"],
        "state": {"url": state_url},
    }
    if history is not None:
        spec["rollback"] = {"history": history, "drill_max_age_days": max_age}
    manifest = {
        "apiVersion": "platform/v1",
        "kind": "AIFeature",
        "metadata": {"name": FEATURE, "owner": "team-rollback", "eval_owner": "ann@example.com"},
        "spec": spec,
    }
    (root / "ai-feature.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    (root / "prompts").mkdir(exist_ok=True)
    for prompt in (SUMMARIZE, CHAT):
        (root / "prompts" / f"{prompt['name']}.yaml").write_text(yaml.safe_dump(prompt, sort_keys=False))
    return root


def version_content(name: str, marker: str) -> PromptFile:
    """SUMMARIZE or CHAT with `marker` appended to its system message (so each version renders apart)."""
    data = copy.deepcopy(SUMMARIZE if name == "summarize" else CHAT)
    data["messages"][0]["content"] += marker
    data.pop("name"), data.pop("description")
    return PromptFile.from_content(name, data, version=None)


def publish_version(store: Store, name: str, marker: str) -> int:
    return publish(store, version_content(name, marker), author=ACTOR, message=marker).version


def publish_repo_prompts(root: Path, url: str) -> None:
    """What CI does before replicas start against a shared store (they never publish there): publish every
    prompt file of the repo and point production at it, unless production points somewhere already."""
    with open_store(url) as store:
        for name in prompt_names(root / "prompts"):
            if store.prompt_label(name, "production") is None:
                version = publish(
                    store, load_prompt(root / "prompts", name), author=ACTOR, message="ci"
                ).version
                promote(store, name, version, "production", author=ACTOR, reason="ci")


def v1_production_v2_canary(store: Store, name: str = "summarize", *, percent: int = 10) -> None:
    """v1 production; v2 on the `canary` label with `percent`% of every segment's traffic."""
    assert publish_version(store, name, "") == 1
    promote(store, name, 1, "production", author=ACTOR, reason="launch")
    assert publish_version(store, name, " Be even briefer.") == 2
    promote(store, name, 2, "canary", author=ACTOR, reason="try v2")
    allocate(store, name, {"canary": percent * 100}, author=ACTOR, reason="canary 10%")


def fill(store: Store, name: str, version: int, *, count: int = 3, cost: float | None = None) -> None:
    """Rows `name` v`version` left: cache entries, one two-turn exchange per user, usage events."""
    now = utc_timestamp()
    variant = "canary" if version == 2 else "control"
    tags = {"feature": FEATURE, "prompt": name, "prompt_version": version, "prompt_hash": f"hash{version}"}
    model = "fake-chat-2025-01-01"
    store.put_cached_responses(
        [
            CachedResponse(
                cache_key=f"{name}-v{version}-{i}", provider="primary", model=model, created_at=now,
                response=json.dumps({"text": f"v{version} answer {i}", "finish_reason": "stop"}),
                expires_at="9999-01-01T00:00:00.000000Z", **tags,
            )
            for i in range(count)
        ]
    )  # fmt: skip
    for i in range(count):
        common = dict(
            conversation_id=f"conv-{i}", exchange_id=f"ex-v{version}-{i}", variant=variant,
            provider="primary", model=model, user_hash=f"user{i}", created_at=now, **tags,
        )  # fmt: skip
        store.add_turns(
            [
                TurnRecord(role="user", content=f"question {i} to v{version}", **common),  # type: ignore[arg-type]
                TurnRecord(role="assistant", content=f"v{version} answer {i}", **common),  # type: ignore[arg-type]
            ]
        )
    store.add_usage_events(
        [
            UsageEvent(
                at=now, operation="complete", label="production", variant=variant, segment="billing",
                user_hash=f"user{i}", conversation_id=None, provider="primary", model=model, input_tokens=100,
                output_tokens=20, cache_read_tokens=0, cache_write_tokens=0, reasoning_tokens=0,
                latency_ms=12.0, finish_reason="stop", refusal=False, cache_hit=False, fallback_used=False,
                attempts=1, error=None, cost_usd=cost, **tags,
            )
            for i in range(count)
        ]
    )  # fmt: skip


def eval_run(store: Store, name: str, version: int, run_id: str, *, baseline: bool = True) -> None:
    now = utc_timestamp()
    store.add_eval_run(
        EvalRunRecord(run_id, FEATURE, "smoke", "suitehash", name, version, f"hash{version}",
                      f"version:{version}", "primary", "fake-chat-2025-01-01", "datahash", 4, 1, "finished",
                      now, now, "{}", "pass", None, None, ACTOR, True)
    )  # fmt: skip
    if baseline:
        store.add_eval_baseline(
            BaselineRecord(0, name, "smoke", run_id, version, f"hash{version}", now, ACTOR, "baseline")
        )


_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z")
_ROLLBACK_ID = re.compile(r"rb-\d{8}T\d{6}-[0-9a-f]{6}")
_ATTEMPTS = re.compile(r'\\"attempts\\":\d+')


def snapshot(store: Store, name: str = "summarize", conversations: Sequence[str] = ()) -> dict[str, Any]:
    """Everything a rollback changes, with times and rollback ids blanked so two stores compare equal."""
    from platform_cli.prompts.portfolio import current_allocations
    from platform_cli.runtime.history import conversation_history

    last = store.last_rollback(name)
    steps = store.rollback_steps(last.rollback_id) if last else []
    audit = store.rollback_audit(FEATURE)
    baseline = store.eval_baseline(name, "smoke")
    data = {
        "labels": sorted((r.label, r.version) for r in store.prompt_labels(name)),
        "moves": [(m.label, m.from_version, m.to_version, m.reason) for m in store.prompt_label_moves(name)],
        "allocations": {seg: a.shares() for seg, a in current_allocations(store, name).items()},
        "allocation_changes": [(a.segment, a.allocation, a.reason) for a in store.prompt_allocations(name)],
        "cache": {v: store.count_cached_responses(name, v) for v in (1, 2)},
        "turns": [
            (t.conversation_id, t.role, t.content, t.prompt_version, t.quarantined_at is not None)
            for conversation in conversations
            for t in store.all_turns(conversation)
        ],
        "histories": {c: conversation_history(store, c) for c in conversations},
        "baseline": baseline.run_id if baseline else None,
        "baselines": [(b.suite, b.run_id, b.reason) for b in store.eval_baseline_history(name)],
        "revocations": [(r.version, r.history, r.lifted_at is None) for r in store.prompt_revocations(name)],
        "rollback": (last.status, last.from_version, last.to_version, last.reason) if last else None,
        "steps": [(s.step, s.status, s.result) for s in steps],
        "audit": [(e.kind, e.subject, e.summary, e.reason, e.record) for e in audit],
    }
    text = _ROLLBACK_ID.sub("RB", _TIMESTAMP.sub("T", json.dumps(data, sort_keys=True, default=str)))
    text = _ATTEMPTS.sub('\\"attempts\\":\\"N\\"', text)  # compared separately: a killed step is tried twice
    loaded: dict[str, Any] = json.loads(text)
    return loaded


class Replica:
    """tests/rollback/serving_worker.py in its own process (stopped by its PID when the test ends)."""

    WORKER = Path(__file__).with_name("serving_worker.py")

    def __init__(
        self, repo: Path, url: str, ttl_s: float, *flags: str, env: dict[str, str] | None = None
    ) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(self.WORKER), str(repo), url, str(ttl_s), *flags],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip

    def ask(self, command: str) -> Any:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            stderr = self.proc.stderr.read() if self.proc.stderr else ""
            raise AssertionError(f"replica died on {command!r}: {stderr[-2000:]}")
        return json.loads(line)

    def stop(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
