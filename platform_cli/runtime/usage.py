"""Usage events: one per runtime call, built from what the call was about (`CallContext`) and its outcome."""

from __future__ import annotations

from dataclasses import dataclass

from platform_cli.providers import Usage
from platform_cli.store.engine import utc_timestamp
from platform_cli.store.runtime import UsageEvent


@dataclass(frozen=True)
class CallContext:
    """What a call was about, known before any provider is called."""

    feature: str
    operation: str  # complete | chat
    prompt: str
    prompt_version: int | None
    prompt_hash: str | None
    label: str | None
    variant: str | None
    segment: str | None
    user_hash: str | None
    conversation_id: str | None = None

    def event(
        self,
        *,
        provider: str | None,
        model: str | None,
        usage: Usage,
        latency_s: float,
        finish_reason: str | None,
        refusal: bool,
        cache_hit: bool,
        fallback_used: bool,
        attempts: int,
        error: str | None = None,
        provider_kind: str | None = None,
    ) -> UsageEvent:
        return UsageEvent(
            at=utc_timestamp(),
            feature=self.feature,
            operation=self.operation,
            prompt=self.prompt,
            prompt_version=self.prompt_version,
            prompt_hash=self.prompt_hash,
            label=self.label,
            variant=self.variant,
            segment=self.segment,
            user_hash=self.user_hash,
            conversation_id=self.conversation_id,
            provider=provider,
            model=model,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cache_read_tokens=usage.cache_read_tokens,
            cache_write_tokens=usage.cache_write_tokens,
            reasoning_tokens=usage.reasoning_tokens,
            latency_ms=round(latency_s * 1000.0, 3),
            finish_reason=finish_reason,
            refusal=refusal,
            cache_hit=cache_hit,
            fallback_used=fallback_used,
            attempts=attempts,
            error=error,
            provider_kind=provider_kind,
        )
