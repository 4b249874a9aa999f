"""A serving process for the budget tests: one call through the runtime against the loopback LLM server.

    python budget_serving_worker.py REPO STATE_URL TICKET

Prints {"provider": ..., "cost_usd": ...} or {"blocked": message}.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from platform_cli.cost.budget_guard import BudgetExhausted
from platform_cli.runtime import Feature
from platform_cli.secrets import Secret

KEY = "sk-loopback-test-key-0123456789abcdef"

if __name__ == "__main__":
    repo, url, ticket = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    with Feature.load(repo, state_url=url, cache_ttl_s=0, secrets=lambda n: Secret(n, KEY)) as feature:
        try:
            result = feature.complete("summarize", {"ticket": ticket})
            answer: dict[str, object] = {"provider": result.provider, "cost_usd": result.cost_usd}
        except BudgetExhausted as error:
            answer = {"blocked": str(error)}
    print(json.dumps(answer), flush=True)
