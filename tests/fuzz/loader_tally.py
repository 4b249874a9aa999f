"""How many inputs each loader was given in this process, and what became of them (see conftest.py)."""

from __future__ import annotations

from collections import Counter

TALLY: dict[str, Counter[str]] = {}


def record(loader: str, outcome: str) -> None:
    """outcome: accepted | refused (exit 2, located) | internal (exit 3) | traceback."""
    TALLY.setdefault(loader, Counter())[outcome] += 1


def summary_lines() -> list[str]:
    total: Counter[str] = Counter()
    lines = []
    for loader, counts in sorted(TALLY.items()):
        total.update(counts)
        lines.append(_line(loader, counts))
    if lines:
        lines.append(_line("all loaders", total))
    return lines


def _line(name: str, counts: Counter[str]) -> str:
    tried = sum(counts.values())
    return (
        f"{name:<24} {tried:>7} inputs: {counts['accepted']:>6} accepted, {counts['refused']:>6} refused "
        f"(exit 2, located), {counts['internal']} internal errors (exit 3), {counts['traceback']} tracebacks"
    )
