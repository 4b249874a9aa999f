"""`prompts-resolve`: resolving a labelled prompt from the in-process cache, per call, against the floor.

Each timed call is a batch of 1,000 resolves (a single one is too short to time); figures are per resolve.
"""

from __future__ import annotations

import hashlib
import time

from bench.harness import BenchContext, Measurement, interleaved

NAME = "prompts-resolve"
RUNS = 200
BATCH = 1000


def run(ctx: BenchContext) -> list[Measurement]:
    from platform_cli.prompts import PromptResolver
    from platform_cli.prompts.portfolio import allocate
    from platform_cli.store import open_store

    url = f"sqlite:///{ctx.fresh_dir('prompts') / 'state.db'}"
    prompts_dir = ctx.repo / "prompts"
    lkg = ctx.fresh_dir("lkg")
    cached = PromptResolver(url, prompts_dir, ttl_s=3600, lkg_dir=lkg)
    uncached = PromptResolver(url, prompts_dir, ttl_s=0, lkg_dir=lkg)
    runs = ctx.runs(RUNS)
    if cached.resolve("summarize").source != "file":  # day 0: published on first use
        raise RuntimeError("expected a fresh store")
    with open_store(url) as store:  # a 25% cohort, so keyed resolves really bucket
        allocate(store, "summarize", {"v1": 2500}, author="bench")
    keys = [f"user-{i}" for i in range(BATCH)]
    floor = {("summarize", "production"): (float("inf"), object())}

    def hit() -> None:
        for _ in range(BATCH):
            cached.resolve("summarize")

    def dict_floor() -> None:
        for _ in range(BATCH):
            entry = floor.get(("summarize", "production"))
            if entry is not None and entry[0] > time.monotonic():
                pass

    def keyed_hit() -> None:
        for key in keys:
            cached.resolve("summarize", key=key, segment="general")

    def sha_floor() -> None:
        for key in keys:
            hashlib.sha256(f"salt:{key}".encode()).digest()

    def miss() -> None:
        for _ in range(BATCH // 10):
            uncached.resolve("summarize")

    def hit_tenth() -> None:
        for _ in range(BATCH // 10):
            cached.resolve("summarize")

    results = []
    median, reference = interleaved(hit, dict_floor, runs, warmup=3)
    results.append(
        Measurement(
            NAME, "resolve(label), cache hit", median / BATCH, "dict.get + time.monotonic()",
            reference / BATCH, runs, f"per resolve, batches of {BATCH}",
        )
    )  # fmt: skip
    median, reference = interleaved(keyed_hit, sha_floor, runs, warmup=3)
    results.append(
        Measurement(
            NAME, "resolve(key, segment), cache hit", median / BATCH, "sha256 of the key alone",
            reference / BATCH, runs, "sha256 bucket + allocation lookup (25% cohort), per resolve",
        )
    )  # fmt: skip
    median, reference = interleaved(miss, hit_tenth, max(1, runs // 4), warmup=2)
    results.append(
        Measurement(
            NAME, "resolve(label), TTL 0: SQLite each call", median / (BATCH // 10), "cache hit",
            reference / (BATCH // 10), max(1, runs // 4), "what the TTL cache saves, per resolve",
        )
    )  # fmt: skip
    cached.close()
    uncached.close()
    return results
