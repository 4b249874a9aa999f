"""`Feature.chat()`: a conversation's history is read, sent with the new message, and the exchange saved.

The history comes from `conversation_history()` only (quarantined turns are never sent); both turns of
an exchange are saved tagged from the call's record (prompt version, provider, model). With the store
unreachable the message is still answered, with no history and nothing saved, and the Result says so.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from platform_cli.prompts.defaults import DEFAULT_LABEL
from platform_cli.runtime.history import conversation_history, save_exchange
from platform_cli.runtime.result import Result
from platform_cli.store import Store, StoreError

if TYPE_CHECKING:
    from platform_cli.runtime.feature import Feature
    from platform_cli.runtime.record import CallRecord

log = logging.getLogger("platform_cli.runtime")
CHAT_PROMPT = "chat"


def chat(
    feature: Feature,
    conversation_id: str,
    message: str,
    *,
    user: str | None,
    prompt: str,
    variables: Mapping[str, Any] | None,
    segment: str | None,
    label: str | None,
) -> Result:
    """See `Feature.chat`."""
    started = time.perf_counter()
    feature.check_segment(segment)
    resolved = feature.resolver.resolve(
        prompt, label=label or DEFAULT_LABEL, key=conversation_id, segment=segment
    )
    prefix = resolved.render(variables or {})
    params = feature.params(resolved)
    store = feature.link.get()
    history = _history_or_none(feature, store, conversation_id)
    if history is None:
        store = None  # served like complete() without a store: no history, nothing saved
    messages = [*prefix, *(history or []), {"role": "user", "content": message}]
    record = feature.new_record("chat", resolved, segment, user, store, started, conversation_id)
    if feature.sampler is not None:  # online scoring sees what the user sent
        record.variables = {**(variables or {}), "message": message}
    feature.call(messages, params, record)
    saved = store is not None and _save(feature, store, record, message)
    record.history_turns = len(history or [])
    record.history_source = "store" if saved else "unavailable"
    return feature.finish(record)


def _history_or_none(
    feature: Feature, store: Store | None, conversation_id: str
) -> list[dict[str, str]] | None:
    """The conversation's history, or None while the store is unreachable (chat serves without it)."""
    if store is None:
        return None
    try:
        return conversation_history(store, conversation_id, max_turns=feature.max_history_turns)
    except StoreError as error:
        log.warning("conversation history unavailable, answering without it: %s", error)
        feature.link.failed(error)
        return None


def _save(feature: Feature, store: Store, record: CallRecord, message: str) -> bool:
    try:
        save_exchange(store, record, message)
    except StoreError as error:
        log.warning("could not save the chat exchange of %s: %s", record.conversation_id, error)
        feature.link.failed(error)
        return False
    return True
