"""A process that adds to the shared spend counter (run by test_cost_budget_guard.py)."""

from __future__ import annotations

import sys
from pathlib import Path

from platform_cli.cost.budget_guard import SpendCounter

if __name__ == "__main__":
    path, times, amount = Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    counter = SpendCounter(path)
    for _ in range(times):
        counter.add(amount)
    counter.close()
