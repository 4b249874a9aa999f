"""The call record: everything about one runtime call, written down once.

Every other shape of a call is derived from it BY FIELD NAME: the usage event stored for it
(`usage_event()`), the `Result` returned to the caller (`result()`), the tags of the response-cache entry
it writes (`tags_for(CachedResponse)`), and the tags of the two conversation turns a chat saves. So a new
fact about calls is one field here, and whatever shape has a field of the same name carries it:

1. Add the field to `CallRecord` with a default (e.g. `traffic: str | None = None`) and set it where the
   runtime learns it (`Feature._record()` for what is known before the call, `served()` / `hit()` /
   `failed()` or the caller for what is known after).
2. To store it: a migration adding the column (store/sql/<part>.py), the column name in
   `sql.runtime.USAGE_COLUMNS`, and a field of the same name on `UsageEvent` (store/runtime.py).
3. To return it: a field of the same name on `Result` (runtime/result.py; with a default).
A field of UsageEvent or Result with no source here fails at import (see `_check_derivable`), and a test
checks that the stored columns and UsageEvent agree, so nothing is dropped silently.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from platform_cli.providers.base import Usage
from platform_cli.runtime.cache import CachedAnswer
from platform_cli.runtime.chain import Served
from platform_cli.runtime.result import AllProvidersFailed, Result
from platform_cli.store.runtime import UsageEvent

_NO_USAGE = Usage()
TOKEN_FIELDS = tuple(f.name for f in dataclasses.fields(Usage))


@dataclass(slots=True)
class CallRecord:
    """One call: what it was about (known before any provider is called), then what served it."""

    # --- what the call is about -----------------------------------------------------------------------
    feature: str
    operation: str  # complete | chat
    prompt: str
    prompt_version: int
    prompt_hash: str
    label: str | None  # the label followed (None when a cohort's variant pinned a version)
    variant: str | None
    cohort: int | None  # the user's / conversation's bucket (0-9999) when an allocation applied
    prompt_source: str  # store | cache | last-known-good | file
    segment: str | None
    user_hash: str | None
    conversation_id: str | None = None
    started: float = 0.0  # time.perf_counter() when the call began (not stored)
    # --- what served it -------------------------------------------------------------------------------
    at: str = ""  # store timestamp when the call finished
    provider: str | None = None
    provider_kind: str | None = None  # the kind that answered: 'fake' when served offline
    model: str | None = None
    text: str = ""
    usage: Usage = field(default=_NO_USAGE)  # what THIS call consumed (zero on a cache hit)
    latency_s: float = 0.0
    finish_reason: str | None = None
    refusal: bool = False
    cache_hit: bool = False
    fallback_used: bool = False
    attempts: int = 0  # HTTP requests made, retries and failed providers included
    error: str | None = None  # why every provider failed
    system_fingerprint: str | None = None
    history_turns: int = 0  # chat: earlier turns sent with the message
    history_source: str | None = None  # chat: store | unavailable
    cost_usd: float | None = None  # None: the model has no price (unpriced, never $0)
    price_version: str | None = None  # the price table that priced it
    malformed: bool | None = None  # the answer failed the prompt's output_schema (None: none declared)
    output_schema: dict[str, Any] | None = None  # the prompt's, to check the answer against (not stored)
    traffic: str | None = None  # 'eval' for the eval harness's calls (and its judges); None: user traffic
    eval_run_id: str | None = None  # the eval run that made the call
    variables: Mapping[str, Any] | None = None  # the prompt's variables (not stored; online scoring samples)

    # --- outcomes -------------------------------------------------------------------------------------
    def served(self, served: Served) -> None:
        """A provider answered (`served.index` > 0: a fallback did)."""
        completion = served.completion
        self.provider, self.provider_kind = served.provider.name, served.provider.kind
        self.model, self.text, self.usage = completion.model, completion.text, completion.usage
        self.finish_reason, self.refusal = completion.finish_reason, completion.refusal
        self.system_fingerprint = completion.system_fingerprint
        self.fallback_used, self.attempts = served.index > 0, served.attempts

    def hit(self, answer: CachedAnswer, *, index: int, kind: str) -> None:
        """Served from the response cache, keyed for the provider at `index` in the chain."""
        self.provider, self.provider_kind, self.model = answer.provider, kind, answer.model
        self.text, self.usage = answer.text, _NO_USAGE  # nothing was billed for this answer
        self.finish_reason, self.refusal = answer.finish_reason, answer.refusal
        self.system_fingerprint = answer.system_fingerprint
        self.cache_hit, self.fallback_used, self.attempts = True, index > 0, 0

    def failed(self, error: AllProvidersFailed) -> None:
        """No provider answered."""
        self.attempts = sum(f.attempts for f in error.failures)
        self.error = "; ".join(
            f"{f.provider}: {f.kind}" + (f" {f.status}" if f.status else "") for f in error.failures
        )

    # --- derived shapes (every call builds two: positional, from precomputed C-level getters) ------------
    def usage_event(self) -> UsageEvent:
        """The row stored for this call."""
        values = (*_EVENT_VALUES(self), *_TOKENS(self.usage), round(self.latency_s * 1000.0, 3), 0)
        return UsageEvent(*_EVENT_ORDER(values))

    def result(self) -> Result:
        """What the caller gets back."""
        return Result(*_RESULT_VALUES(self))

    def tags_for(self, shape: type[Any]) -> dict[str, Any]:
        """This record's values for every field of the dataclass `shape` that the record also has."""
        names, values = _shared(shape)
        return dict(zip(names, values(self), strict=True))


_FIELDS = frozenset(f.name for f in dataclasses.fields(CallRecord))
_DERIVED_EVENT_FIELDS = frozenset({*TOKEN_FIELDS, "latency_ms", "id"})
Getter = Callable[[Any], tuple[Any, ...]]
_SHARED: dict[type[Any], tuple[tuple[str, ...], Getter]] = {}


def _getter(names: Sequence[str]) -> Getter:
    """An attrgetter that always answers a tuple (attrgetter of one name answers the bare value)."""
    if len(names) == 1:
        single = operator.attrgetter(names[0])
        return lambda obj: (single(obj),)
    many: Getter = operator.attrgetter(*names)
    return many


def _shared(shape: type[Any]) -> tuple[tuple[str, ...], Getter]:
    found = _SHARED.get(shape)
    if found is None:
        names = tuple(f.name for f in dataclasses.fields(shape) if f.name in _FIELDS)
        found = _SHARED[shape] = (names, _getter(names))
    return found


def _check_derivable(shape: type[Any], derived: Iterable[str] = ()) -> tuple[str, ...]:
    """The field names of `shape` copied from a record; a field with no source is a programming error."""
    missing = [
        f.name for f in dataclasses.fields(shape) if f.name not in _FIELDS and f.name not in set(derived)
    ]
    if missing:
        raise TypeError(
            f"{shape.__name__} fields {missing} have no source in CallRecord: add them to CallRecord "
            "(platform_cli/runtime/record.py) with a default"
        )
    return tuple(f.name for f in dataclasses.fields(shape) if f.name in _FIELDS)


# The usage event: the record's fields of the same name, then the token buckets of `usage`, the latency in
# ms and id 0 (the store assigns it), reordered into UsageEvent's field order, wherever `id` stands.
_EVENT_COPIED = _check_derivable(UsageEvent, _DERIVED_EVENT_FIELDS)
_EVENT_SOURCES = [*_EVENT_COPIED, *TOKEN_FIELDS, "latency_ms", "id"]
_EVENT_VALUES = _getter(_EVENT_COPIED)
_TOKENS = _getter(TOKEN_FIELDS)
_EVENT_ORDER = operator.itemgetter(*[_EVENT_SOURCES.index(f.name) for f in dataclasses.fields(UsageEvent)])
# The Result: every one of its fields, in its order (_check_derivable makes sure the record has them all).
_RESULT_VALUES = _getter(_check_derivable(Result))
