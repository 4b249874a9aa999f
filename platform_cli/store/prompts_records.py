"""Records of the prompt registry (versions, labels, label moves, allocations), with their row readers.

Loaded by the first query that returns one: creating ~35 dataclasses was most of importing the store, and
a command reads the records of one or two parts at most."""

from __future__ import annotations

from dataclasses import dataclass

from platform_cli.store.engine import Row


@dataclass(frozen=True)
class PromptVersionRecord:
    """One published, immutable version of a prompt. `content` is the canonical JSON snapshot."""

    prompt: str
    version: int
    content_hash: str
    content: str
    author: str
    created_at: str
    message: str


@dataclass(frozen=True)
class LabelRecord:
    """Where a label points now."""

    prompt: str
    label: str
    version: int
    moved_at: str
    moved_by: str


@dataclass(frozen=True)
class LabelMove:
    """One recorded move of a label: who moved it, when, from which version (None: new label), why."""

    id: int
    prompt: str
    label: str
    from_version: int | None
    to_version: int
    moved_at: str
    moved_by: str
    reason: str


@dataclass(frozen=True)
class AllocationRecord:
    """One recorded traffic allocation of a prompt for a segment (`*`: every segment); JSON text."""

    id: int
    prompt: str
    segment: str
    allocation: str
    changed_at: str
    changed_by: str
    reason: str


def read_version(row: Row) -> PromptVersionRecord:
    return PromptVersionRecord(str(row[0]), int(row[1]), *(str(v) for v in row[2:7]))


def read_move(row: Row) -> LabelMove:
    return LabelMove(
        int(row[0]),
        str(row[1]),
        str(row[2]),
        None if row[3] is None else int(row[3]),
        int(row[4]),
        str(row[5]),
        str(row[6]),
        str(row[7]),
    )


def read_allocation(row: Row) -> AllocationRecord:
    return AllocationRecord(int(row[0]), *(str(v) for v in row[1:7]))
