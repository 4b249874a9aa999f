"""Each prompt's standing: its file against the registry (published? which version?) and its labels."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from platform_cli.errors import InvalidFile, UserError
from platform_cli.prompts.defaults import DEFAULT_LABEL
from platform_cli.prompts.files import load_prompt, prompt_names, prompt_path

if TYPE_CHECKING:
    from platform_cli.store import Store

FileState = Literal["published", "unpublished", "invalid", "no-file"]
# Where `production` stands against the file: the file's own version, an explicitly older published
# version, a version newer than the file, or no label / no published file at all.
ProductionState = Literal["matches", "older", "ahead", "no-label", "unpublished", "invalid"]


@dataclass(frozen=True)
class PromptStatus:
    """One prompt as `prompts list` shows it: its file against the registry's versions and labels."""

    name: str
    file: str | None  # repo-relative, e.g. prompts/summarize.yaml
    file_state: FileState
    file_version: int | None  # the published version whose content equals the file
    latest: int | None
    labels: dict[str, int] = field(default_factory=dict)
    problem: str = ""  # for invalid files: the first problem, located

    @property
    def production(self) -> int | None:
        return self.labels.get(DEFAULT_LABEL)

    @property
    def production_state(self) -> ProductionState:
        if self.file_state == "invalid":
            return "invalid"
        if self.production is None:
            return "no-label"
        if self.file_version is None:
            return "unpublished"
        if self.production == self.file_version:
            return "matches"
        return "older" if self.production < self.file_version else "ahead"

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "production": self.production, "production_state": self.production_state}


def overview(store: Store | None, root: Path, prompts_dir: Path) -> list[PromptStatus]:
    """Every prompt with a file or a published version, sorted by name. `store` None: nothing published."""
    names = sorted(set(prompt_names(prompts_dir)) | set(store.prompt_names() if store else ()))
    return [status_of(store, root, prompts_dir, name) for name in names]


def status_of(store: Store | None, root: Path, prompts_dir: Path, name: str) -> PromptStatus:
    latest_record = store.latest_prompt_version(name) if store else None
    latest = latest_record.version if latest_record else None
    labels = {record.label: record.version for record in store.prompt_labels(name)} if store else {}
    path = prompt_path(prompts_dir, name)
    if path is None:
        return PromptStatus(name, None, "no-file", None, latest, labels)
    rel = _relative(path, root)
    try:
        prompt = load_prompt(prompts_dir, name)
    except InvalidFile as error:
        first = error.problems[0].render() if error.problems else str(error)
        return PromptStatus(name, rel, "invalid", None, latest, labels, first)
    except UserError as error:
        return PromptStatus(name, rel, "invalid", None, latest, labels, str(error))
    same = store.prompt_version_by_hash(name, prompt.content_hash) if store else None
    if same is None:
        return PromptStatus(name, rel, "unpublished", None, latest, labels)
    return PromptStatus(name, rel, "published", same.version, latest, labels)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
