"""The feature runtime: resolve the prompt version, render, check the cache, call providers, record usage.

    feature = Feature.load(repo_root)
    result = feature.complete("summarize", {"ticket": text}, user=user_id, segment="billing")
    reply = feature.chat(conversation_id, "and what about March?", user=user_id)

Prompts come from the registry (`PromptResolver`: label or the prompt's allocation, sticky by user for
complete() and by conversation for chat()); providers are called in the manifest's fallback order, each
behind retries and a circuit breaker; answers are cached by (prompt content hash, provider, model,
rendered input, params); chat turns are saved tagged with what produced them (runtime/chat.py); every
call is written down once as a `CallRecord` (runtime/record.py), from which its usage event and its
Result are derived. Thread-safe: each thread gets one store connection, shared by the feature and its
prompt resolver (`StoreLink`).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from platform_cli.cost.budget_guard import BUDGET_EXHAUSTED, BudgetExhausted
from platform_cli.cost.runtime_cost import CallCosting
from platform_cli.errors import UserError
from platform_cli.manifest import Manifest, resolve_state_url
from platform_cli.prompts import PromptFile, PromptResolver, ResolvedPrompt
from platform_cli.prompts.defaults import DEFAULT_LABEL
from platform_cli.prompts.files import prompt_names
from platform_cli.providers import Provider, Resilient
from platform_cli.runtime import chat as chat_call
from platform_cli.runtime.cache import DEFAULT_TTL_S, ResponseCache, cache_key, cacheable
from platform_cli.runtime.chain import Served, call_chain
from platform_cli.runtime.history import DEFAULT_MAX_TURNS, conversation_history
from platform_cli.runtime.overrides import OverrideView, Pins, Rebuild, rebuilt_chain
from platform_cli.runtime.record import CallRecord
from platform_cli.runtime.result import AllProvidersFailed, Result
from platform_cli.runtime.sampling import OnlineSampler
from platform_cli.runtime.wiring import manifest_of, offline_from_env, provider_chain
from platform_cli.runtime.writer import BackgroundWriter
from platform_cli.secrets import Secret, SecretReader
from platform_cli.store import Store, StoreError
from platform_cli.store.connections import StoreLink
from platform_cli.store.engine import utc_timestamp
from platform_cli.store.runtime import UsageEvent

__all__ = ["Feature", "offline_from_env"]

log = logging.getLogger("platform_cli.runtime")
REGISTRY_TTL_S = 30.0


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
        link: StoreLink | None = None,
        costing: CallCosting | None = None,
        rebuild: Rebuild | None = None,
        sampler: OnlineSampler | None = None,
    ) -> None:
        self.manifest = manifest
        self.root = manifest.root
        self.name = manifest.name
        self.providers = list(providers)
        self.state_url = state_url
        self.resolver = resolver
        self.cache = ResponseCache(manifest.name, cache_ttl_s)
        self.max_history_turns = max_history_turns
        self.link = link or StoreLink(state_url)
        # Set by the eval runner on its own Feature: every call this feature makes is tagged eval traffic.
        self.traffic: str | None = None
        self.eval_run_id: str | None = None
        self.writer = writer or BackgroundWriter(state_url, link=self.link)
        self.sampler = sampler  # online scoring: which answers are kept for scoring (None: none)
        self._hash_key: bytes | None = None
        # prices, budget enforcement, output_schema checks, metrics (cost/runtime_cost.py)
        self.costing = costing or CallCosting(manifest, state_url)
        # `platform rollback model|provider` overrides, read with the registry's TTL (runtime/overrides.py);
        # without `rebuild` (a view built by hand, e.g. an eval run's) the chain stays as given.
        self.overrides = OverrideView(manifest, resolver.ttl_s) if rebuild is not None else None
        self._rebuild = rebuild
        self._pins: Pins = ()

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
        registry_ttl_s: float = REGISTRY_TTL_S,
        lkg_dir: Path | None = None,
        require_published: Iterable[str] | None = None,
    ) -> Feature:
        """Load the feature at `repo` (a directory, its ai-feature.yaml, or a loaded Manifest).

        `fail_providers`: names of declared providers that must fail every call (fault injection).
        `fallbacks`: providers appended after the declared ones (e.g. a FakeProvider in a fallback test).
        `offline`: serve every provider with the deterministic fake (default: $PLATFORM_OFFLINE).
        `state_url`: the store (default: $PLATFORM_STATE_URL, else spec.state.url).
        `cache_ttl_s`: response cache lifetime; 0 turns the cache off.
        `secrets`: name -> Secret reader for API keys (default: SecretReader over the manifest).
        `registry_ttl_s`: how long a label, an allocation or a runtime override read from the store is
        reused (a change made elsewhere is served within it).
        `lkg_dir`: where last-known-good prompt copies go (default: the repo's .platform/lkg).
        `require_published`: the prompts a shared store must already hold a version of, else
        PromptUnpublished (default: every prompt file; an eval run, which pins its version, passes ()).
        """
        manifest = manifest_of(repo)
        failing = tuple(fail_providers)
        serve_offline = offline_from_env() if offline is None else offline

        def rebuild(effective: Manifest) -> list[Resilient]:
            names = {spec.name for spec in effective.providers}
            return provider_chain(
                effective, fail_providers=[n for n in failing if n in names], fallbacks=fallbacks,
                offline=serve_offline, secrets=secrets, sleep=sleep,
            )  # fmt: skip

        chain = provider_chain(
            manifest,
            fail_providers=failing,
            fallbacks=fallbacks,
            offline=serve_offline,
            secrets=secrets,
            sleep=sleep,
        )
        keys = secrets or SecretReader(manifest).get  # ${NAME} in spec.state.url may name a declared secret
        url = state_url or resolve_state_url(manifest, secret=lambda name: keys(name).reveal())
        link = StoreLink(url)
        resolver = PromptResolver(
            link, manifest.root / "prompts", providers=[p.name for p in manifest.providers],
            ttl_s=registry_ttl_s, lkg_dir=lkg_dir,
        )  # fmt: skip
        # against a shared store nothing is published on first use: refuse to start with unpublished prompts
        names = prompt_names(manifest.root / "prompts") if require_published is None else require_published
        resolver.require_published(list(names))
        return cls(
            manifest,
            chain,
            state_url=url,
            resolver=resolver,
            cache_ttl_s=cache_ttl_s,
            max_history_turns=max_history_turns,
            link=link,
            rebuild=rebuild,
            sampler=OnlineSampler.from_manifest(manifest),
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
        self.check_segment(segment)
        resolved = self.resolver.resolve(prompt, label=label or DEFAULT_LABEL, key=user, segment=segment)
        messages = resolved.render(variables)
        params = self.params(resolved)
        store = self.link.get()
        record = self.new_record("complete", resolved, segment, user, store, started)
        record.variables = variables
        key: str | None = None
        if store is not None and self.cache.enabled:
            # Look up the answer of the first provider that would be called now (its breaker is closed).
            index, first = next(
                ((i, p) for i, p in enumerate(self.providers) if p.available()), (0, self.providers[0])
            )
            key = self._key(resolved, first, messages, params)
            if self._cache_hit(store, key, index, record):
                return self.finish(record)
        served = self.call(messages, params, record)
        if key is not None and cacheable(served.completion):
            if served.provider is not first:
                key = self._key(resolved, served.provider, messages, params)
            self.writer.cache(self.cache.entry(key, record, served.completion))
        return self.finish(record)

    def chat(
        self,
        conversation_id: str,
        message: str,
        *,
        user: str | None = None,
        prompt: str = chat_call.CHAT_PROMPT,
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
        return chat_call.chat(
            self, conversation_id, message, user=user, prompt=prompt, variables=variables, segment=segment,
            label=label,
        )  # fmt: skip

    def history(self, conversation_id: str) -> list[dict[str, str]]:
        """The history the next chat() in this conversation will send (quarantined turns left out)."""
        return conversation_history(self.link.require(), conversation_id, max_turns=self.max_history_turns)

    def usage_events(self, *, since: str = "", timeout_s: float = 10.0) -> list[UsageEvent]:
        """This feature's usage events in the store, oldest first, after writing those still pending.

        `since`: a store timestamp (ISO-8601 UTC) to start at. StoreError when pending events could not be
        written within `timeout_s` (the store is unreachable) or the store cannot be read.
        """
        if not self.writer.flush(timeout_s):
            raise StoreError(
                f"usage events not written within {timeout_s:g}s: {self.writer.last_error or 'store busy'}"
            )
        return self.link.require().usage_events(self.name, since=since)

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
        self.costing.close()
        self.link.close()
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

    # --- the steps every call takes (complete() and chat.py) -------------------------------------------
    def check_segment(self, segment: str | None) -> None:
        if segment is not None and self.manifest.segments and segment not in self.manifest.segments:
            raise UserError(
                f"segment {segment!r} is not declared in {self.manifest.display} (declared: "
                f"{', '.join(self.manifest.segments)}); add it to spec.segments or pass a declared one"
            )

    def params(self, resolved: ResolvedPrompt) -> dict[str, Any]:
        params = dict(resolved.parameters)
        if "model" in params:
            raise UserError(
                f"{resolved.prompt.where}: parameters.model is not allowed: the model comes from "
                f"spec.providers in {self.manifest.display} (only the pinned models it declares are called)"
            )
        return params

    def new_record(
        self,
        operation: str,
        resolved: ResolvedPrompt,
        segment: str | None,
        user: str | None,
        store: Store | None,
        started: float,
        conversation_id: str | None = None,
    ) -> CallRecord:
        """The call's record, with what is known before any provider is called (the overrides in force)."""
        self._apply_overrides(store)
        record = CallRecord(
            self.name, operation, resolved.name, resolved.version, resolved.content_hash, resolved.label,
            resolved.variant, resolved.bucket, resolved.source, segment, self._user_hash(user, store),
            conversation_id, started,
        )  # fmt: skip
        record.output_schema = resolved.prompt.output_schema
        record.traffic, record.eval_run_id = self.traffic, self.eval_run_id
        return record

    def call(
        self, messages: Sequence[Mapping[str, str]], params: Mapping[str, Any], record: CallRecord
    ) -> Served:
        """The first answer of the fallback chain, written into `record`; a total failure is recorded.

        With the monthly budget spent and spec.budget.on_exhausted set, the call is refused (`block`,
        BudgetExhausted) or made with the named provider only (`fallback:<name>`); the check reads a shared
        counter in microseconds and never waits for the store.
        """
        providers = self.providers
        guard = self.costing.guard
        if guard is not None and guard.exhausted():
            wanted = guard.fallback_provider
            if wanted is None:
                record.finish_reason = BUDGET_EXHAUSTED  # not a provider error: no provider was called
                self.finish(record)
                raise BudgetExhausted(
                    f"{self.name}: the monthly budget (${guard.monthly_usd:,.2f}) is spent and "
                    f"spec.budget.on_exhausted is block in {self.manifest.display}; raise monthly_usd or set "
                    "on_exhausted: fallback:<a cheaper provider>"
                )
            providers = [p for p in self.providers if p.name == wanted] or self.providers
        try:
            served = call_chain(providers, messages, params, prompt=record.prompt)
        except AllProvidersFailed as error:
            record.failed(error)
            self.finish(record)
            raise
        record.served(served)
        return served

    def finish(self, record: CallRecord) -> Result:
        """Stamp the record, queue its usage event, and return its Result."""
        record.latency_s = time.perf_counter() - record.started
        record.at = utc_timestamp()
        costing = self.costing
        record.cost_usd = costing.price(record.usage, record.model, record.provider_kind)
        record.price_version = costing.version
        if record.error is None and not record.cache_hit:
            record.malformed = costing.malformed(record.text, record.output_schema)
        costing.spent(record.cost_usd, record.provider_kind)
        self.writer.record(record.usage_event())
        if self.sampler is not None:
            self.sampler.offer(record, self.writer)
        return record.result()

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

    def _cache_hit(self, store: Store, key: str, index: int, record: CallRecord) -> bool:
        """Serve `record` from the response cache when there is a live entry for `key`."""
        try:
            hit = self.cache.get(store, key, self.writer.unwritten(key))
        except StoreError as error:
            log.warning("response cache unavailable, calling the provider: %s", error)
            self.link.failed(error)
            return False
        if hit is None:
            return False
        record.hit(hit, index=index, kind=self.providers[index].kind)
        return True

    def _apply_overrides(self, store: Store | None) -> None:
        """Call the chain the runtime overrides in force make (re-read every registry TTL)."""
        if self._rebuild is None or self.overrides is None:
            return
        pins = self.overrides.pins(store)
        if pins != self._pins:
            chain = rebuilt_chain(self.providers, self.manifest, pins, self._rebuild)
            if not chain:  # the CLI refuses this; two racing disables could still get here
                log.error("runtime overrides %s would leave no provider: ignored", list(pins))
                return
            self.providers, self._pins = chain, pins
            log.info("runtime overrides of %s now: %s", self.name, list(pins) or "none")

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
