"""The `manifest` fact: ai-feature.yaml as written, with the line of every value for precise findings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from platform_cli.errors import PlatformError
from platform_cli.readiness.facts.base import Fact, RepoContext

MANIFEST_FILE = "ai-feature.yaml"


@dataclass(frozen=True)
class ManifestFact(Fact):
    """A fact whose value is the manifest's data; `line_of` maps any JSON path inside it to its line."""

    manifest: Any = field(default=None, repr=False, compare=False)

    def line_of(self, json_path: Sequence[str | int]) -> int | None:
        if self.manifest is None:
            return None
        line: int | None = self.manifest.line_of(list(json_path))
        return line


class ManifestCollector:
    """Collects `manifest`: the raw manifest data (metadata, spec) exactly as the schema validated it."""

    name = "manifest"

    def collect(self, ctx: RepoContext) -> Fact:
        if not (ctx.root / MANIFEST_FILE).is_file():
            return Fact.missing(self.name, f"no {MANIFEST_FILE} in the repository root", file=MANIFEST_FILE)
        try:
            manifest = ctx.manifest
        except PlatformError as error:
            return Fact.missing(self.name, f"{MANIFEST_FILE} cannot be read: {error}", file=MANIFEST_FILE)
        return ManifestFact(name=self.name, value=manifest.data, file=MANIFEST_FILE, manifest=manifest)
