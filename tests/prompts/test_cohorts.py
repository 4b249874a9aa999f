"""Sticky bucketing: stable assignment, splits within 1% over 100,000 keys, widening only ever adds users."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from platform_cli.errors import UserError
from platform_cli.prompts.cohorts import (
    BUCKETS,
    CONTROL,
    Allocation,
    bucket_of,
    parse_share,
    plan,
)

KEYS = [f"user-{i}" for i in range(100_000)]
SALT = "3f9a1c0b7d2e4a65"


@pytest.fixture(scope="module")
def buckets() -> list[int]:
    return [bucket_of(SALT, key) for key in KEYS]


def _assign(allocation: Allocation, buckets: list[int]) -> list[str]:
    return [allocation.variant_for(b) for b in buckets]


def test_a_key_always_lands_in_the_same_bucket_and_the_salt_reshuffles() -> None:
    assert bucket_of(SALT, "user-42") == bucket_of(SALT, "user-42")
    assert 0 <= bucket_of(SALT, "user-42") < BUCKETS
    moved = sum(bucket_of(SALT, k) != bucket_of("another-salt", k) for k in KEYS[:1000])
    assert moved > 990  # a new prompt's salt gives an independent assignment


@pytest.mark.parametrize("shares", [{"v2": 2500}, {"v2": 7000}, {"v2": 500, "canary": 1000}, {"v2": 1}])
def test_the_split_over_100000_keys_is_within_one_percent(buckets: list[int], shares: dict[str, int]) -> None:
    allocation = plan(None, shares)
    counts = Counter(_assign(allocation, buckets))
    expected = {**{k: v / BUCKETS for k, v in shares.items()}, CONTROL: 1 - sum(shares.values()) / BUCKETS}
    for variant, share in expected.items():
        assert abs(counts[variant] / len(KEYS) - share) < 0.01, (variant, counts[variant], share)


def test_widening_a_canary_from_5_to_25_percent_only_adds_users(buckets: list[int]) -> None:
    five = plan(None, {"v2": 500})
    twenty_five = plan(five, {"v2": 2500})
    before, after = _assign(five, buckets), _assign(twenty_five, buckets)
    assert all(b == "v2" for a, b in zip(before, after, strict=True) if a == "v2")  # nobody leaves v2
    moved = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert moved and set(moved) == {(CONTROL, "v2")}  # only control -> v2
    assert abs(after.count("v2") / len(KEYS) - 0.25) < 0.01


def test_changing_one_variant_never_moves_users_of_another(buckets: list[int]) -> None:
    start = plan(plan(None, {"v2": 1000}), {"canary": 1000})
    steps = [start]
    for targets in ({"v2": 3000}, {"canary": 500}, {"v2": 0}, {"canary": 4000, "v3": 2000}):
        steps.append(plan(steps[-1], targets))
    for old, new in itertools.pairwise(steps):
        for a, b in zip(_assign(old, buckets), _assign(new, buckets), strict=True):
            assert a == b or CONTROL in (a, b), (a, b)  # every change goes through control


def test_shrinking_one_variant_while_growing_another_uses_control_first(buckets: list[int]) -> None:
    before = plan(None, {"v2": 3000, "v3": 1000})
    after = plan(before, {"v2": 1000, "v3": 3000})
    flips = [
        (a, b)
        for a, b in zip(_assign(before, buckets), _assign(after, buckets), strict=True)
        if CONTROL not in (a, b) and a != b
    ]
    assert flips == []  # 60% was control: v3 grew from there, not from v2's released users


def test_allocations_round_trip_through_json() -> None:
    allocation = plan(plan(None, {"v2": 500, "canary": 250}), {"v2": 2500})
    again = Allocation.from_json(allocation.to_json())
    assert again.shares() == allocation.shares() == {"v2": 25.0, "canary": 2.5, CONTROL: 72.5}
    assert all(again.variant_for(b) == allocation.variant_for(b) for b in range(BUCKETS))


def test_more_than_100_percent_is_refused() -> None:
    with pytest.raises(UserError, match=r"the variants would need 110% of traffic \(v2=60%, v3=50%\)"):
        plan(plan(None, {"v2": 6000}), {"v3": 5000})


@pytest.mark.parametrize(
    ("text", "expected"),
    [("v2=25", ("v2", 2500)), ("canary=2.5", ("canary", 250)), ("v3=0.01%", ("v3", 1)), ("v2=0", ("v2", 0))],
)
def test_shares_are_percent_with_two_decimals(text: str, expected: tuple[str, int]) -> None:
    assert parse_share(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("v2", "write NAME=PERCENT"),
        ("v2=lots", "is not a number"),
        ("v2=101", "from 0 to 100"),
        ("v2=0.001", "at most two decimals"),
        ("control=5", "'control' is not a variant"),
        ("Bad Name=5", "must be vN"),
    ],
)
def test_bad_shares_are_usage_errors(text: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        parse_share(text)
