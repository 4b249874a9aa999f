"""Eval calls go through the feature runtime, so they are cached, costed and recorded like any call.

The prompt under evaluation is pinned to ONE version for the whole run (resolved once from the label,
version or variant asked for), whatever the label or the cohorts do meanwhile. `--provider NAME` narrows
the fallback chain to that provider. Failures become `CallError`s: rate limits (HTTP 429 after the
provider's own retries, or an open circuit breaker) are marked so the runner backs off and tries again.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from platform_cli.errors import PlatformError, UserError
from platform_cli.evals.limiter import AdaptiveLimiter
from platform_cli.evals.model import Answer, CallError, Case
from platform_cli.evals.scorers.base import JudgeCall
from platform_cli.prompts.defaults import DEFAULT_LABEL
from platform_cli.prompts.registry import PromptResolver, ResolvedPrompt
from platform_cli.providers import Resilient
from platform_cli.runtime import AllProvidersFailed, Feature, Result

THROTTLING = ("rate_limit", "breaker_open")


class PinnedResolver:
    """A resolver that serves `pins` (prompt name -> resolved version) and asks `inner` for the rest."""

    def __init__(self, inner: PromptResolver, pins: Mapping[str, ResolvedPrompt]) -> None:
        self.inner = inner
        self.pins = dict(pins)

    def resolve(
        self, name: str, *, label: str = DEFAULT_LABEL, key: str | None = None, segment: str | None = None
    ) -> ResolvedPrompt:
        pinned = self.pins.get(name)
        if pinned is not None:
            return pinned
        return self.inner.resolve(name, label=label, key=key, segment=segment)

    def resolve_version(self, name: str, version: int) -> ResolvedPrompt:
        return self.inner.resolve_version(name, version)

    def close(self) -> None:
        self.inner.close()


def answer_of(result: Result) -> Answer:
    return Answer(
        text=result.text, refusal=result.refusal, finish_reason=result.finish_reason,
        latency_ms=result.latency_ms, cost_usd=result.cost_usd, provider=result.provider, model=result.model,
        prompt_version=result.prompt_version, prompt_hash=result.prompt_hash, cache_hit=result.cache_hit,
        input_tokens=result.usage.input_tokens, output_tokens=result.usage.output_tokens,
        attempts=max(1, result.attempts) if not result.cache_hit else 1,
    )  # fmt: skip


def call_error(error: AllProvidersFailed, providers: Sequence[Resilient] = ()) -> CallError:
    """Rate limits and open breakers back the run off (the breaker's own wait when it says); the rest fail."""
    throttled = [f for f in error.failures if f.kind in THROTTLING]
    if not throttled:
        return CallError(str(error))
    waits = [f.retry_after_s for f in throttled if f.retry_after_s]
    waits += [p.breaker.retry_in_s() for p in providers if p.breaker is not None and not p.available()]
    not_sent = all(f.kind == "breaker_open" for f in error.failures)
    return CallError(
        str(error), rate_limited=True, retry_after_s=max(waits) if waits else None, not_sent=not_sent
    )


def narrowed(feature: Feature, provider: str | None) -> Feature:
    """A view of `feature` that calls only `provider` (sharing its resolver, store writer and cache)."""
    if provider is None:
        return feature
    chain = [p for p in feature.providers if p.name == provider]
    if not chain:
        names = ", ".join(p.name for p in feature.providers)
        raise UserError(f"--provider {provider}: not declared in ai-feature.yaml (providers: {names})")
    return view_of(feature, chain, feature.resolver)


def view_of(feature: Feature, providers: Sequence[Resilient], resolver: object) -> Feature:
    """A Feature sharing `feature`'s store link, writer, cache settings and eval-traffic tags."""
    view = Feature(
        feature.manifest, providers, state_url=feature.state_url, resolver=resolver,  # type: ignore[arg-type]
        cache_ttl_s=feature.cache.ttl_s, max_history_turns=feature.max_history_turns, writer=feature.writer,
        link=feature.link, costing=feature.costing,
    )  # fmt: skip
    view.traffic, view.eval_run_id = feature.traffic, feature.eval_run_id
    return view


class RuntimeCaller:
    """Asks the runtime for one case: `complete` with the case's variables, or `chat` with input.message."""

    def __init__(self, feature: Feature, prompt: ResolvedPrompt, *, mode: str, run_id: str) -> None:
        self.feature = feature
        self.prompt = prompt
        self.mode = mode
        self.run_id = run_id

    def __call__(self, case: Case, repeat: int) -> Answer:
        try:
            if self.mode == "chat":
                variables = {k: v for k, v in case.input.items() if k != "message"}
                result = self.feature.chat(
                    f"eval:{self.run_id}:{case.id}:{repeat}", str(case.input.get("message", "")),
                    prompt=self.prompt.name, variables=variables, segment=case.segment,
                )  # fmt: skip
            else:
                result = self.feature.complete(self.prompt.name, case.input, segment=case.segment)
        except AllProvidersFailed as error:
            raise call_error(error, self.feature.providers) from None
        except PlatformError as error:  # a bad variable in this row, a prompt that cannot render...
            raise CallError(f"{case.where}: {error}") from None
        return answer_of(result)


class JudgeCaller:
    """Calls grading prompts through the runtime, each pinned to one version for the whole run (resolved on
    first use); only the variables the grading prompt declares are sent.

    A judge's call shares the run's back-off with the case calls: a rate limit (after the provider's own
    retries) raises a rate-limited `CallError` that the runner handles like a case's (pause, halve the
    limit, ask the judge again); an answer that needed retries lowers the `limiter`'s limit as a case's does.
    """

    def __init__(self, feature: Feature, limiter: AdaptiveLimiter | None = None) -> None:
        self.feature = feature
        self.limiter = limiter
        self._views: dict[tuple[str | None, str, int | None, str | None], tuple[Feature, ResolvedPrompt]] = {}
        self._lock = threading.Lock()

    def _view(self, call: JudgeCall) -> tuple[Feature, ResolvedPrompt]:
        key = (call.provider, call.prompt, call.version, call.label)
        found = self._views.get(key)
        if found is None:
            with self._lock:  # concurrent first calls resolve the grading prompt once
                found = self._views.get(key)
                if found is None:
                    found = self._views[key] = self._new_view(call)
        return found

    def _new_view(self, call: JudgeCall) -> tuple[Feature, ResolvedPrompt]:
        chain = narrowed(self.feature, call.provider)
        base = self.feature.resolver
        pins = dict(base.pins) if isinstance(base, PinnedResolver) else {}
        inner = base.inner if isinstance(base, PinnedResolver) else base
        resolved = (
            inner.resolve_version(call.prompt, call.version)
            if call.version is not None
            else inner.resolve(call.prompt, label=call.label or DEFAULT_LABEL)
        )
        pins[call.prompt] = resolved
        return view_of(chain, chain.providers, PinnedResolver(inner, pins)), resolved

    @property
    def resolved(self) -> list[ResolvedPrompt]:
        """The grading prompt versions used so far (recorded with the run)."""
        return [resolved for _, resolved in self._views.values()]

    def __call__(self, call: JudgeCall) -> Answer:
        try:
            view, resolved = self._view(call)
        except PlatformError as error:  # the grading prompt cannot be resolved
            raise CallError(f"judge {call.prompt}: {error}") from None
        declared = resolved.prompt.variables
        variables: dict[str, Any] = {k: v for k, v in call.variables.items() if k in declared}
        try:
            result = view.complete(call.prompt, variables)
        except AllProvidersFailed as error:
            raise call_error(error, view.providers) from None
        except PlatformError as error:  # the grading prompt cannot be rendered
            raise CallError(f"judge {call.prompt}: {error}") from None
        answer = answer_of(result)
        if self.limiter is not None and answer.attempts > 1:
            self.limiter.success(answer.attempts)  # it got through only after retries: slow down a little
        return answer
