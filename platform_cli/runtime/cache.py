"""The response cache: keyed by (prompt hash, provider, serving kind, model, input, params), with a TTL.

Entries carry the prompt name and version that produced them, so a rollback purges exactly those
(`Store.purge_cached_responses(prompt, version)`), and the store neither serves nor writes an entry of a
version a rollback revoked (so a row another process queued before the rollback cannot bring it back).
Only complete, non-refused answers are cached.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from platform_cli.providers import Completion, Usage
from platform_cli.providers.base import FINISH_STOP
from platform_cli.store import Store
from platform_cli.store.engine import utc_timestamp
from platform_cli.store.runtime import CachedResponse

if TYPE_CHECKING:
    from platform_cli.runtime.record import CallRecord

DEFAULT_TTL_S = 3600.0


def cache_key(
    feature: str,
    prompt_hash: str,
    provider: str,
    model: str,
    messages: Sequence[Mapping[str, str]],
    params: Mapping[str, Any],
    kind: str,
) -> str:
    """sha256 over everything that determines the answer; the same on every process and engine.

    `kind` is the kind of provider actually serving (e.g. 'fake' when an openai entry is served offline),
    so an offline answer is never served later as the real provider's.
    """
    material = json.dumps(
        [feature, prompt_hash, provider, kind, model, list(messages), dict(params)],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CachedAnswer:
    """A cache hit: the answer and what originally produced it (`usage` is what that call consumed)."""

    text: str
    finish_reason: str
    refusal: bool
    usage: Usage
    provider: str
    model: str
    prompt_version: int
    system_fingerprint: str | None
    created_at: str


def cacheable(completion: Completion) -> bool:
    return completion.finish_reason == FINISH_STOP and not completion.refusal


class ResponseCache:
    """Reads and writes cache entries of one feature through a Store; `ttl_s <= 0` turns it off."""

    def __init__(self, feature: str, ttl_s: float = DEFAULT_TTL_S) -> None:
        self.feature = feature
        self.ttl_s = ttl_s

    @property
    def enabled(self) -> bool:
        return self.ttl_s > 0

    def get(self, store: Store, key: str, unwritten: CachedResponse | None = None) -> CachedAnswer | None:
        """The live entry for `key`: `unwritten` (queued here, not yet in the store) or the store's.

        Never an answer of a version a rollback revoked: the store's read leaves those out, and an entry
        this process queued before the rollback is checked against the store before it is served.
        """
        now = utc_timestamp()
        entry = unwritten if unwritten is not None and unwritten.expires_at > now else None
        if entry is not None and store.version_revoked(entry.prompt, entry.prompt_version):
            return None
        if entry is None:
            entry = store.cached_response(key, now)
        if entry is None:
            return None
        data = json.loads(entry.response)
        return CachedAnswer(
            text=str(data["text"]),
            finish_reason=str(data["finish_reason"]),
            refusal=bool(data.get("refusal", False)),
            usage=Usage.from_dict(data.get("usage", {})),
            provider=entry.provider,
            model=entry.model,
            prompt_version=entry.prompt_version,
            system_fingerprint=data.get("system_fingerprint"),
            created_at=entry.created_at,
        )

    def entry(self, key: str, record: CallRecord, completion: Completion) -> CachedResponse:
        """The row to write for `completion`, tagged from the call's record (the runtime queues it)."""
        now = dt.datetime.now(dt.timezone.utc)
        response = json.dumps(
            {
                "text": completion.text,
                "finish_reason": completion.finish_reason,
                "refusal": completion.refusal,
                "usage": completion.usage.as_dict(),
                "system_fingerprint": completion.system_fingerprint,
            },
            separators=(",", ":"),
            ensure_ascii=False,
        )
        return CachedResponse(
            cache_key=key,
            response=response,
            created_at=utc_timestamp(now),
            expires_at=utc_timestamp(now + dt.timedelta(seconds=self.ttl_s)),
            **record.tags_for(CachedResponse),
        )
