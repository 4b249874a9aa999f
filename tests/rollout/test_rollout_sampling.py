"""Online-scoring samples: what the runtime keeps (every canary answer up to a cap, a share of the rest),
that it only enqueues on the background writer, drops and counts when the writer is behind, and that the
samples reach the store with version, cohort, segment, variables and answer."""

from __future__ import annotations

import json
import random
from pathlib import Path

from rollout_support import FEATURE, publish_v1_v2, write_repo

from platform_cli.prompts.portfolio import allocate
from platform_cli.runtime import Feature
from platform_cli.runtime.record import CallRecord
from platform_cli.runtime.sampling import OnlineSampler
from platform_cli.runtime.writer import BackgroundWriter
from platform_cli.store import open_store


def record(variant: str | None, *, version: int = 2, error: str | None = None) -> CallRecord:
    made = CallRecord(
        FEATURE, "complete", "summarize", version, "h", None, variant, 1, "store", "billing", "u"
    )
    made.provider, made.text, made.at, made.error = (
        "primary",
        "an answer",
        "2026-03-02T00:00:00.000000Z",
        error,
    )
    made.variables = {"ticket": "t", "segment": "billing"}
    return made


class Slow(BackgroundWriter):
    """A writer whose thread never gets to write (batches wait an hour): rows pile up as in an outage."""

    def __init__(self, url: str) -> None:
        super().__init__(url, batch_size=10_000, max_delay_s=3600)


def test_every_canary_answer_up_to_the_cap_and_a_share_of_the_rest(tmp_path: Path) -> None:
    writer = Slow(f"sqlite:///{tmp_path / 's.db'}")
    sampler = OnlineSampler(0.1, 50, 100_000, rng=random.Random(1))
    canary = sum(sampler.offer(record("v2"), writer) for _ in range(80))
    control = sum(sampler.offer(record("control", version=1), writer) for _ in range(4000))
    unallocated = sum(sampler.offer(record(None, version=1), writer) for _ in range(1000))
    failed = sampler.offer(record("v2", version=3, error="primary: server 500"), writer)
    evaluated = record("v2", version=4)
    evaluated.traffic = "eval"
    assert not sampler.offer(evaluated, writer)  # an eval run's answers are not live traffic
    assert canary == 50  # the cap, per prompt version
    assert 320 < control < 480 and 60 < unallocated < 140  # 10%
    assert not failed
    assert writer.pending == sampler.sampled == canary + control + unallocated
    writer.close(timeout_s=1)


def test_when_the_writer_falls_behind_new_samples_are_dropped_and_counted(tmp_path: Path) -> None:
    writer = Slow(f"sqlite:///{tmp_path / 's.db'}")
    sampler = OnlineSampler(1.0, 10_000, 25)
    kept = sum(sampler.offer(record("control", version=1), writer) for _ in range(40))
    assert kept == 25 and sampler.dropped == 15 and writer.pending == 25
    writer.close(timeout_s=1)


def test_no_online_scoring_means_no_sampler(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    root = write_repo(tmp_path / "repo", url, online_scoring=None)
    with Feature.load(root, state_url=url) as feature:
        assert feature.sampler is None


def test_samples_reach_the_store_with_version_cohort_segment_and_answer(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    root = write_repo(tmp_path / "repo", url)
    publish_v1_v2(url)
    with open_store(url) as store:
        allocate(store, "summarize", {"v2": 5000}, author="t@example.com", reason="half")
    with Feature.load(root, state_url=url, offline=True) as feature:
        assert feature.sampler is not None
        results = [
            feature.complete("summarize", {"ticket": f"ticket {i}", "segment": "account"}, user=f"u{i}",
                             segment="account")
            for i in range(200)
        ]  # fmt: skip
        variables = {"ticket": "t", "segment": "billing"}
        feature.chat("conv-1", "where is my refund?", prompt="summarize", variables=variables, user="u1",
                     segment="billing")  # fmt: skip
        assert feature.flush(30)
    with open_store(url) as store:
        samples = store.unscored_samples(FEATURE, limit=10_000)
    canary_calls = sum(r.prompt_version == 2 for r in results)
    canary_samples = [s for s in samples if s.variant == "v2" and s.operation == "complete"]
    assert len(canary_samples) == canary_calls  # every canary answer (under the cap)
    assert all(s.prompt_version == 2 and s.segment == "account" and s.user_hash for s in canary_samples)
    by_text = {json.loads(s.input)["ticket"]: s for s in canary_samples}
    first = next(r for r in results if r.prompt_version == 2)
    sample = next(s for s in canary_samples if s.output == first.text)
    assert json.loads(sample.input)["segment"] == "account" and sample.model == first.model
    assert len(by_text) == len(canary_samples)
    chats = [s for s in samples if s.operation == "chat"]
    assert all(json.loads(s.input)["message"] == "where is my refund?" for s in chats)
