"""The coverage gate: the suite's branch coverage may not fall below the floor, and the floor only rises.

    python .ci/coverage_floor.py coverage.json [--floor .ci/coverage-floor]

Exit 0 when the total (lines and branches, as coverage.py reports it) is at or above the floor in
`.ci/coverage-floor`, 1 when it is below, or when the floor file was ever lowered in git history (a floor
that can be edited down is no floor), 2 for a missing or unreadable input. When the total is well above the
floor it says so, with the number to write into the file: raise it in the same change that added the tests.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOOR = ROOT / ".ci" / "coverage-floor"
RAISE_BY = 0.5  # suggest raising the floor once the total is this many points above it


def read_floor(text: str, where: str) -> float:
    try:
        return float(text.strip())
    except ValueError:
        raise SystemExit(f"{where}: expected one number (a percentage, e.g. 81.5), found {text.strip()!r}")


def floors_in_history(floor: Path) -> list[tuple[str, float]]:
    """(commit, floor) for every committed version of the floor file, oldest first; [] outside git."""
    where = floor.resolve().parent
    listed = subprocess.run(
        ["git", "log", "--format=%h", "--reverse", "--", floor.name],
        cwd=where, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if listed.returncode != 0:
        return []
    found: list[tuple[str, float]] = []
    for commit in listed.stdout.split():
        shown = subprocess.run(
            ["git", "show", f"{commit}:./{floor.name}"], cwd=where, capture_output=True, text=True, check=False
        )
        if shown.returncode == 0:  # absent in that commit: it was deleted then
            found.append((commit, read_floor(shown.stdout, f"{floor.name} at {commit}")))
    return found


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path, help="coverage.json written by pytest --cov-report=json")
    parser.add_argument("--floor", type=Path, default=FLOOR)
    args = parser.parse_args(argv)
    try:
        totals = json.loads(args.report.read_text(encoding="utf-8"))["totals"]
        total = float(totals["percent_covered"])
        floor = read_floor(args.floor.read_text(encoding="utf-8"), str(args.floor))
    except (OSError, ValueError, KeyError) as error:
        print(f"coverage gate: cannot read the inputs ({error})", file=sys.stderr)
        return 2
    history = floors_in_history(args.floor)
    lowered = [
        f"{later[0]} lowered it from {earlier[1]:g} to {later[1]:g}"
        for earlier, later in zip(history, history[1:])
        if later[1] < earlier[1]
    ]
    if history and floor < history[-1][1]:
        lowered.append(f"the working copy lowers it from {history[-1][1]:g} to {floor:g}")
    if lowered:
        print(f"coverage gate: the floor may only rise; {'; '.join(lowered)}", file=sys.stderr)
        return 1
    branches = f"{totals.get('covered_branches', 0)}/{totals.get('num_branches', 0)} branches"
    lines = f"{totals.get('covered_lines', 0)}/{totals.get('num_statements', 0)} lines"
    if total < floor:
        print(
            f"coverage gate: {total:.1f}% ({lines}, {branches}) is below the floor of {floor:g}% in "
            f"{args.floor.name}: add tests for what this change left uncovered",
            file=sys.stderr,
        )
        return 1
    print(f"coverage: {total:.1f}% ({lines}, {branches}); floor {floor:g}%")
    if total >= floor + RAISE_BY:
        print(f"coverage: raise the floor: echo {int(total * 10) / 10:.1f} > {args.floor}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
