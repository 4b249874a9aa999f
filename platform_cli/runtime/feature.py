"""The feature runtime: resolve the prompt version, render, check the cache, call providers, record usage.

    feature = Feature.load(repo_root)
    result = feature.complete("summarize", {"ticket": text}, user=user_id, segment="billing")
    reply = feature.chat(conversation_id, "and what about March?", user=user_id)

Prompts come from the registry (`PromptResolver`: label or the prompt's allocation, sticky by user for
complete() and by conversation for chat()); providers are called in the manifest's fallback order, each
behind retries and a circuit breaker; answers are cached by (prompt content hash, provider, model,
rendered input, params); chat turns are saved tagged with what produced them; every call writes one
usage event. Thread-safe: each thread gets its own store connection.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from platform_cli.errors import UserError
from platform_cli.manifest import Manifest, load_manifest, resolve_state_url
from platform_cli.prompts import PromptFile, PromptResolver, ResolvedPrompt
from platform_cli.prompts.defaults import DEFAULT_LABEL
from platform_cli.providers import (
    BuildContext,
    FakeProvider,
    Provider,
    Resilient,
    Usage,
    build_provider,
    make_resilient,
)
from platform_cli.repo import MANIFEST_NAME, find_repo
from platform_cli.runtime.cache import DEFAULT_TTL_S, ResponseCache, cache_key, cacheable
from platform_cli.runtime.chain import Served, call_chain
from platform_cli.runtime.history import DEFAULT_MAX_TURNS, ExchangeTags, conversation_history, save_exchange
from platform_cli.runtime.result import AllProvidersFailed, Result
from platform_cli.runtime.usage import CallContext
from platform_cli.runtime.writer import BackgroundWriter
from platform_cli.secrets import Secret, SecretReader
from platform_cli.store import Store, StoreError, open_store
from platform_cli.store.runtime import UsageEvent

log = logging.getLogger("platform_cli.runtime")
CHAT_PROMPT = "chat"
STORE_RETRY_S = 5.0


def offline_from_env() -> bool:
    return os.environ.get("PLATFORM_OFFLINE", "").lower() in {"1", "true", "yes"}


def _load_manifest(target: Path | str | Manifest | None) -> Manifest:
    if isinstance(target, Manifest):
        return target
    path = Path(target) if target is not None else None
    if path is not None and path.is_file():
        return load_manifest(path)
    return load_manifest(find_repo(start=path) / MANIFEST_NAME)


class Feature:
    """One AI feature wired from its manifest. Build it with `Feature.load`; close it when done."""

    def __init__(
        self,
        manifest: Manifest,
        providers: Sequence[Resilient],
        *,
        state_url: str,
        resolver: PromptResolver,
        cache_ttl_s: float = DEFAULT_TTL_S,
        max_history_turns: int = DEFAULT_MAX_TURNS,
        writer: BackgroundWriter | None = None,
    ) -> None:
        self.manifest = manifest
        self.root = manifest.root
        self.name = manifest.name
        self.providers = list(providers)
        self.state_url = state_url
        self.resolver = resolver
        self.cache = ResponseCache(manifest.name, cache_ttl_s)
        self.max_history_turns = max_history_turns
        self.writer = writer or BackgroundWriter(state_url)
        self._local = threading.local()
        self._hash_key: bytes | None = None
        self._store_down_until = float("-inf")

    @classmethod
    def load(
        cls,
        repo: Path | str | Manifest | None = None,
        *,
        fail_providers: Iterable[str] = (),
        fallbacks: Sequence[Provider] = (),
        offline: bool | None = None,
        state_url: str | None = None,
        cache_ttl_s: float = DEFAULT_TTL_S,
        max_history_turns: int = DEFAULT_MAX_TURNS,
        secrets: Callable[[str], Secret] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> Feature:
        """Load the feature at `repo` (a directory, its ai-feature.yaml, or a loaded Manifest).

        `fail_providers`: names of declared providers that must fail every call (fault injection).
        `fallbacks`: providers appended after the declared ones (e.g. a FakeProvider in a fallback test).
        `offline`: serve every provider with the deterministic fake (default: $PLATFORM_OFFLINE).
        `state_url`: the store (default: $PLATFORM_STATE_URL, else spec.state.url).
        `cache_ttl_s`: response cache lifetime; 0 turns the cache off.
        `secrets`: name -> Secret reader for API keys (default: SecretReader over the manifest).
        """
        manifest = _load_manifest(repo)
        failing = set(fail_providers)
        unknown = failing - {p.name for p in manifest.providers}
        if unknown:
            raise UserError(f"fail_providers names unknown provider(s): {', '.join(sorted(unknown))}")
        offline = offline_from_env() if offline is None else offline
        keys = secrets if secrets is not None else SecretReader(manifest).get
        ctx = BuildContext(manifest.root, manifest, keys=keys)
        chain: list[Resilient] = []
        for spec in manifest.providers:
            raw: Provider
            if spec.name in failing:
                raw = FakeProvider(spec.name, spec.model, fail=True)
            elif offline and spec.kind != "fake":
                seed = int(spec.options.get("seed", 0))
                raw = FakeProvider(spec.name, spec.model, seed=seed)
            else:
                raw = build_provider(spec, ctx)
            chain.append(make_resilient(raw, spec, sleep=sleep))
        for extra in fallbacks:
            chain.append(extra if isinstance(extra, Resilient) else make_resilient(extra, None, sleep=sleep))
        url = state_url or resolve_state_url(manifest)
        resolver = PromptResolver(
            url, manifest.root / "prompts", providers=[p.name for p in manifest.providers]
        )
        return cls(
            manifest,
            chain,
            state_url=url,
            resolver=resolver,
            cache_ttl_s=cache_ttl_s,
            max_history_turns=max_history_turns,
        )

    # --- public API ---------------------------------------------------------------------------------------
    def complete(
        self,
        prompt: str,
        variables: Mapping[str, Any],
        *,
        user: str | None = None,
        segment: str | None = None,
        label: str | None = None,
    ) -> Result:
        """Render `prompt` (the version its label / the user's cohort selects) and answer it."""
        started = time.perf_counter()
        self._check_segment(segment)
        resolved = self.resolver.resolve(prompt, label=label or DEFAULT_LABEL, key=user, segment=segment)
        messages = resolved.render(variables)
        params = self._params(resolved)
        store = self._store_or_none()
        call = self._context("complete", resolved, segment, user, store)
        caching = store is not None and self.cache.enabled
        if store is not None and caching:
            # Look up the answer of the first provider that would be called now (its breaker is closed).
            index, first = next(
                ((i, p) for i, p in enumerate(self.providers) if p.available()), (0, self.providers[0])
            )
            key = self._key(resolved, first, messages, params)
            hit = self._cache_hit(store, key, index, resolved, call, started)
            if hit is not None:
                return hit
        served = self._call(messages, params, call, started)
        if caching and cacheable(served.completion):
            if served.provider is not first:
                key = self._key(resolved, served.provider, messages, params)
            self.writer.cache(
                self.cache.entry(
                    key, prompt=resolved.name, version=resolved.version, prompt_hash=resolved.content_hash,
                    provider=served.provider.name, completion=served.completion,
                )
            )  # fmt: skip
        return self._finish(call, resolved, served, started)

    def chat(
        self,
        conversation_id: str,
        message: str,
        *,
        user: str | None = None,
        prompt: str = CHAT_PROMPT,
        variables: Mapping[str, Any] | None = None,
        segment: str | None = None,
        label: str | None = None,
    ) -> Result:
        """Answer `message` in conversation `conversation_id`: the chat prompt, then the history, then it.

        The prompt version is sticky per conversation. History comes from `conversation_history()` (so
        quarantined turns are never sent); both turns are saved tagged with version, provider and model.
        With the store unreachable it still answers, with no history and nothing saved, and says so
        (`history_source="unavailable"`, `history_turns=0`), as complete() serves without its cache.
        """
        started = time.perf_counter()
        self._check_segment(segment)
        resolved = self.resolver.resolve(
            prompt, label=label or DEFAULT_LABEL, key=conversation_id, segment=segment
        )
        prefix = resolved.render(variables or {})
        params = self._params(resolved)
        store = self._store_or_none()
        history = self._history_or_none(store, conversation_id)
        if history is None:
            store = None  # served like complete() without a store: no history, nothing saved
        messages = [*prefix, *(history or []), {"role": "user", "content": message}]
        call = self._context("chat", resolved, segment, user, store, conversation_id)
        served = self._call(messages, params, call, started)
        tags = ExchangeTags(
            self.name, resolved.name, resolved.version, resolved.content_hash, resolved.variant,
            served.provider.name, served.completion.model, call.user_hash,
        )  # fmt: skip
        saved = store is not None and self._save_exchange(store, conversation_id, message, served, tags)
        return self._finish(
            call, resolved, served, started, conversation_id, len(history or []),
            history_source="store" if saved else "unavailable",
        )  # fmt: skip

    def _history_or_none(self, store: Store | None, conversation_id: str) -> list[dict[str, str]] | None:
        """The conversation's history, or None while the store is unreachable (chat serves without it)."""
        if store is None:
            return None
        try:
            return conversation_history(store, conversation_id, max_turns=self.max_history_turns)
        except StoreError as error:
            log.warning("conversation history unavailable, answering without it: %s", error)
            self._mark_store_down()
            return None

    def _save_exchange(
        self, store: Store, conversation_id: str, message: str, served: Served, tags: ExchangeTags
    ) -> bool:
        try:
            save_exchange(store, conversation_id, message, served.completion.text, tags)
        except StoreError as error:
            log.warning("could not save the chat exchange of %s: %s", conversation_id, error)
            self._mark_store_down()
            return False
        return True

    def history(self, conversation_id: str) -> list[dict[str, str]]:
        """The history the next chat() in this conversation will send (quarantined turns left out)."""
        return conversation_history(self._store(), conversation_id, max_turns=self.max_history_turns)

    def usage_events(self, *, since: str = "", timeout_s: float = 10.0) -> list[UsageEvent]:
        """This feature's usage events in the store, oldest first, after writing those still pending.

        `since`: a store timestamp (ISO-8601 UTC) to start at. StoreError when pending events could not be
        written within `timeout_s` (the store is unreachable) or the store cannot be read.
        """
        if not self.writer.flush(timeout_s):
            raise StoreError(
                f"usage events not written within {timeout_s:g}s: {self.writer.last_error or 'store busy'}"
            )
        return self._store().usage_events(self.name, since=since)

    def prompt(self, name: str, *, label: str = DEFAULT_LABEL) -> PromptFile:
        """The prompt version `label` points at."""
        return self.resolver.resolve(name, label=label).prompt

    def provider_states(self) -> dict[str, str]:
        """Each provider's circuit breaker: closed | open | half-open."""
        return {provider.name: provider.state for provider in self.providers}

    def flush(self, timeout_s: float = 10.0) -> bool:
        """Write pending usage events and cache entries now; False if that took over timeout_s."""
        return self.writer.flush(timeout_s)

    def close(self) -> None:
        """Flush pending writes, close this thread's store connection and the providers' HTTP sessions."""
        self.writer.close()
        self.resolver.close()
        store: Store | None = getattr(self._local, "store", None)
        if store is not None:
            store.close()
            self._local.store = None
        for provider in self.providers:
            close = getattr(provider.inner, "close", None)
            if callable(close):
                close()

    def __enter__(self) -> Feature:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        chain = ", ".join(f"{p.name}:{p.kind}" for p in self.providers)
        return f"<Feature {self.name} providers=[{chain}]>"

    # --- steps --------------------------------------------------------------------------------------------
    def _check_segment(self, segment: str | None) -> None:
        if segment is not None and self.manifest.segments and segment not in self.manifest.segments:
            raise UserError(
                f"segment {segment!r} is not declared in {self.manifest.display} (declared: "
                f"{', '.join(self.manifest.segments)}); add it to spec.segments or pass a declared one"
            )

    def _params(self, resolved: ResolvedPrompt) -> dict[str, Any]:
        params = dict(resolved.parameters)
        if "model" in params:
            raise UserError(
                f"{resolved.prompt.where}: parameters.model is not allowed: the model comes from "
                f"spec.providers in {self.manifest.display} (only the pinned models it declares are called)"
            )
        return params

    def _context(
        self,
        operation: str,
        resolved: ResolvedPrompt,
        segment: str | None,
        user: str | None,
        store: Store | None,
        conversation_id: str | None = None,
    ) -> CallContext:
        return CallContext(
            self.name, operation, resolved.name, resolved.version, resolved.content_hash, resolved.label,
            resolved.variant, segment, self._user_hash(user, store), conversation_id,
        )  # fmt: skip

    def _call(
        self,
        messages: Sequence[Mapping[str, str]],
        params: Mapping[str, Any],
        call: CallContext,
        started: float,
    ) -> Served:
        try:
            return call_chain(self.providers, messages, params, prompt=call.prompt)
        except AllProvidersFailed as error:
            self.writer.record(
                call.event(
                    provider=None, model=None, usage=Usage(), latency_s=time.perf_counter() - started,
                    finish_reason=None, refusal=False, cache_hit=False, fallback_used=False,
                    attempts=sum(f.attempts for f in error.failures),
                    error="; ".join(f"{f.provider}: {f.kind}" + (f" {f.status}" if f.status else "")
                                    for f in error.failures),
                )
            )  # fmt: skip
            raise

    def _key(
        self,
        resolved: ResolvedPrompt,
        provider: Resilient,
        messages: Sequence[Mapping[str, str]],
        params: Mapping[str, Any],
    ) -> str:
        return cache_key(
            self.name, resolved.content_hash, provider.name, provider.model, messages, params, provider.kind
        )

    def _cache_hit(
        self,
        store: Store,
        key: str,
        index: int,
        resolved: ResolvedPrompt,
        call: CallContext,
        started: float,
    ) -> Result | None:
        try:
            hit = self.cache.get(store, key, self.writer.unwritten(key))
        except StoreError as error:
            log.warning("response cache unavailable, calling the provider: %s", error)
            self._mark_store_down()
            return None
        if hit is None:
            return None
        latency = time.perf_counter() - started
        self.writer.record(
            call.event(
                provider=hit.provider, model=hit.model, usage=Usage(), latency_s=latency,
                finish_reason=hit.finish_reason, refusal=hit.refusal, cache_hit=True,
                fallback_used=index > 0, attempts=0, provider_kind=self.providers[index].kind,
            )
        )  # fmt: skip
        return Result(
            text=hit.text, prompt=resolved.name, prompt_version=resolved.version, provider=hit.provider,
            model=hit.model, usage=Usage(), latency_s=latency, fallback_used=index > 0, cache_hit=True,
            finish_reason=hit.finish_reason, refusal=hit.refusal, prompt_hash=resolved.content_hash,
            label=resolved.label, variant=resolved.variant, cohort=resolved.bucket,
            prompt_source=resolved.source, attempts=0, system_fingerprint=hit.system_fingerprint,
        )  # fmt: skip

    def _finish(
        self,
        call: CallContext,
        resolved: ResolvedPrompt,
        served: Served,
        started: float,
        conversation_id: str | None = None,
        history_turns: int = 0,
        history_source: str | None = None,
    ) -> Result:
        completion = served.completion
        latency = time.perf_counter() - started
        self.writer.record(
            call.event(
                provider=served.provider.name, model=completion.model, usage=completion.usage,
                latency_s=latency, finish_reason=completion.finish_reason, refusal=completion.refusal,
                cache_hit=False, fallback_used=served.index > 0, attempts=served.attempts,
                provider_kind=served.provider.kind,
            )
        )  # fmt: skip
        return Result(
            text=completion.text, prompt=resolved.name, prompt_version=resolved.version,
            provider=served.provider.name, model=completion.model, usage=completion.usage,
            latency_s=latency, fallback_used=served.index > 0, finish_reason=completion.finish_reason,
            refusal=completion.refusal, prompt_hash=resolved.content_hash, label=resolved.label,
            variant=resolved.variant, cohort=resolved.bucket, prompt_source=resolved.source,
            attempts=served.attempts, system_fingerprint=completion.system_fingerprint,
            conversation_id=conversation_id, history_turns=history_turns, history_source=history_source,
        )  # fmt: skip

    # --- state --------------------------------------------------------------------------------------------
    def _store(self) -> Store:
        """This thread's store connection (opened, and migrated, on first use)."""
        store: Store | None = getattr(self._local, "store", None)
        if store is None or getattr(self._local, "pid", None) != os.getpid():
            store = open_store(self.state_url)
            self._local.store, self._local.pid = store, os.getpid()
        return store

    def _store_or_none(self) -> Store | None:
        """The store, or None while it is unreachable (retried at most every STORE_RETRY_S)."""
        if time.monotonic() < self._store_down_until:
            return None
        try:
            return self._store()
        except StoreError as error:
            log.warning("state store unavailable, serving without the response cache: %s", error)
            self._mark_store_down()
            return None

    def _mark_store_down(self) -> None:
        """Back off for STORE_RETRY_S and drop this thread's connection, so the next try reconnects."""
        self._store_down_until = time.monotonic() + STORE_RETRY_S
        store: Store | None = getattr(self._local, "store", None)
        self._local.store = None
        if store is not None:
            with contextlib.suppress(StoreError):
                store.close()

    def _user_hash(self, user: str | None, store: Store | None) -> str | None:
        """A keyed hash of the user id (keyed by the store id): joinable within one store, not reversible."""
        if user is None:
            return None
        if self._hash_key is None:
            store_id = store.get_meta("store_id") if store is not None else None
            if store_id is None:
                return None
            self._hash_key = store_id.encode()
        return hmac.new(self._hash_key, user.encode("utf-8"), hashlib.sha256).hexdigest()[:32]
