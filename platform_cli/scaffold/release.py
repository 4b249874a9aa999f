"""Cut a template release: bump the version, write the changelog section, record the release.

The archive store writes `releases/<version>.tar.gz` of the template as released (see releases.py); the git
store commits and tags `v<version>` in the template's own repository. Either way, a failure half way puts
every file back as it was.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.version import Version

from platform_cli.errors import Refused, UserError
from platform_cli.scaffold.changelog import BUMPS, ChangeNote, load_change_notes, with_section
from platform_cli.scaffold.gitrepo import run_git
from platform_cli.scaffold.releases import (
    CHANGELOG,
    METADATA,
    RELEASES_DIR,
    content_files,
    parse_version,
    releases,
    unreleased,
    uses_tags,
    write_archive,
)

_VERSION_LINE = re.compile(r"^version:.*$", re.MULTILINE)


@dataclass(frozen=True)
class ReleasePlan:
    """What `platform templates release` will do (and, with --dry-run, only show)."""

    template_dir: Path
    name: str
    store: str  # archive | git-tag
    previous: Version | None
    version: Version
    bump: str  # major | minor | patch | initial
    entries: list[str]
    notes: list[ChangeNote]
    changed: list[str]
    date: dt.date
    written: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "template": self.name,
            "path": str(self.template_dir),
            "store": self.store,
            "previous": str(self.previous) if self.previous else None,
            "version": str(self.version),
            "tag": f"v{self.version}",
            "bump": self.bump,
            "date": self.date.isoformat(),
            "changelog": self.entries,
            "notes": [note.path.name for note in self.notes],
            "changed_files": self.changed,
            "written": self.written,
        }


def declared_version(template_dir: Path) -> str | None:
    meta = template_dir / METADATA
    if not meta.is_file():
        return None
    match = _VERSION_LINE.search(meta.read_text(encoding="utf-8"))
    if match is None:
        return None
    return match.group(0).split(":", 1)[1].split("#", 1)[0].strip().strip("'\"") or None


def bumped(previous: Version, bump: str) -> Version:
    major, minor, patch = [*previous.release, 0, 0, 0][:3]
    if bump == "major":
        return Version(f"{major + 1}.0.0")
    if bump == "minor":
        return Version(f"{major}.{minor + 1}.0")
    return Version(f"{major}.{minor}.{patch + 1}")


def _git(template_dir: Path, *args: str) -> str:
    return run_git(template_dir, *args).strip()


def _changed_since_tag(template_dir: Path, tag: str | None) -> list[str]:
    if tag is None:
        return sorted(_git(template_dir, "ls-files").splitlines())
    return sorted(_git(template_dir, "diff", "--name-only", f"{tag}..HEAD").splitlines())


def plan_release(
    template_dir: Path,
    name: str,
    bump: str | None = None,
    message: str | None = None,
    today: dt.date | None = None,
) -> ReleasePlan:
    """Work out the next version and its changelog entries; raise UserError when there is nothing to do."""
    if bump is not None and bump not in BUMPS:
        raise UserError(f"unknown bump {bump!r}: use --major, --minor or --patch")
    store = "git-tag" if uses_tags(template_dir) else "archive"
    if store == "git-tag" and _git(template_dir, "status", "--porcelain"):
        raise Refused(
            f"{template_dir}: the template repository has uncommitted changes; a release commits and tags "
            "exactly what is committed: commit or stash them first"
        )
    published = releases(template_dir)
    previous = published[-1] if published else None
    declared = declared_version(template_dir)
    if store == "archive" and previous and declared and parse_version(declared, METADATA) != previous.version:
        raise UserError(
            f"{template_dir / METADATA}: version {declared} but the latest release is {previous.version} "
            f"({RELEASES_DIR}/{previous.version}.tar.gz); set it back to {previous.version}: "
            "`platform templates release` bumps it"
        )
    notes = load_change_notes(template_dir)
    changed = (
        _changed_since_tag(template_dir, previous.tag if previous else None)
        if store == "git-tag"
        else unreleased(template_dir).changed
    )
    entries = [note.summary for note in notes] + ([" ".join(message.split())] if message else [])
    if previous is not None and not changed:
        raise UserError(f"{name}: nothing changed since {previous.ref}; nothing to release")
    if not entries:
        raise UserError(
            f"{name}: a release needs a changelog entry: pass -m 'what changes for product teams', "
            f"or add change notes with `platform templates change {name} -m TEXT`"
        )
    if previous is None:
        version, how = parse_version(declared or "0.1.0", str(template_dir / METADATA)), "initial"
    else:
        how = bump or max((note.bump for note in notes), key=BUMPS.index, default="")
        if not how:
            raise UserError(f"{name}: say how to bump: --patch, --minor or --major")
        version = bumped(previous.version, how)
    if store == "archive" and (template_dir / RELEASES_DIR / f"{version}.tar.gz").exists():
        raise UserError(
            f"{template_dir / RELEASES_DIR}/{version}.tar.gz already exists; releases are never rewritten"
        )
    return ReleasePlan(
        template_dir, name, store, previous.version if previous else None, version, how, entries, notes,
        changed, today or dt.datetime.now(dt.timezone.utc).date(),
    )  # fmt: skip


def _set_version(text: str, version: Version) -> str:
    if _VERSION_LINE.search(text):
        return _VERSION_LINE.sub(f"version: {version}", text, count=1)
    return text.rstrip("\n") + f"\nversion: {version}\n" if text.strip() else f"version: {version}\n"


def cut_release(plan: ReleasePlan) -> ReleasePlan:
    """Write the release. Every file touched is restored if any step fails."""
    root = plan.template_dir
    touched = [root / METADATA, root / CHANGELOG, *(note.path for note in plan.notes)]
    backup = {path: path.read_bytes() if path.is_file() else None for path in touched}
    archive = root / RELEASES_DIR / f"{plan.version}.tar.gz"
    written = [METADATA, CHANGELOG]
    try:
        meta = root / METADATA
        meta.write_text(
            _set_version(meta.read_text(encoding="utf-8") if meta.is_file() else "", plan.version)
        )
        changelog = root / CHANGELOG
        old = changelog.read_text(encoding="utf-8") if changelog.is_file() else ""
        new = with_section(old, plan.name, str(plan.version), plan.date, plan.entries)
        changelog.write_text(new, encoding="utf-8")
        for note in plan.notes:
            note.path.unlink()
        if plan.store == "archive":
            write_archive(content_files(root), archive)
            written.append(f"{RELEASES_DIR}/{archive.name}")
        else:
            _git(root, "add", "-A")
            _git(root, "commit", "-q", "--no-verify", "-m", f"Release v{plan.version}")
            _git(root, "tag", f"v{plan.version}")
            written.append(f"tag v{plan.version}")
    except BaseException:
        for path, data in backup.items():
            if data is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(data)
        if plan.store == "archive":
            archive.unlink(missing_ok=True)
        raise
    return ReleasePlan(**{**plan.__dict__, "written": written})
