"""Guarded rollouts: a prompt version walks spec.rollout.steps through the registry's sticky cohorts while
every guard metric is compared with control per segment; a breach rolls back through the rollback
primitive; live answers are sampled by the runtime and scored off the request path.

Layout: settings.py (spec.rollout with defaults: steps, holds, guards and their tests), stats.py
(Newcombe intervals, two-sample bootstrap over histograms, Bonferroni), evidence.py (the store scans a
guard reads), guards.py (judge each guard per segment), drift.py (the canary's trends across the soak),
walk.py (start, advance, completion, abort through the registry), watch.py (one decision per rollout),
scoring.py (the online scoring pass), pricing.py (price what the runtime left unpriced), status.py,
runner.py (what `watch` and `score` run). The runtime side is runtime/sampling.py.
"""
