"""Conversation history: every turn saved with what produced it, and the ONE function that reads it back.

`conversation_history()` is the only way the runtime builds the history it sends to a model, so a
rollback's history policy reaches every later call, in every process: `quarantine` leaves the bad
version's turns out, `summarize` replaces its answers with WITHDRAWN_ANSWER, `flag` keeps them (marked for
review). The store applies the policy of a revoked version also to turns written after the rollback by a
process that still resolved the old label within its TTL.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from platform_cli.store import Store
from platform_cli.store.engine import utc_timestamp
from platform_cli.store.runtime import TurnRecord
from platform_cli.store.sql.rollback import WITHDRAWN_ANSWER

__all__ = ["DEFAULT_MAX_TURNS", "WITHDRAWN_ANSWER", "conversation_history", "save_exchange"]

if TYPE_CHECKING:
    from platform_cli.runtime.record import CallRecord

DEFAULT_MAX_TURNS = 50


def conversation_history(
    store: Store, conversation_id: str, *, max_turns: int = DEFAULT_MAX_TURNS
) -> list[dict[str, str]]:
    """The conversation's last `max_turns` live turns as chat messages, oldest first.

    Quarantined turns are left out, summarized answers masked. The history always starts with a user turn
    (a cut that would start it with an answer drops that answer).
    """
    turns = store.live_messages(conversation_id, max_turns)
    start = next((i for i, (role, _) in enumerate(turns) if role == "user"), len(turns))
    return [{"role": role, "content": content} for role, content in turns[start:]]


def save_exchange(store: Store, record: CallRecord, message: str) -> None:
    """Append the user's message and the answer atomically, both tagged from the call's record."""
    if record.conversation_id is None:
        raise ValueError("save_exchange needs a chat call's record (conversation_id is None)")
    tags = record.tags_for(TurnRecord)
    common = {**tags, "exchange_id": uuid.uuid4().hex, "created_at": utc_timestamp()}
    store.add_turns(
        [
            TurnRecord(role="user", content=message, **common),
            TurnRecord(role="assistant", content=record.text, **common),
        ]
    )
