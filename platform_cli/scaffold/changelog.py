"""A template's CHANGELOG.md and its pending change notes (`changes/*.yaml`, one file per change).

Engineers who edit a template add a change note instead of cutting a release: each note is its own new
file, so notes from parallel branches never conflict. `platform templates release` turns the pending notes
into one CHANGELOG.md section (the highest bump among them decides the next version) and removes them.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

import yaml

from platform_cli.errors import InvalidFile, Problem
from platform_cli.scaffold.releases import CHANGELOG, CHANGES_DIR
from platform_cli.yamlfile import load_yaml

BUMPS = ("patch", "minor", "major")
_HEADING = re.compile(r"^##\s+\[?v?(?P<version>[0-9][^\s\]]*)\]?(?:\s+[-–—]\s+(?P<date>\S+))?\s*$")
_ENTRY = re.compile(r"^\s*[-*]\s+(?P<text>.*)$")


@dataclass(frozen=True)
class ChangeNote:
    path: Path
    bump: str
    summary: str


@dataclass(frozen=True)
class Section:
    """One released version's entry in CHANGELOG.md."""

    version: str
    date: str | None
    entries: list[str]


def parse_changelog(text: str) -> list[Section]:
    """Sections in file order (newest first, as written); entries are the bullet points, joined per item."""
    sections: list[Section] = []
    for line in text.splitlines():
        heading = _HEADING.match(line)
        if heading:
            sections.append(Section(heading["version"], heading["date"], []))
            continue
        if line.startswith("#") or not sections:
            continue
        entry = _ENTRY.match(line)
        if entry:
            sections[-1].entries.append(entry["text"].strip())
        elif line.strip() and sections[-1].entries:
            sections[-1].entries[-1] += " " + line.strip()
    return sections


def read_changelog(template_dir: Path) -> list[Section]:
    path = template_dir / CHANGELOG
    return parse_changelog(path.read_text(encoding="utf-8")) if path.is_file() else []


def header(name: str) -> str:
    return (
        f"# Changelog: {name} template\n\n"
        "Product teams see the entries between their version and the latest with `platform template check`\n"
        "and pull them into their repository with `platform template update`.\n"
    )


def with_section(text: str, name: str, version: str, date: dt.date, entries: list[str]) -> str:
    """CHANGELOG.md text with a new section above the newest one (the header is created if missing)."""
    block = f"## {version} - {date.isoformat()}\n\n" + "".join(f"- {e}\n" for e in entries) + "\n"
    if not text.strip():
        text = header(name)
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if _HEADING.match(line.rstrip("\n")):
            return "".join(lines[:index]) + block + "".join(lines[index:])
    return text.rstrip("\n") + "\n\n" + block


# ---- change notes ---------------------------------------------------------------------------------


def _problem(path: Path, message: str, hint: str) -> InvalidFile:
    return InvalidFile(str(path), [Problem(str(path), 1, None, "", message, hint)], what="change note")


def load_change_notes(template_dir: Path) -> list[ChangeNote]:
    """Pending notes, oldest first (their names start with a timestamp). Each is read under the loading
    policy (bounded, duplicate keys and unsafe tags refused); a bad note is exit 2 at its file:line."""
    folder = template_dir / CHANGES_DIR
    notes: list[ChangeNote] = []
    if not folder.is_dir():
        return notes
    for path in sorted(folder.glob("*.yaml")):
        loaded = load_yaml(path, display=str(path), what="change note")
        data = loaded.data if isinstance(loaded.data, dict) else {}
        problem = None
        if data.get("bump") not in BUMPS:
            problem = loaded.problem(
                ("bump",), "bump must be one of major, minor, patch", "e.g. `bump: minor`"
            )
        elif not isinstance(data.get("summary"), str) or not data["summary"].strip():
            what = "is empty" if isinstance(data.get("summary"), (str, type(None))) else "must be text"
            problem = loaded.problem(
                ("summary",), f"summary {what}", "say what changes for product teams in one sentence"
            )
        if problem is not None:
            raise InvalidFile(loaded.display, [problem], what="change note")
        notes.append(ChangeNote(path, str(data["bump"]), " ".join(data["summary"].split())))
    return notes


def write_change_note(template_dir: Path, bump: str, summary: str, now: dt.datetime | None = None) -> Path:
    """A new note file under changes/ (a unique name, so notes from parallel branches never collide)."""
    summary = " ".join(summary.split())
    if bump not in BUMPS or not summary:
        raise _problem(
            template_dir / CHANGES_DIR, "a change note needs a bump and a summary", "-m TEXT --minor"
        )
    stamp = (now or dt.datetime.now(dt.timezone.utc)).strftime("%Y%m%d-%H%M%S")
    slug = re.sub(r"[^a-z0-9]+", "-", summary.lower()).strip("-")[:40].strip("-") or "change"
    path = template_dir / CHANGES_DIR / f"{stamp}-{slug}-{secrets.token_hex(2)}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"bump": bump, "summary": summary}, sort_keys=False), encoding="utf-8")
    return path
