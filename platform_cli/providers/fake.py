"""The offline, deterministic provider: same input and seed, same answer; faults on demand for tests.

Options (spec.providers[].options in ai-feature.yaml, all optional):
    seed: 7                        # changes every answer and the sequence of simulated faults
    fixtures: tests/fixtures.yaml  # scripted answers: [{contains|input: ..., text: ..., refusal: false}]
    echo: true                     # answer with the last user message itself
    latency_ms: 120                # sleep this long per call
    error_rate: 0.1                # share of calls that fail like an HTTP 500
    rate_limit_rate: 0.05          # ... like an HTTP 429 (with retry_after_s)
    timeout_rate: 0.02             # ... like a timeout
    refusal_rate: 0.01             # share of answers that are refusals
    retry_after_s: 1
Faults are drawn from a generator seeded with `seed`, so a run is reproducible call by call.
"""

from __future__ import annotations

import hashlib
import random
import re
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platform_cli.providers.base import FINISH_REFUSAL, FINISH_STOP, Completion, ProviderError, Usage

_WORD = re.compile(r"\S+")
REFUSAL_TEXT = "I can't help with that request."


def _tokens(text: str) -> int:
    return max(1, len(_WORD.findall(text)))


@dataclass(frozen=True)
class Fixture:
    """One scripted answer: used when the last user message equals `input` or contains `contains`."""

    text: str
    input: str | None = None
    contains: str | None = None
    finish_reason: str = FINISH_STOP
    refusal: bool = False

    def matches(self, message: str) -> bool:
        if self.input is not None:
            return message == self.input
        return self.contains is not None and self.contains in message


def load_fixtures(path: Path) -> list[Fixture]:
    """Read a fixtures file (YAML list); every problem is located at its entry (InvalidFile, exit 2)."""
    from platform_cli.errors import InvalidFile
    from platform_cli.yamlfile import load_yaml

    what = "fake provider fixtures"
    loaded = load_yaml(path, what=what)
    data = loaded.data
    where: tuple[str, ...] = ("responses",) if isinstance(data, dict) else ()
    entries = data.get("responses") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        problem = loaded.problem(
            where, "expected a list of {contains|input, text} entries (or responses: [...])"
        )
        raise InvalidFile(loaded.display, [problem], what)
    fixtures = []
    problems = []
    for index, entry in enumerate(entries):
        ok = isinstance(entry, dict) and isinstance(entry.get("text"), str)
        if not ok or ("input" not in entry and "contains" not in entry):
            problems.append(
                loaded.problem(
                    (*where, index),
                    f"entry {index} needs `text` and one of `input` (exact last user message) or "
                    "`contains` (a substring of it)",
                )
            )
            continue
        fixtures.append(
            Fixture(
                text=entry["text"],
                input=_text_or_none(entry.get("input")),
                contains=_text_or_none(entry.get("contains")),
                finish_reason=str(entry.get("finish_reason", FINISH_STOP)),
                refusal=bool(entry.get("refusal", False)),
            )
        )
    if problems:
        raise InvalidFile(loaded.display, problems, what)
    return fixtures


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


class FakeProvider:
    """Answers by condensing the last user message (or by fixtures / echo); `fail=True` fails every call."""

    kind = "fake"

    def __init__(
        self,
        name: str,
        model: str,
        *,
        seed: int = 0,
        fail: bool = False,
        fixtures: Sequence[Fixture] = (),
        echo: bool = False,
        latency_s: float = 0.0,
        error_rate: float = 0.0,
        rate_limit_rate: float = 0.0,
        timeout_rate: float = 0.0,
        refusal_rate: float = 0.0,
        retry_after_s: float | None = None,
    ) -> None:
        self.name = name
        self.model = model
        self.seed = seed
        self.fail = fail
        self.fixtures = list(fixtures)
        self.echo = echo
        self.latency_s = latency_s
        self.error_rate = error_rate
        self.rate_limit_rate = rate_limit_rate
        self.timeout_rate = timeout_rate
        self.refusal_rate = refusal_rate
        self.retry_after_s = retry_after_s
        self.calls = 0
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    @classmethod
    def from_options(
        cls, name: str, model: str, options: Mapping[str, Any], *, root: Path, fail: bool = False
    ) -> FakeProvider:
        """Build from a manifest entry's `options` (paths are relative to the repository root)."""
        fixtures_path = options.get("fixtures")
        return cls(
            name,
            model,
            seed=int(options.get("seed", 0)),
            fail=fail,
            fixtures=load_fixtures(root / str(fixtures_path)) if fixtures_path else (),
            echo=bool(options.get("echo", False)),
            latency_s=float(options.get("latency_ms", 0)) / 1000.0,
            error_rate=float(options.get("error_rate", 0.0)),
            rate_limit_rate=float(options.get("rate_limit_rate", 0.0)),
            timeout_rate=float(options.get("timeout_rate", 0.0)),
            refusal_rate=float(options.get("refusal_rate", 0.0)),
            retry_after_s=_optional_float(options.get("retry_after_s")),
        )

    def __repr__(self) -> str:
        return f"FakeProvider(name={self.name!r}, model={self.model!r}, seed={self.seed})"

    def complete(self, messages: Sequence[Mapping[str, str]], params: Mapping[str, Any]) -> Completion:
        started = time.perf_counter()
        with self._lock:  # one draw per call, in call order, whatever the threads
            self.calls += 1
            fault, refuse = self._random.random(), self._random.random()
        if self.latency_s > 0:
            time.sleep(self.latency_s)
        self._raise_fault(fault)
        prompt_text = "\n".join(m.get("content", "") for m in messages)
        last_user = next((m["content"] for m in reversed(messages) if m.get("role") == "user"), prompt_text)
        text, finish, refusal = self._answer(prompt_text, last_user, params)
        if not refusal and refuse < self.refusal_rate:
            text, finish, refusal = REFUSAL_TEXT, FINISH_REFUSAL, True
        return Completion(
            text=text,
            finish_reason=finish,
            usage=Usage(input_tokens=_tokens(prompt_text), output_tokens=_tokens(text)),
            latency_s=time.perf_counter() - started,
            model=self.model,
            refusal=refusal,
            served_model=self.model,
        )

    def _raise_fault(self, draw: float) -> None:
        if self.fail:
            raise ProviderError(self.name, "injected failure (fake provider set to fail)", kind="injected")
        threshold = self.error_rate
        if draw < threshold:
            raise ProviderError(self.name, "simulated HTTP 500", kind="server", status=500)
        threshold += self.rate_limit_rate
        if draw < threshold:
            raise ProviderError(
                self.name,
                "simulated HTTP 429",
                kind="rate_limit",
                status=429,
                retry_after_s=self.retry_after_s,
            )
        if draw < threshold + self.timeout_rate:
            raise ProviderError(self.name, "simulated timeout", kind="timeout")

    def _answer(self, prompt_text: str, last_user: str, params: Mapping[str, Any]) -> tuple[str, str, bool]:
        for fixture in self.fixtures:
            if fixture.matches(last_user):
                return fixture.text, fixture.finish_reason, fixture.refusal
        if self.echo:
            return last_user, FINISH_STOP, False
        digest = hashlib.sha256(f"{self.seed}:{self.model}:{prompt_text}".encode()).hexdigest()[:8]
        words = _WORD.findall(last_user)
        limit = int(params.get("max_tokens", 64))
        summary = " ".join(words[: min(limit, 24)]).rstrip(".")
        return f"Summary: {summary}. [fake {digest}]", FINISH_STOP, False


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)
