"""Online-scoring samples: which live answers are kept for scoring, queued on the background writer.

The request path only decides and enqueues: every answer of a canary variant (any variant other than
control) up to `canary_cap` per prompt version and process, and `sample_rate` of the others. A sample is
the answer with its variables, version, cohort and segment, appended to the writer's batch (no I/O on
the call). When the writer falls behind (the store is slow or down) and `max_queue` rows are already
waiting, new samples are dropped and counted in `dropped`, so usage events are never crowded out and
memory stays bounded. Scoring happens elsewhere (`platform rollout score` / `watch`).
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from platform_cli.manifest import Manifest
from platform_cli.prompts.cohorts import CONTROL
from platform_cli.store.rollout import OnlineSample

if TYPE_CHECKING:
    from platform_cli.runtime.record import CallRecord
    from platform_cli.runtime.writer import BackgroundWriter

MAX_FIELD_CHARS = 16_000  # longer inputs / answers are cut (marked) before they are stored


class OnlineSampler:
    """Decides per answer whether to keep it for online scoring. Thread-safe; cheap when it says no."""

    def __init__(
        self,
        sample_rate: float,
        canary_cap: int,
        max_queue: int,
        *,
        rng: random.Random | None = None,
    ) -> None:
        self.sample_rate = sample_rate
        self.canary_cap = canary_cap
        self.max_queue = max_queue
        self.sampled = 0
        self.dropped = 0  # samples not queued because the writer had max_queue rows waiting
        self._random = (rng or random.Random()).random
        self._canary: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_manifest(cls, manifest: Manifest) -> OnlineSampler | None:
        """The sampler spec.rollout.online_scoring asks for, or None (sampling off: nothing on the path)."""
        online = manifest.rollout.online_scoring if manifest.rollout else None
        if online is None:
            return None
        return cls(online.sample_rate, online.canary_cap, online.max_queue)

    def offer(self, record: CallRecord, writer: BackgroundWriter) -> bool:
        """Queue `record`'s answer when it is sampled; True when it was."""
        if record.error is not None or record.provider is None or record.traffic is not None:
            return False  # failed calls have no answer; eval runs (traffic 'eval') are not live traffic
        variant = record.variant
        if variant is not None and variant != CONTROL:
            key = (record.prompt, record.prompt_version)
            with self._lock:
                taken = self._canary.get(key, 0)
                if taken >= self.canary_cap:
                    return False
                self._canary[key] = taken + 1
        elif self._random() >= self.sample_rate:
            return False
        if writer.pending >= self.max_queue:
            self.dropped += 1
            return False
        writer.sample(_sample(record))
        self.sampled += 1
        return True


def _cut(text: str) -> str:
    return text if len(text) <= MAX_FIELD_CHARS else text[:MAX_FIELD_CHARS] + " [cut]"


def _input(variables: Mapping[str, Any] | None) -> str:
    try:
        text = json.dumps(dict(variables or {}), ensure_ascii=False, default=str, separators=(",", ":"))
    except (TypeError, ValueError):
        text = "{}"
    return text if len(text) <= MAX_FIELD_CHARS else json.dumps({"_cut": text[:MAX_FIELD_CHARS]})


def _sample(record: CallRecord) -> OnlineSample:
    usage = record.usage
    return OnlineSample(
        at=record.at, feature=record.feature, operation=record.operation, prompt=record.prompt,
        prompt_version=record.prompt_version, prompt_hash=record.prompt_hash, variant=record.variant,
        segment=record.segment, user_hash=record.user_hash, input=_input(record.variables),
        output=_cut(record.text), refusal=record.refusal, finish_reason=record.finish_reason,
        latency_ms=round(record.latency_s * 1000.0, 3), provider=record.provider, model=record.model,
        cost_usd=record.cost_usd, cache_hit=record.cache_hit, input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
    )  # fmt: skip
