"""The runtime resolver: prompt name + label (or a sticky cohort) -> the exact published version to serve.

    resolver = PromptResolver(state_url, repo / "prompts")
    resolved = resolver.resolve("summarize", key=user_id, segment="billing")
    messages = resolved.render({"ticket": text})      # resolved.version says exactly what served

Label lookups are cached in-process for `ttl_s` (a label moved by another process is seen within it);
published versions are immutable and cached for good. Every answer from the store is also kept on disk
(last-known-good), so a cold start with the store unreachable still serves, with source
"last-known-good". On day 0, against a local SQLite store, a prompt with no published version is published
from its file as v1 and `production` points at it ("published on first use", source "file"). Against a
shared store (PostgreSQL) running code never writes the registry: an unpublished prompt is an error naming
the commands, because publishing there belongs to CI after the eval gate.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from platform_cli.errors import InvalidFile, UserError
from platform_cli.prompts.cohorts import ALL_SEGMENTS, CONTROL, Allocation, bucket_of, pinned_version
from platform_cli.prompts.config import LKG_DIR, load_settings
from platform_cli.prompts.defaults import DEFAULT_LABEL
from platform_cli.prompts.errors import PromptUnavailable, PromptUnpublished
from platform_cli.prompts.files import PromptFile, load_prompt
from platform_cli.prompts.identity import current_author
from platform_cli.prompts.labels import unknown_label
from platform_cli.prompts.lint import lint_prompt
from platform_cli.prompts.lkg import LastKnownGood, store_key
from platform_cli.prompts.versions import as_prompt, publish
from platform_cli.store import Store, StoreError
from platform_cli.store.connections import StoreLink
from platform_cli.store.engine import utc_timestamp
from platform_cli.store.prompts import LabelMove

Source = Literal["store", "cache", "last-known-good", "file"]
FIRST_USE = "published on first use"


@dataclass(frozen=True, slots=True)
class ResolvedPrompt:
    """What was resolved: the exact version, how it was chosen (label / variant) and where it came from."""

    name: str
    version: int
    content_hash: str
    variant: str | None  # the cohort's variant (CONTROL or a variant name) when a key was given
    label: str | None  # the label followed (None for a variant pinned to a version)
    source: Source
    prompt: PromptFile
    bucket: int | None = None
    segment: str | None = None  # whose allocation applied: a segment, or "*" for all
    detail: str = ""  # for last-known-good: why the store was not used, and when the copy was saved

    def render(self, variables: Mapping[str, Any]) -> list[dict[str, str]]:
        return self.prompt.render(variables)

    @property
    def parameters(self) -> dict[str, Any]:
        return self.prompt.parameters


@dataclass(frozen=True)
class _Cohorts:
    salt: str | None
    allocation: Allocation | None
    used: str  # the segment whose allocation applies ("*" for the default)


class PromptResolver:
    """Resolve prompts against a state store, with a TTL cache and a last-known-good copy on disk.

    `store` is a Store, a URL or a StoreLink (the feature runtime passes its own, so a serving thread
    holds one connection for both): with a URL or a link each thread has its own connection, dropped
    after a failure and reopened after `retry_s`. Thread-safe unless given a Store. Last-known-good copies
    go under `lkg_dir/<store_key(url)>/`.
    `providers`: the manifest's provider names, for the checks publishing on first use runs (default: read
    from the ai-feature.yaml next to `prompts_dir`, when there is one).
    """

    def __init__(
        self,
        store: Store | str | StoreLink,
        prompts_dir: Path,
        *,
        ttl_s: float = 30.0,
        lkg_dir: Path | None = None,
        author: str | None = None,
        retry_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        providers: Sequence[str] | None = None,
    ) -> None:
        self.prompts_dir = Path(prompts_dir)
        self.providers = tuple(providers) if providers is not None else None
        self.ttl_s = ttl_s
        self.retry_s = min(ttl_s, 5.0) if retry_s is None else retry_s
        base = lkg_dir if lkg_dir is not None else self.prompts_dir.parent / LKG_DIR
        self.lkg = LastKnownGood(base / store_key(store.url if not isinstance(store, str) else store))
        self._author = author
        self._clock = clock
        self._shared = store if isinstance(store, Store) else None
        if isinstance(store, str):
            store = StoreLink(store, retry_s=self.retry_s, clock=clock)
        self.link = store if isinstance(store, StoreLink) else None
        self._shared_down_until = float("-inf")
        self._shared_down_reason: str | None = None
        self._lock = threading.RLock()
        self._labels: dict[tuple[str, str], tuple[float, ResolvedPrompt]] = {}
        self._pinned: dict[tuple[str, int], ResolvedPrompt] = {}
        self._cohorts: dict[tuple[str, str], tuple[float, _Cohorts]] = {}

    # --- public API ---------------------------------------------------------------------------------------
    def resolve(
        self, name: str, *, label: str = DEFAULT_LABEL, key: str | None = None, segment: str | None = None
    ) -> ResolvedPrompt:
        """The version to serve. With `key`, the prompt's allocation for `segment` picks a sticky variant."""
        if key is None:
            return self._by_label(name, label)
        cohorts = self._cohorts_for(name, segment)
        if cohorts.allocation is None or cohorts.salt is None:
            return self._by_label(name, label)
        bucket = bucket_of(cohorts.salt, key)
        variant = cohorts.allocation.variant_for(bucket)
        pinned = pinned_version(variant) if variant != CONTROL else None
        if pinned is not None:
            base = self._by_version(name, pinned)
        else:
            base = self._by_label(name, label if variant == CONTROL else variant)
        # Built directly, not with dataclasses.replace: this is the hot path of keyed resolves.
        return ResolvedPrompt(
            base.name, base.version, base.content_hash, variant, base.label, base.source, base.prompt,
            bucket, cohorts.used, base.detail,
        )  # fmt: skip

    def resolve_version(self, name: str, version: int) -> ResolvedPrompt:
        """Exactly `version` of `name` (published versions never change: cached for good)."""
        return self._by_version(name, version)

    def require_published(self, names: Sequence[str]) -> None:
        """Against a shared store, raise PromptUnpublished naming every prompt of `names` with no published
        version (a local store publishes on first use; an unreachable one is left to resolve(); a published
        prompt without the label asked for is resolve()'s UnknownLabel, naming the promote command)."""
        store = self._store()
        if store is None or store.dialect == "sqlite":
            return
        try:
            missing = [name for name in names if store.latest_prompt_version(name) is None]
        except StoreError as error:
            self._mark_down(error)
            return
        if missing:
            raise unpublished(store, missing)

    def invalidate(self) -> None:
        """Forget cached label and allocation lookups (published versions stay cached: they never change)."""
        with self._lock:
            self._labels.clear()
            self._cohorts.clear()

    def close(self) -> None:
        """Close this thread's store connection (a Store passed in is the caller's to close)."""
        if self.link is not None:
            self.link.close()

    @property
    def down_reason(self) -> str | None:
        """Why the store was last found unreachable (None when it never was)."""
        return self.link.down_reason if self.link is not None else self._shared_down_reason

    # --- labels -------------------------------------------------------------------------------------------
    def _by_label(self, name: str, label: str) -> ResolvedPrompt:
        hit = self._labels.get((name, label))
        if hit is not None and hit[0] > self._clock():
            return hit[1]
        with self._lock:
            return self._refresh_label(name, label, hit[1] if hit else None)

    def _refresh_label(self, name: str, label: str, stale: ResolvedPrompt | None) -> ResolvedPrompt:
        store = self._store()
        if store is not None:
            try:
                resolved = self._label_from_store(store, name, label)
            except StoreError as error:
                self._mark_down(error)
            else:
                self.lkg.save_label(
                    name, label, resolved.version, resolved.content_hash, resolved.prompt.canonical
                )
                self._remember(name, label, replace(resolved, source="cache"), self.ttl_s)
                return resolved
        if stale is not None:
            fallback = replace(stale, source="last-known-good", detail=self._why("kept in memory"))
        else:
            saved = self.lkg.load_label(name, label)
            if saved is None:
                raise PromptUnavailable(
                    f"prompt '{name}' label '{label}': the state store is unreachable ({self.down_reason}) "
                    f"and there is no last-known-good copy in {self.lkg.directory}; bring the store back "
                    "(or fix PLATFORM_STATE_URL) and resolve once while it is up"
                )
            version, digest, content, saved_at = saved
            fallback = ResolvedPrompt(
                name, version, digest, None, label, "last-known-good",
                PromptFile.from_content(name, content, version=version),
                detail=self._why(f"copy saved {saved_at}"),
            )  # fmt: skip
        self._remember(name, label, fallback, self.retry_s)
        return fallback

    def _label_from_store(self, store: Store, name: str, label: str) -> ResolvedPrompt:
        target = store.prompt_label_target(name, label)
        if target is None:
            return self._first_use(store, name, label)
        version, digest = target
        return ResolvedPrompt(
            name, version, digest, None, label, "store", self._content(store, name, version)
        )

    def _first_use(self, store: Store, name: str, label: str) -> ResolvedPrompt:
        if label != DEFAULT_LABEL or store.latest_prompt_version(name) is not None:
            raise unknown_label(store, name, label)
        if store.dialect != "sqlite":
            raise unpublished(store, [name])
        self._check_before_publishing(name)
        prompt = load_prompt(self.prompts_dir, name)
        author = self._author or current_author(repo=self.prompts_dir.parent)
        with store.transaction():
            published = publish(store, prompt, author=author, message=FIRST_USE)
            current = store.prompt_label(name, label)
            if current is None:
                store.move_prompt_label(
                    LabelMove(0, name, label, None, published.version, utc_timestamp(), author, FIRST_USE)
                )
            version = published.version if current is None else current
        prompt = self._content(store, name, version)
        return ResolvedPrompt(name, version, prompt.content_hash, None, label, "file", prompt)

    def _check_before_publishing(self, name: str) -> None:
        """The checks `platform prompts publish` runs: first use never publishes what publish would refuse."""
        providers = self.providers
        if providers is None:
            try:
                providers = load_settings(self.prompts_dir.parent).providers
            except UserError:
                providers = None  # no manifest here (a bare prompts directory): check the variables only
        problems = lint_prompt(self.prompts_dir, name, providers=providers)
        if problems:
            raise InvalidFile(
                problems[0].file, problems, "prompt files (fix them, or see `platform prompts lint`)"
            )

    def _remember(self, name: str, label: str, resolved: ResolvedPrompt, ttl: float) -> None:
        if ttl > 0:
            self._labels[(name, label)] = (self._clock() + ttl, resolved)

    # --- pinned versions ----------------------------------------------------------------------------------
    def _by_version(self, name: str, version: int) -> ResolvedPrompt:
        hit = self._pinned.get((name, version))
        if hit is not None:
            return hit
        with self._lock:
            store = self._store()
            if store is not None:
                try:
                    prompt = self._content(store, name, version)
                except StoreError as error:
                    self._mark_down(error)
                else:
                    self.lkg.save_version(name, version, prompt.content_hash, prompt.canonical)
                    resolved = ResolvedPrompt(name, version, prompt.content_hash, None, None, "store", prompt)
                    self._pinned[(name, version)] = replace(resolved, source="cache")
                    return resolved
            saved = self.lkg.load_version(name, version)
            if saved is None:
                raise PromptUnavailable(
                    f"prompt '{name}' v{version}: the state store is unreachable ({self.down_reason}) and "
                    f"there is no last-known-good copy in {self.lkg.directory}"
                )
            _, digest, content, saved_at = saved
            prompt = PromptFile.from_content(name, content, version=version)
            return ResolvedPrompt(
                name, version, digest, None, None, "last-known-good", prompt,
                detail=self._why(f"copy saved {saved_at}"),
            )  # fmt: skip

    def _content(self, store: Store, name: str, version: int) -> PromptFile:
        cached = self._pinned.get((name, version))
        if cached is not None:
            return cached.prompt
        record = store.prompt_version(name, version)
        if record is None:  # a label points only at existing versions, and versions are never deleted
            raise StoreError(f"prompt '{name}' v{version} is missing from the state store")
        prompt = as_prompt(record)
        self._pinned[(name, version)] = ResolvedPrompt(
            name, version, record.content_hash, None, None, "cache", prompt
        )
        return prompt

    # --- cohorts ------------------------------------------------------------------------------------------
    def _cohorts_for(self, name: str, segment: str | None) -> _Cohorts:
        wanted = segment or ALL_SEGMENTS
        hit = self._cohorts.get((name, wanted))
        if hit is not None and hit[0] > self._clock():
            return hit[1]
        with self._lock:
            cohorts, ttl = self._cohorts_from_store(name, wanted), self.ttl_s
            if cohorts is None:
                ttl = self.retry_s
                saved = self.lkg.load_allocation(name, wanted)
                salt, used, allocation = saved if saved else (None, ALL_SEGMENTS, None)
                cohorts = _Cohorts(salt, Allocation.from_json(allocation) if allocation else None, used)
            if ttl > 0:
                self._cohorts[(name, wanted)] = (self._clock() + ttl, cohorts)
            return cohorts

    def _cohorts_from_store(self, name: str, wanted: str) -> _Cohorts | None:
        store = self._store()
        if store is None:
            return None
        try:
            salt = store.prompt_salt(name)
            record = store.prompt_allocation(name, wanted) if wanted != ALL_SEGMENTS else None
            if record is None:
                record = store.prompt_allocation(name, ALL_SEGMENTS)
        except StoreError as error:
            self._mark_down(error)
            return None
        used = record.segment if record else ALL_SEGMENTS
        allocation = record.allocation if record else None
        self.lkg.save_allocation(name, wanted, salt, used, allocation)
        return _Cohorts(salt, Allocation.from_json(allocation) if allocation else None, used)

    # --- the store ----------------------------------------------------------------------------------------
    def _store(self) -> Store | None:
        if self.link is not None:
            return self.link.get()
        return self._shared if self._clock() >= self._shared_down_until else None

    def _mark_down(self, error: StoreError) -> None:
        if self.link is not None:
            self.link.failed(error)  # reconnects on the next attempt after the back-off
        else:
            self._shared_down_reason = str(error)
            self._shared_down_until = self._clock() + self.retry_s

    def _why(self, what: str) -> str:
        return f"state store unreachable ({self.down_reason}); served the last-known-good version ({what})"


def unpublished(store: Store, names: Sequence[str], label: str = DEFAULT_LABEL) -> PromptUnpublished:
    shown = ", ".join(f"'{name}'" for name in names)
    first = names[0]
    subject = f"prompt {shown} has" if len(names) == 1 else f"prompts {shown} have"
    return PromptUnpublished(
        f"{subject} no published version in the shared state store {store.url}: a running feature "
        "never publishes there (that belongs to CI, after the eval gate). Publish and promote it: "
        f"`platform prompts publish {first}`, then `platform prompts promote {first} VERSION --label "
        f'{label} --reason "..."`'
    )
