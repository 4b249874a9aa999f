"""The call record: the usage event, the Result, cache tags and turn tags are all derived from it by name."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pytest

from platform_cli.providers import Usage
from platform_cli.runtime.record import CallRecord, _check_derivable
from platform_cli.runtime.result import Result
from platform_cli.store import open_store
from platform_cli.store.runtime import CachedResponse, TurnRecord, UsageEvent
from platform_cli.store.sql import runtime as sql


def _full_record() -> CallRecord:
    """A record with every field set to a non-default value."""
    return CallRecord(
        feature="support", operation="chat", prompt="chat", prompt_version=3, prompt_hash="abc",
        label="production", variant="v2", cohort=4242, prompt_source="store", segment="billing",
        user_hash="u" * 32, conversation_id="conv-1", started=1.0, at="2025-01-02T03:04:05.000000Z",
        provider="fallback", provider_kind="anthropic", model="claude-haiku-4-5-20251001", text="hi",
        usage=Usage(11, 7, 3, 2, 1), latency_s=0.25, finish_reason="length", refusal=True, cache_hit=True,
        fallback_used=True, attempts=4, error="primary: server 503", system_fingerprint="fp",
        history_turns=2, history_source="store", cost_usd=0.001, price_version="p-0123456789ab",
        malformed=True, output_schema={"type": "object"}, traffic="eval", eval_run_id="smoke-1",
        variables={"ticket": "t"},
    )  # fmt: skip


def test_no_field_of_the_record_is_left_at_its_default_in_the_fixture() -> None:
    record, blank = (
        _full_record(),
        CallRecord("f", "complete", "p", 1, "h", None, None, None, "", None, None),
    )
    same = [
        f.name for f in dataclasses.fields(CallRecord) if getattr(record, f.name) == getattr(blank, f.name)
    ]
    assert same == [], "extend _full_record() with the new field"


def test_every_usage_event_column_is_filled_from_the_record() -> None:
    event = _full_record().usage_event()
    defaults = UsageEvent(**{f.name: None for f in dataclasses.fields(UsageEvent) if f.name != "id"})
    unset = [f.name for f in dataclasses.fields(UsageEvent) if f.name != "id"
             and getattr(event, f.name) == getattr(defaults, f.name)]  # fmt: skip
    assert unset == []
    assert (event.input_tokens, event.cache_write_tokens, event.latency_ms) == (11, 2, 250.0)
    assert (event.provider_kind, event.refusal, event.at) == (
        "anthropic",
        True,
        "2025-01-02T03:04:05.000000Z",
    )


def test_the_result_carries_every_field_it_declares_from_the_record() -> None:
    record = _full_record()
    result = record.result()
    assert {f.name: getattr(result, f.name) for f in dataclasses.fields(Result)} == {
        f.name: getattr(record, f.name) for f in dataclasses.fields(Result)
    }


def test_cache_and_turn_tags_come_from_the_record() -> None:
    tags = _full_record().tags_for(CachedResponse)
    assert tags == {"feature": "support", "prompt": "chat", "prompt_version": 3, "prompt_hash": "abc",
                    "provider": "fallback", "model": "claude-haiku-4-5-20251001"}  # fmt: skip
    turn = _full_record().tags_for(TurnRecord)
    assert turn["conversation_id"] == "conv-1" and turn["variant"] == "v2" and turn["user_hash"] == "u" * 32


def test_a_shape_with_a_field_the_record_lacks_is_refused_at_import() -> None:
    @dataclass
    class Event:
        feature: str
        tenant: str | None = None

    with pytest.raises(TypeError, match=r"\['tenant'\] have no source in CallRecord"):
        _check_derivable(Event)


def test_the_stored_columns_are_exactly_the_row_classes_fields() -> None:
    def names(shape: type) -> list[str]:
        return [f.name for f in dataclasses.fields(shape) if f.name != "id"]

    assert list(sql.USAGE_COLUMNS) == names(UsageEvent)
    assert [*sql.TURN_COLUMNS, *sql.TURN_STATE_COLUMNS] == names(TurnRecord)
    assert list(sql.CACHE_COLUMNS) == names(CachedResponse)


def test_a_recorded_call_reads_back_unchanged_on_both_engines(store_url: str) -> None:
    event = _full_record().usage_event()
    with open_store(store_url) as store:
        store.add_usage_events([event])
        (back,) = store.usage_events("support")
    assert dataclasses.replace(back, id=0) == event
