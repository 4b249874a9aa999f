"""No comment or document in the repository points at a file outside it or at a tracker issue number.

A reader of a clean clone has neither: the reason belongs where the reader is (the code, README.md,
ARCHITECTURE.md, CONTRIBUTING.md).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTSIDE = re.compile(r"\b(?:DESIGN|ANCHORS|STYLE)\.md\b|\bissues? ?#?\d+\b", re.IGNORECASE)
SKIPPED = {"tests/test_no_outside_pointers.py", "tests/backstage_backend/package-lock.json"}


def pointers(text: str) -> list[str]:
    return [match.group(0) for match in OUTSIDE.finditer(text)]


def test_the_pattern_sees_what_it_is_for() -> None:
    assert pointers("# see DESIGN.md; fixed in issue 12, issue #7 and Issues 3") == [
        "DESIGN.md", "issue 12", "issue #7", "Issues 3"
    ]  # fmt: skip
    assert pointers("# ARCHITECTURE.md and CONTRIBUTING.md are in the repo; audit entry #12") == []


def test_no_tracked_file_points_outside_the_repository() -> None:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    found = []
    for name in sorted(n for n in listed.decode().split("\0") if n and n not in SKIPPED):
        path = ROOT / name
        if not path.is_file() or path.suffix in {".gz", ".typed"}:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            found += [f"{name}:{number}: {hit}" for hit in pointers(line)]
    assert found == []
