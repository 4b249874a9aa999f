"""A scratch copy of one prompt's state for a drill: the same engine as the shared store where possible.

PostgreSQL: a fresh schema of the shared database (`platform_drill_<hex>`, reached through the
connection's search_path, dropped afterwards), so the drill runs on the real engine and server. When the
database refuses CREATE SCHEMA, and for SQLite stores, a temporary SQLite file. What is copied is the
prompt's registry (versions, label history, allocations with their salt, so cohorts stay the same),
its revocations, and its eval baselines with their runs; never the shared store's cache, turns or usage.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from platform_cli.store import Store, StoreError, open_store


@dataclass(frozen=True)
class Scratch:
    url: str  # internal: may carry the shared store's password; never printed or recorded
    description: str  # what the drill record says about where it ran


def _with_search_path(url: str, schema: str) -> str:
    option = quote(f"-c search_path={schema}", safe="")
    return f"{url}{'&' if '?' in url else '?'}options={option}"


@contextmanager
def scratch_store(source: Store, source_url: str) -> Iterator[Scratch]:
    """A place for a scratch store (its URL); removed, with everything in it, on exit."""
    note = ""
    if source.dialect == "postgresql" and "options=" not in source_url:
        schema = f"platform_drill_{secrets.token_hex(6)}"
        try:
            source.create_scratch_schema(schema)
        except StoreError as error:
            note = f" (PostgreSQL refused a scratch schema: {error})"
        else:
            try:
                yield Scratch(_with_search_path(source_url, schema), f"postgresql schema {schema} (dropped)")
            finally:
                source.drop_scratch_schema(schema)
            return
    directory = Path(tempfile.mkdtemp(prefix="platform-drill-"))
    try:
        yield Scratch(f"sqlite:///{directory / 'scratch.db'}", f"temporary sqlite file (removed){note}")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def copy_prompt_state(source: Store, scratch: Store, prompt: str) -> dict[str, int]:
    """Copy `prompt`'s registry, revocations and baselines into an empty scratch store; counts copied."""
    counts = {"versions": 0, "label_moves": 0, "allocations": 0, "revocations": 0, "baselines": 0}
    row = source.prompt_row(prompt)
    if row is None:
        return counts
    with scratch.transaction():
        scratch.insert_prompt_row(prompt, *row)
        for version in source.prompt_versions(prompt):
            scratch.insert_prompt_version(version)
            counts["versions"] += 1
        for move in source.prompt_label_moves(prompt):
            scratch.move_prompt_label(move)
            counts["label_moves"] += 1
        for change in source.prompt_allocations(prompt):
            scratch.record_prompt_allocation(
                prompt, change.segment, change.allocation, changed_at=change.changed_at,
                changed_by=change.changed_by, reason=change.reason,
            )  # fmt: skip
            counts["allocations"] += 1
        for revocation in source.prompt_revocations(prompt):
            scratch.revoke_prompt_version(
                prompt, revocation.version, history=revocation.history, rollback_id=revocation.rollback_id,
                at=revocation.revoked_at,
            )  # fmt: skip
            if revocation.lifted_at is not None:
                scratch.lift_revocation(prompt, revocation.version, at=revocation.lifted_at,
                                        by=revocation.lifted_by or "")  # fmt: skip
            counts["revocations"] += 1
        copied: set[str] = set()
        for baseline in reversed(source.eval_baseline_history(prompt, limit=1000)):
            run = source.eval_run(baseline.run_id)
            if run is None:
                continue
            if run.run_id not in copied:
                scratch.add_eval_run(run)
                copied.add(run.run_id)
            scratch.add_eval_baseline(baseline)
            counts["baselines"] += 1
    return counts


def open_scratch(scratch: Scratch) -> Store:
    return open_store(scratch.url)
