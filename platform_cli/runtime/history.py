"""Conversation history: every turn saved with what produced it, and the ONE function that reads it back.

`conversation_history()` is the only way the runtime builds the history it sends to a model, so a
rollback's quarantine (turns produced by a bad prompt version, marked by `Store.quarantine_turns`)
keeps those turns out of every later call, in every process.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from platform_cli.store import Store
from platform_cli.store.engine import utc_timestamp
from platform_cli.store.runtime import TurnRecord

DEFAULT_MAX_TURNS = 50


def conversation_history(
    store: Store, conversation_id: str, *, max_turns: int = DEFAULT_MAX_TURNS
) -> list[dict[str, str]]:
    """The conversation's last `max_turns` live turns as chat messages, oldest first.

    Quarantined turns are left out. The history always starts with a user turn (a cut that would start
    it with an answer drops that answer).
    """
    turns = store.live_turns(conversation_id, max_turns)
    while turns and turns[0].role != "user":
        turns = turns[1:]
    return [{"role": turn.role, "content": turn.content} for turn in turns]


@dataclass(frozen=True)
class ExchangeTags:
    """What produced an exchange: saved on both of its turns."""

    feature: str
    prompt: str
    prompt_version: int
    prompt_hash: str
    variant: str | None
    provider: str
    model: str
    user_hash: str | None


def save_exchange(store: Store, conversation_id: str, message: str, answer: str, tags: ExchangeTags) -> None:
    """Append the user's message and the answer atomically, both tagged with `tags`."""
    exchange = uuid.uuid4().hex
    now = utc_timestamp()
    common = (
        tags.feature, tags.prompt, tags.prompt_version, tags.prompt_hash, tags.variant, tags.provider,
        tags.model, tags.user_hash, now,
    )  # fmt: skip
    store.add_turns(
        [
            TurnRecord(conversation_id, exchange, "user", message, *common),
            TurnRecord(conversation_id, exchange, "assistant", answer, *common),
        ]
    )
