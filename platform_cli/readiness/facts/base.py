"""The fact-collector contract: a collector turns a repository into one named, JSON-like fact document."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from platform_cli.scanners.repofiles import repo_listing


@dataclass(frozen=True)
class Fact:
    """A named fact document. `value` is JSON-like; when `unknown` is set the value could not be collected.

    Rules treat an unknown fact as a failure that carries `unknown` as its reason, never as a pass.
    Items inside `value` may carry `file` and `line` keys so findings can point at them.
    """

    name: str
    value: Any = None
    unknown: str | None = None
    file: str | None = None  # repo-relative file the fact as a whole comes from
    line: int | None = None

    @classmethod
    def missing(cls, name: str, reason: str, file: str | None = None) -> Fact:
        return cls(name=name, value=None, unknown=reason, file=file)


@dataclass
class RepoContext:
    """What collectors read: the repo root plus lazily computed, shared inputs (computed once per check)."""

    root: Path
    extra: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def manifest(self) -> Any:
        """The loaded manifest (platform_cli.manifest.Manifest). Raises InvalidFile when it is bad."""
        from platform_cli.manifest import load_manifest

        return load_manifest(self.root / "ai-feature.yaml")

    @cached_property
    def _listing(self) -> tuple[list[str], set[str] | None]:
        return repo_listing(self.root)  # one git call answers both properties below

    @cached_property
    def tracked_files(self) -> list[str]:
        """Repo-relative paths of files git tracks, plus untracked ones git does not ignore (all files but
        the usual build and tool directories when not a git repo)."""
        return self._listing[0]

    @cached_property
    def committed_files(self) -> set[str] | None:
        """The files git tracks (committed or staged) among `tracked_files`; None outside a git repo."""
        return self._listing[1]


@runtime_checkable
class FactCollector(Protocol):
    """Produces the fact named `name`. Must not raise for missing data: return `Fact.missing(...)`."""

    name: str

    def collect(self, ctx: RepoContext) -> Fact: ...
