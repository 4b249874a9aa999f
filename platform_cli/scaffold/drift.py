"""`platform template check`: how far a generated repo is behind its template's latest release (for CI).

Like `cruft check`, it exits 1 when a newer release exists; it also says how many releases and major
versions behind the repo is, and which changelog entries lie between.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.version import Version

from platform_cli.scaffold.gitrepo import run_git
from platform_cli.scaffold.provenance import (
    Provenance,
    TemplateSource,
    find_generated_repo,
    forget_remote_tags,
    read_provenance,
    recorded_version,
    resolve_source,
    source_releases,
)
from platform_cli.scaffold.releases import Release

if TYPE_CHECKING:
    from platform_cli.scaffold.changelog import Section


@dataclass(frozen=True)
class TemplateStatus:
    """Where a generated repo stands against its template: version used, latest, releases behind."""

    repo: Path
    engine: str
    template: str
    source: str
    current: str | None
    latest: str | None
    behind_by: int
    majors_behind: int
    changelog: list[Section] = field(default_factory=list)

    @property
    def behind(self) -> bool:
        return self.behind_by > 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "repo": str(self.repo),
            "engine": self.engine,
            "template": self.template,
            "source": self.source,
            "current": self.current,
            "latest": self.latest,
            "behind": self.behind,
            "behind_by": self.behind_by,
            "majors_behind": self.majors_behind,
            "changelog": [
                {"version": s.version, "date": s.date, "entries": s.entries} for s in self.changelog
            ],
        }


def _git(cwd: Path, *args: str) -> str:
    return run_git(cwd, *args, check=False, timeout=120)


def _changelog(source: TemplateSource, latest: Release) -> list[Section]:
    from platform_cli.scaffold.changelog import parse_changelog, read_changelog  # only when asked for

    if source.kind == "archive":
        return read_changelog(source.directory)
    location = Path(source.location)
    if location.is_dir():
        return parse_changelog(_git(location, "show", f"{latest.ref}:CHANGELOG.md"))
    import tempfile  # only when the changelog between versions is asked for

    with tempfile.TemporaryDirectory(prefix="platform-check-") as tmp:
        _git(Path(tmp), "clone", "-q", "--depth", "1", "--branch", latest.ref, source.location, "t")
        changelog = Path(tmp) / "t" / "CHANGELOG.md"
        return parse_changelog(changelog.read_text(encoding="utf-8")) if changelog.is_file() else []


def _between(sections: list[Section], current: Version | None, latest: Version) -> list[Section]:
    picked = []
    for section in sections:
        try:
            version = Version(section.version)
        except ValueError:
            continue
        if (current is None or version > current) and version <= latest:
            picked.append(section)
    return picked


def status_for(repo: Path, prov: Provenance, with_changelog: bool = True) -> TemplateStatus:
    """The status of a repo whose provenance is already read (readiness reads it once per repo)."""
    source = resolve_source(prov.src, repo)
    if prov.engine == "cookiecutter" and source.kind == "git":
        return _commit_status(repo, prov, source)
    available = source_releases(source)
    current = recorded_version(prov)
    latest = available[-1] if available else None
    if latest is None:
        return TemplateStatus(repo, prov.engine, source.name, prov.src, prov.ref, None, 0, 0)
    newer = [r for r in available if current is None or r.version > current]
    majors = max(0, latest.version.major - current.major) if current else 0
    sections = (
        _between(_changelog(source, latest), current, latest.version) if with_changelog and newer else []
    )
    return TemplateStatus(
        repo, prov.engine, source.name, prov.src, prov.ref, latest.ref, len(newer), majors, sections
    )


def _commit_status(repo: Path, prov: Provenance, source: TemplateSource) -> TemplateStatus:
    """cookiecutter from git (as cruft records it): behind when the template's HEAD moved past the commit."""
    location = Path(source.location)
    if location.is_dir():
        head = _git(location, "rev-parse", "HEAD").strip()
        count = _git(location, "rev-list", "--count", f"{prov.ref}..HEAD").strip() if prov.ref else ""
        behind = int(count) if count.isdigit() else (0 if head == prov.ref else 1)
    else:
        head = _git(repo, "ls-remote", source.location, "HEAD").split("\t", 1)[0].strip()
        behind = 0 if head and head == prov.ref else 1
    return TemplateStatus(repo, prov.engine, source.name, prov.src, prov.ref, head or None, behind, 0)


def template_status(start: Path) -> TemplateStatus:
    repo = find_generated_repo(start)
    forget_remote_tags()
    return status_for(repo, read_provenance(repo))
