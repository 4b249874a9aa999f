"""The eval harness: suites and datasets, scorers, the runner, statistics, baselines and the gate, reports.

Layout: `suites.py` / `datasets.py` (files, located errors), `scorers/` (one Protocol, registry, plugins),
`engine.py` (the concurrent loop), `limiter.py` (adaptive back-off), `recorder.py` (store + JSONL),
`runs.py` (a run end to end: plan, resume, summary, verdict), `calls.py` (calls through the runtime),
`stats.py` (bootstrap, pass^k, paired), `summary.py`, `compare.py` (the gate), `baselines.py`,
`promotion.py` (the gate on label moves and model changes), `portfolio.py`, `reports/`.
"""
