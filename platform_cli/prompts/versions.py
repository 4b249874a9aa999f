"""Immutable versions: publish a prompt file (a no-op when its content is already published), look them up."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from platform_cli.prompts.errors import UnknownPrompt, UnknownVersion
from platform_cli.prompts.files import PromptFile, load_prompt, prompt_path
from platform_cli.store import Store
from platform_cli.store.engine import utc_timestamp
from platform_cli.store.prompts import PromptVersionRecord

FILE_REF = "file"  # in refs: the working copy in prompts/, not a published version
_VERSION_REF = re.compile(r"^v?([1-9][0-9]*)$")


@dataclass(frozen=True)
class PublishResult:
    """What publish did (or, with dry_run, would do). `created` is False for unchanged content."""

    name: str
    version: int
    content_hash: str
    created: bool
    dry_run: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "version": self.version,
            "content_hash": self.content_hash,
            "created": self.created,
            "dry_run": self.dry_run,
        }


def publish(
    store: Store | None, prompt: PromptFile, *, author: str, message: str = "", dry_run: bool = False
) -> PublishResult:
    """Snapshot `prompt` as the next version, unless a version with the same content hash exists.

    `store` may be None only with dry_run (a store that has never been written holds no versions).
    """
    digest = prompt.content_hash
    if dry_run:
        existing = store.prompt_version_by_hash(prompt.name, digest) if store else None
        if existing is not None:
            return PublishResult(prompt.name, existing.version, digest, False, True)
        latest = store.latest_prompt_version(prompt.name) if store else None
        return PublishResult(prompt.name, (latest.version if latest else 0) + 1, digest, True, True)
    if store is None:
        raise ValueError("publish needs a store unless dry_run")
    with store.transaction():
        store.lock_prompt(prompt.name)
        existing = store.prompt_version_by_hash(prompt.name, digest)
        if existing is not None:
            return PublishResult(prompt.name, existing.version, digest, False)
        latest = store.latest_prompt_version(prompt.name)
        record = PromptVersionRecord(
            prompt=prompt.name,
            version=(latest.version if latest else 0) + 1,
            content_hash=digest,
            content=prompt.canonical,
            author=author,
            created_at=utc_timestamp(),
            message=message,
        )
        store.insert_prompt_version(record)
    return PublishResult(prompt.name, record.version, digest, True)


def as_prompt(record: PromptVersionRecord) -> PromptFile:
    """The PromptFile a published version holds."""
    return PromptFile.from_content(record.prompt, json.loads(record.content), version=record.version)


def parse_ref(ref: str) -> tuple[str, str | None]:
    """`summarize@3` -> ("summarize", "3"); `summarize@production` -> (.., "production"); no @ -> None."""
    name, sep, selector = ref.partition("@")
    if not name or (sep and not selector):
        raise UnknownPrompt(f"{ref!r}: write NAME, NAME@VERSION (e.g. summarize@3) or NAME@LABEL")
    return name, selector if sep else None


def version_number(selector: str) -> int | None:
    """`3` or `v3` -> 3; anything else (a label) -> None."""
    match = _VERSION_REF.match(selector)
    return int(match.group(1)) if match else None


def unpublished(name: str, prompts_dir: Path | None, why: str = "") -> UnknownPrompt:
    """The error for a prompt with no published version: publish its file, or, with no file, list them."""
    if prompts_dir is not None and prompt_path(prompts_dir, name) is None:
        return UnknownPrompt(
            f"no prompt named '{name}': there is no {prompts_dir.name}/{name}.yaml and nothing is published "
            "under that name; `platform prompts list` shows the prompts"
        )
    return UnknownPrompt(
        f"prompt '{name}' has no published version{why}; run `platform prompts publish {name}`"
    )


def check_known(store: Store | None, prompts_dir: Path, name: str) -> None:
    """Raise UnknownPrompt (exit 2) when `name` has neither a file nor a published version."""
    if prompt_path(prompts_dir, name) is not None:
        return
    if store is None or store.latest_prompt_version(name) is None:
        raise unpublished(name, prompts_dir)


def resolve_ref(
    store: Store | None, name: str, selector: str | None, prompts_dir: Path | None = None
) -> PromptVersionRecord:
    """The published version `selector` names: a number, a label, or (None) the latest version.

    `prompts_dir` lets the error for a prompt that does not exist at all say so (not "publish it").
    """
    if store is None:
        raise unpublished(name, prompts_dir, " (the state store is empty)")
    number = version_number(selector) if selector is not None else None
    if selector is None:
        record = store.latest_prompt_version(name)
    elif number is not None:
        record = store.prompt_version(name, number)
    else:
        from platform_cli.prompts.labels import label_version

        record = store.prompt_version(name, label_version(store, name, selector))
    if record is not None:
        return record
    latest = store.latest_prompt_version(name)
    if latest is None:
        raise unpublished(name, prompts_dir)
    raise UnknownVersion(
        f"prompt '{name}' has no version {number}: published versions are 1..{latest.version} "
        f"(`platform prompts list` shows them)"
    )


def load_ref(
    store: Store | None, prompts_dir: Path, ref: str
) -> tuple[PromptFile, PromptVersionRecord | None]:
    """A prompt by ref; `NAME@file` is the working copy (with the published version of equal content)."""
    name, selector = parse_ref(ref)
    if selector == FILE_REF:
        prompt = load_prompt(prompts_dir, name)
        same = store.prompt_version_by_hash(name, prompt.content_hash) if store else None
        return prompt, same
    check_known(store, prompts_dir, name)
    record = resolve_ref(store, name, selector, prompts_dir)
    return as_prompt(record), record
