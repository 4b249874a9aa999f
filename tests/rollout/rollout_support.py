"""Simulated traffic for the rollout tests: a feature repo, a provider with planted behaviour, many users
in several segments, and time injected through $PLATFORM_NOW (nothing sleeps through a soak window).

The planted provider is a real `Provider` (kind `fake`, so its answers count as offline traffic) that
answers every call through the real runtime; what it plants depends on the rendered prompt: the canary
version carries CANARY_MARK in its system message, and each request names its segment in the user
message, so a regression can be planted in one segment of the canary only.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml

from platform_cli import clock
from platform_cli.cli.main import run
from platform_cli.prompts.files import PromptFile
from platform_cli.prompts.labels import promote
from platform_cli.prompts.versions import publish
from platform_cli.providers import make_resilient
from platform_cli.providers.base import FINISH_REFUSAL, FINISH_STOP, Completion, Usage
from platform_cli.providers.fake import REFUSAL_TEXT
from platform_cli.runtime import Feature
from platform_cli.runtime.sampling import OnlineSampler
from platform_cli.store import open_store

FEATURE = "rollout-sim"
MODEL = "gpt-4o-mini-2024-07-18"  # priced in the bundled table: the cost guard has real costs
SEGMENTS = ("billing", "technical", "account")
CANARY_MARK = " (v2: answer in the customer's words)"
START = dt.datetime(2026, 3, 2, tzinfo=dt.timezone.utc)  # a Monday, in the past of the real clock
ACTOR = "release@example.com"
SALT = "5a175a175a175a17"  # the prompt's bucketing salt (see publish_v1_v2)
PROMPT = {
    "name": "summarize",
    "description": "Summarize a ticket.",
    "parameters": {"temperature": 0, "max_tokens": 64},
    "variables": {"ticket": {"type": "string"}, "segment": {"type": "string"}},
    "messages": [
        {"role": "system", "content": "You summarize support tickets in one sentence."},
        {"role": "user", "content": "Segment: {{ segment }}. {{ ticket }}"},
    ],
}
ONLINE_SUITE = """name: online
prompt: summarize
dataset: evals/datasets/online.jsonl
owner: ann@example.com
scorers:
  - {type: refusal}
  - {type: max-length, max_chars: 600}
  - {type: icontains-any, field: keywords}
"""


def rollout_spec(**overrides: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "steps": [5, 25, 50, 100],
        "step_days": [7, 7, 7],
        "guard_metrics": ["refusal_rate", "eval_score", "cost_per_request", "p95_latency", "error_rate"],
        "guards": {name: {"min_samples": 40} for name in ("refusal_rate", "cost_per_request", "p95_latency",
                                                          "error_rate")}
        | {"eval_score": {"min_samples": 30}},
        "online_scoring": {
            "scorers": [{"type": "refusal"}, {"type": "max-length", "max_chars": 600}],
            "sample_rate": 0.1,
            "canary_cap": 100000,
        },
    }  # fmt: skip
    spec.update(overrides)
    return {key: value for key, value in spec.items() if value is not None}  # None: leave the key out


def write_repo(root: Path, state_url: str, **rollout: Any) -> Path:
    """ai-feature.yaml with spec.rollout, prompts/summarize.yaml, and the online-scoring suite."""
    manifest = {
        "apiVersion": "platform/v1",
        "kind": "AIFeature",
        "metadata": {"name": FEATURE, "owner": "team-rollout", "eval_owner": "ann@example.com"},
        "spec": {
            "lifecycle": "experimental",
            # an OpenAI-compatible gateway serving an OpenAI snapshot (priced), never called: a planted
            # provider serves (the model table refuses an OpenAI id on the fake kind)
            "providers": [
                {
                    "name": "primary",
                    "kind": "openai-compatible",
                    "model": MODEL,
                    "base_url": "http://127.0.0.1:9/v1",
                }
            ],
            "rollout": rollout_spec(**rollout),
            "rollback": {"history": "quarantine", "drill_max_age_days": 30},
            "segments": list(SEGMENTS),
            "state": {"url": state_url},
            # production is not gated on eval runs here: these tests are about the guards
            "evals": {"gated_labels": []},
        },
    }
    root.mkdir(parents=True, exist_ok=True)
    (root / "ai-feature.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    (root / "prompts").mkdir(exist_ok=True)
    (root / "prompts" / "summarize.yaml").write_text(
        yaml.safe_dump(PROMPT, sort_keys=False), encoding="utf-8"
    )
    (root / "evals" / "suites").mkdir(parents=True, exist_ok=True)
    (root / "evals" / "datasets").mkdir(parents=True, exist_ok=True)
    (root / "evals" / "suites" / "online.yaml").write_text(ONLINE_SUITE, encoding="utf-8")
    rows = [
        {"id": f"{segment}-{i}", "input": {"ticket": f"ticket {i}", "segment": segment},
         "expected": {"keywords": ["ticket"]}, "segment": segment}
        for segment in SEGMENTS for i in range(5)
    ]  # fmt: skip
    (root / "evals" / "datasets" / "online.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return root


def publish_v1_v2(state_url: str) -> None:
    """v1 in production; v2 (the candidate, marked) published, under a fixed bucketing salt.

    The store gives a new prompt a random salt, and the salt decides which users fall in the canary: with a
    random one, every run of a scenario drew its own canary cohort, so the guards saw other answers each
    time and a scenario's outcome (a false breach on day 1, say) was a matter of chance. Fixed, every run
    serves the same users the same versions and the same planted answers."""
    with open_store(state_url) as store:
        with mock.patch("secrets.token_hex", lambda nbytes=None: SALT), store.transaction():
            store.lock_prompt("summarize")  # creates the prompt's row, with this salt
        for marker in ("", CANARY_MARK):
            data = json.loads(json.dumps(PROMPT))
            data["messages"][0]["content"] += marker
            data.pop("name"), data.pop("description")
            publish(
                store, PromptFile.from_content("summarize", data, version=None), author=ACTOR, message=marker
            )
        promote(store, "summarize", 1, "production", author=ACTOR, reason="launch")


@dataclass
class Plan:
    """What the planted provider does. Rates are per answer; drift grows the canary's answers per day."""

    base_refusal: float = 0.02
    canary_refusal: Mapping[str, float] = field(default_factory=dict)  # segment -> refusal rate
    canary_drift_per_day: float = 0.0  # relative growth of the canary's output tokens per simulated day


class PlantedProvider:
    kind = "fake"

    def __init__(self, plan: Plan, *, seed: int = 7) -> None:
        self.name, self.model, self.plan = "primary", MODEL, plan
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def complete(self, messages: Sequence[Mapping[str, str]], params: Mapping[str, Any]) -> Completion:
        text = "\n".join(m.get("content", "") for m in messages)
        canary = CANARY_MARK in text
        found = re.search(r"Segment: (\w+)", text)
        segment = found.group(1) if found else ""
        with self._lock:
            draw, jitter = self._random.random(), self._random.uniform(0.9, 1.1)
        refusal_rate = self.plan.canary_refusal.get(segment, self.plan.base_refusal) if canary else None
        if draw < (self.plan.base_refusal if refusal_rate is None else refusal_rate):
            return Completion(REFUSAL_TEXT, FINISH_REFUSAL, Usage(60, 8), 0.0, MODEL, refusal=True)
        output = 60.0 * jitter
        if canary and self.plan.canary_drift_per_day:
            days = (clock.now() - START).total_seconds() / 86400
            output *= 1 + self.plan.canary_drift_per_day * days
        words = " ".join(["word"] * 12)
        return Completion(
            f"Summary of the ticket: {words}.", FINISH_STOP, Usage(60, round(output)), 0.0, MODEL
        )


class Simulation:
    """Users in segments asking through the real runtime at injected times; rollout commands via the CLI."""

    def __init__(self, root: Path, state_url: str, plan: Plan, monkeypatch: pytest.MonkeyPatch,
                 *, users: int = 3000, per_day: int = 900, seed: int = 11) -> None:  # fmt: skip
        self.root, self.state_url, self.monkeypatch = root, state_url, monkeypatch
        self.users, self.per_day = users, per_day
        self._random = random.Random(seed)
        self.feature = Feature.load(root, state_url=state_url, cache_ttl_s=0)
        self.feature.providers = [make_resilient(PlantedProvider(plan), self.feature.manifest.providers[0])]
        # Seeded too: which control answers get scored decides eval_score. And never full: a sample is
        # dropped when max_queue rows wait for the writer thread (a day's 900 usage events alone come close),
        # so how far that thread lagged, i.e. the machine's load, would decide which samples the guards see.
        sampler = self.feature.sampler
        if sampler is not None:
            self.feature.sampler = OnlineSampler(sampler.sample_rate, sampler.canary_cap, 10**9,
                                                 rng=random.Random(seed))  # fmt: skip
        self.served: dict[str, list[tuple[int, int]]] = {}  # user -> [(day, version)] in order

    def at(self, moment: dt.datetime) -> None:
        self.monkeypatch.setenv(clock.ENV, moment.strftime("%Y-%m-%dT%H:%M:%SZ"))

    def day(self, day: float, requests: int | None = None) -> None:
        """`requests` calls spread over the simulated day starting `day` days after START."""
        count = self.per_day if requests is None else requests
        self.feature.resolver.invalidate()  # as a registry TTL expiring would
        for index in range(count):
            self.at(START + dt.timedelta(days=day, seconds=index * 86400 / max(1, count)))
            n = self._random.randrange(self.users)
            user, segment = f"user-{n}", SEGMENTS[n % len(SEGMENTS)]
            result = self.feature.complete(
                "summarize", {"ticket": f"ticket {index} about my account", "segment": segment},
                user=user, segment=segment,
            )  # fmt: skip
            self.served.setdefault(user, []).append((int(day), result.prompt_version))
        assert self.feature.flush(60.0)

    def days(self, first: int, last: int, requests: int | None = None) -> None:
        for day in range(first, last):
            self.day(day, requests)

    def cli(self, capsys: pytest.CaptureFixture[str], *args: str, at: float) -> tuple[int, dict[str, Any]]:
        """Run `platform --repo ROOT args --format json` at `at` days after START."""
        self.at(START + dt.timedelta(days=at))
        capsys.readouterr()
        code = run(["--repo", str(self.root), *args, "--format", "json"])
        out = capsys.readouterr().out
        return code, json.loads(out) if out.strip() else {}

    def close(self) -> None:
        self.feature.close()


def flips(served: dict[str, list[tuple[int, int]]]) -> list[str]:
    """Users who went back from v2 to v1 while the rollout widened (must never happen)."""
    return [user for user, seen in served.items()
            if any(a == 2 and b == 1 for (_, a), (_, b) in itertools.pairwise(seen))]  # fmt: skip


def run_until(sim: Simulation, capsys: pytest.CaptureFixture[str], stop: Callable[[dict[str, Any]], bool],
              *, days: int, start: int = 0) -> list[dict[str, Any]]:  # fmt: skip
    """Serve a day, watch at its end, until `stop(decision)` or `days` days; every watch's output."""
    seen = []
    for day in range(start, start + days):
        sim.day(day)
        code, out = sim.cli(capsys, "rollout", "watch", at=day + 1)
        out["exit_code"] = code
        seen.append(out)
        if stop(out):
            break
    return seen
