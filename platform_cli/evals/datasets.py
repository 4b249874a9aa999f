"""Eval datasets: JSONL files, one case per line, read as a stream and checked row by row.

    {"id": "billing-1", "input": {"ticket": "..."}, "expected": {"max_sentences": 2}, "segment": "billing",
     "tags": ["smoke"]}

Rows are validated against policies/schemas/eval-dataset-row.schema.json; every problem names the file and
the row's line number. Reading is bounded (line length, row count) and never holds the file in memory, so a
100k-case dataset costs the same memory as a 10-case one.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from platform_cli.boundedmemo import BoundedMemo
from platform_cli.errors import InvalidFile, Problem, UserError
from platform_cli.evals.model import Case
from platform_cli.jsonfile import load_json
from platform_cli.yamlfile import render_path

MAX_LINE_BYTES = 1_000_000
MAX_ROWS = 1_000_000
MAX_PROBLEMS = 50
SCHEMA = "eval-dataset-row"


def _validator() -> Any:
    from platform_cli.yamlschema import load_schema, validator_for

    return validator_for(load_schema(SCHEMA))


def _row_problems(row: Any, shown: str, line: int) -> list[Problem]:
    problems = []
    for error in sorted(_validator().iter_errors(row), key=lambda e: list(e.absolute_path)):
        path = render_path(list(error.absolute_path))
        message = error.message if len(error.message) <= 160 else error.message[:157] + "..."
        problems.append(Problem(shown, line, None, path, message, _hint(error.validator)))
    return problems


def _hint(kind: object) -> str:
    return {
        "required": 'each row needs "id" and "input", e.g. {"id": "billing-1", "input": {"ticket": "..."}}',
        "additionalProperties": "allowed keys: id, input, expected, segment, tags",
        "type": "see policies/schemas/eval-dataset-row.schema.json for each field's type",
    }.get(str(kind), "")


def iter_rows(path: Path, shown: str) -> Iterator[tuple[int, bytes]]:
    """(line number, raw line) of every non-blank line; bounded."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise UserError(f"{shown}: no such dataset file (check the suite's `dataset` path)") from None
    except OSError as error:
        raise UserError(f"{shown}: cannot read: {error.strerror or error}") from None
    with handle:
        rows = 0
        for number, raw in enumerate(handle, start=1):
            if len(raw) > MAX_LINE_BYTES:
                problem = Problem(shown, number, None, "", f"line longer than {MAX_LINE_BYTES} bytes",
                                  "keep each case on one line and under 1 MB")  # fmt: skip
                raise InvalidFile(shown, [problem], "eval dataset")
            if not raw.strip():
                continue
            rows += 1
            if rows > MAX_ROWS:
                problem = Problem(shown, number, None, "", f"more than {MAX_ROWS} rows",
                                  "split the dataset into several files")  # fmt: skip
                raise InvalidFile(shown, [problem], "eval dataset")
            yield number, raw


def parse_row(raw: bytes, shown: str, line: int) -> tuple[Case | None, list[Problem]]:
    try:  # the one loading policy: no NaN, no duplicate keys, bounded depth and numbers
        row = load_json(Path(shown), display=shown, text=raw.decode("utf-8"), what="eval dataset",
                        first_line=line).data  # fmt: skip
    except UnicodeDecodeError as error:
        return None, [Problem(shown, line, error.start + 1, "", "not UTF-8 text", "save the file as UTF-8")]
    except InvalidFile as error:
        return None, [replace(p, hint=p.hint or "write one JSON object per line (JSON Lines)")
                      for p in error.problems]  # fmt: skip
    if not _plainly_valid(row):
        problems = _row_problems(row, shown, line)
        if problems:
            return None, problems
    return (
        Case(
            id=str(row["id"]),
            input=dict(row["input"]),
            expected=row.get("expected"),
            segment=row.get("segment"),
            tags=tuple(row.get("tags", ())),
            file=shown,
            line=line,
        ),
        [],
    )


_SEGMENT = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_KEYS = frozenset({"id", "input", "expected", "segment", "tags"})


def _plainly_valid(row: Any) -> bool:
    """The schema's checks for the usual row, in plain Python (JSON Schema costs ~0.3 ms a row, which is
    30 s on 100k cases); anything unusual goes through the schema for its located messages."""
    if not isinstance(row, dict) or not _KEYS.issuperset(row):
        return False
    case_id, segment, tags = row.get("id"), row.get("segment"), row.get("tags", [])
    return (
        isinstance(case_id, str) and 0 < len(case_id) <= 200 and isinstance(row.get("input"), dict)
        and (segment is None or (isinstance(segment, str) and _SEGMENT.match(segment) is not None))
        and isinstance(tags, list) and len(tags) <= 50
        and all(isinstance(tag, str) and 0 < len(tag) <= 100 for tag in tags)
    )  # fmt: skip


class Dataset:
    """One JSONL dataset file. `check()` reads it once (every problem, duplicates, counts, hash);
    `cases()` streams it again for the run."""

    def __init__(self, path: Path, shown: str) -> None:
        self.path = path
        self.shown = shown

    def check(self, seen: dict[str, str] | None = None) -> DatasetInfo:
        """Validate every row; raise InvalidFile listing each problem (up to MAX_PROBLEMS) by line.

        `seen` maps case ids already used (by earlier datasets of the suite) to where; ids must be unique.
        """
        seen = {} if seen is None else seen
        problems: list[Problem] = []
        digest = hashlib.sha256()
        per_segment: dict[str | None, int] = {}
        rows = 0
        for line, raw in iter_rows(self.path, self.shown):
            digest.update(raw.rstrip(b"\r\n") + b"\n")
            case, found = parse_row(raw, self.shown, line)
            problems.extend(found)
            if case is not None:
                if case.id in seen:
                    problems.append(Problem(self.shown, line, None, "$.id",
                                            f"duplicate case id {case.id!r} (first on {seen[case.id]})",
                                            "give every case its own id"))  # fmt: skip
                else:
                    seen[case.id] = f"{self.shown}:{line}"
                rows += 1
                per_segment[case.segment] = per_segment.get(case.segment, 0) + 1
            if len(problems) >= MAX_PROBLEMS:
                break
        if problems:
            raise InvalidFile(self.shown, problems, "eval dataset")
        if rows == 0:
            empty = Problem(
                self.shown, 1, None, "", "the dataset has no cases", "add one JSON object per line"
            )
            raise InvalidFile(self.shown, [empty], "eval dataset")
        return DatasetInfo(self.shown, digest.hexdigest(), rows, per_segment)

    def segment_counts(self) -> dict[str | None, int]:
        """Cases per segment, as `check()` counts them (raising its problems). Rows checked clean before in
        this process (same content hash) are only hashed, not parsed again: a scan meets the template's
        datasets in every repo."""
        digest = hashlib.sha256()
        for _, raw in iter_rows(self.path, self.shown):
            digest.update(raw.rstrip(b"\r\n") + b"\n")
        known = _clean_counts.get(digest.hexdigest())
        if known is not None:
            return dict(known)
        info = self.check()
        if info.sha256 == digest.hexdigest():  # not changed between the two reads
            _clean_counts.keep(info.sha256, dict(info.per_segment))
        return info.per_segment

    def cases(self) -> Iterator[Case]:
        """Every case, in file order (the file was checked first: a bad row here is a changed file)."""
        for line, raw in iter_rows(self.path, self.shown):
            case, problems = parse_row(raw, self.shown, line)
            if case is None:
                raise InvalidFile(self.shown, problems, "eval dataset (changed while the run was reading it)")
            yield case


# Cases per segment of datasets that checked clean in this process, by the hash `check()` computes.
_clean_counts: BoundedMemo[str, dict[str | None, int]] = BoundedMemo(256)


class DatasetInfo:
    """What checking a dataset found: its content hash, row count and cases per segment."""

    def __init__(self, shown: str, sha256: str, rows: int, per_segment: dict[str | None, int]) -> None:
        self.shown = shown
        self.sha256 = sha256
        self.rows = rows
        self.per_segment = per_segment


def combined_hash(infos: list[DatasetInfo]) -> str:
    """One hash over several datasets' hashes, in suite order."""
    digest = hashlib.sha256()
    for info in infos:
        digest.update(f"{info.shown}\0{info.sha256}\n".encode())
    return digest.hexdigest()
