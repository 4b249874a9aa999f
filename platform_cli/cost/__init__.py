"""The cost ledger: prices, priced usage, reports, budgets, soak trends, dashboard, Prometheus metrics.

- `prices.py` / `price_import.py`: dated price tables in LiteLLM's field names (bundled, repo overrides).
- `pricing.py`: usage -> USD, each cached token priced once (OpenAI and Anthropic conventions stated).
- `figures.py`: the derived numbers every view shares (cost per request, rates, p50/p95 latency).
- `report.py`, `budget.py`, `trends.py` (+ `trend_stats.py`, reusable): the read-side commands.
- `ledger.py`: manifest + store + effective price table for a feature; `reprice`.
"""
