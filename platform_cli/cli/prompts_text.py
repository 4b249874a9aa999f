"""Text renderings for `platform prompts` (tables and one-liners); the JSON forms are built in prompts.py."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from platform_cli.prompts.cohorts import ALL_SEGMENTS, Allocation

if TYPE_CHECKING:  # annotations only: keeps Jinja and jsonschema out of CLI start-up
    from platform_cli.prompts.files import PromptFile
    from platform_cli.prompts.overview import PromptStatus
    from platform_cli.store.prompts import AllocationRecord, LabelMove, LabelRecord, PromptVersionRecord


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=False)]
    lines = [header, *rows]
    return "\n".join(
        "  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=False)).rstrip()
        for line in lines
    )


def _version(version: int | None) -> str:
    return "-" if version is None else f"v{version}"


def labels_text(name: str, records: Sequence[LabelRecord]) -> str:
    if not records:
        return (
            f"{name}: no labels (point one with `platform prompts promote {name} VERSION --label production`)"
        )
    rows = [[r.label, _version(r.version), r.moved_at, r.moved_by] for r in records]
    return table(["LABEL", "VERSION", "MOVED AT", "MOVED BY"], rows)


def history_text(name: str, moves: Sequence[LabelMove], changes: Sequence[AllocationRecord]) -> str:
    if not moves and not changes:
        return f"{name}: no label moves or allocation changes recorded"
    rows = [
        [m.moved_at, m.label, f"{_version(m.from_version)} -> {_version(m.to_version)}", m.moved_by, m.reason]
        for m in moves
    ]
    for change in changes:
        shares = allocation_line(None, None, Allocation.from_json(change.allocation))
        segment = "all segments" if change.segment == ALL_SEGMENTS else f"segment {change.segment}"
        rows.append([change.changed_at, f"allocation ({segment})", shares, change.changed_by, change.reason])
    rows.sort(key=lambda row: row[0])
    return table(["WHEN (UTC)", "WHAT", "CHANGE", "WHO", "WHY"], rows)


def labels_at_text(
    name: str, at: str, state: dict[str, LabelMove | None], allocations: dict[str, Allocation]
) -> str:
    if not state:
        return f"{name}: no labels at {at}"
    lines = [f"{name} at {at}:"]
    for label, move in state.items():
        if move is None:
            lines.append(f"  {label}: did not exist yet")
        else:
            why = f": {move.reason}" if move.reason else ""
            lines.append(f"  {label}: v{move.to_version} (since {move.moved_at}, by {move.moved_by}{why})")
    for segment, allocation in allocations.items():
        lines.append("  " + allocation_line(None, segment, allocation))
    return "\n".join(lines)


def allocation_line(name: str | None, segment: str | None, allocation: Allocation | None) -> str:
    shares = (allocation or Allocation()).shares()
    text = " · ".join(f"{variant} {percent:g}%" for variant, percent in shares.items())
    where = ""
    if segment is not None:
        where = " [all segments]" if segment == ALL_SEGMENTS else f" [{segment}]"
    return f"{name}{where}: {text}" if name else f"{where.strip()} {text}".strip()


def show_text(prompt: PromptFile, record: PromptVersionRecord | None, labels: Sequence[str]) -> str:
    from platform_cli.prompts.diff import SECTIONS, section_text

    if record is None:
        head = [f"{prompt.name} (working copy, not published)", f"sha256 {prompt.content_hash}"]
    else:
        head = [
            f"{prompt.name} v{record.version}" + (f"  [{', '.join(labels)}]" if labels else ""),
            f"sha256 {record.content_hash}",
            f"published {record.created_at} by {record.author}"
            + (f": {record.message}" if record.message else ""),
        ]
    parts = ["\n".join(head) + "\n"]
    for section in SECTIONS:
        body = section_text(prompt, section)
        if body:
            parts.append(f"\n## {section}\n{body}")
    return "".join(parts)


def list_text(statuses: Sequence[PromptStatus]) -> str:
    if not statuses:
        return "no prompts (create prompts/<name>.yaml, then `platform prompts publish`)"
    rows = []
    for s in statuses:
        file_state = {
            "published": f"published as {_version(s.file_version)}",
            "unpublished": "unpublished changes" if s.latest is not None else "never published",
            "invalid": "invalid (see `platform prompts lint`)",
            "no-file": "no file",
        }[s.file_state]
        labels = ", ".join(f"{label}={_version(v)}" for label, v in sorted(s.labels.items())) or "-"
        rows.append([s.name, s.file or "-", file_state, _version(s.latest), labels])
    return table(["NAME", "FILE", "FILE STATE", "LATEST", "LABELS"], rows)
