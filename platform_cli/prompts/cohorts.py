"""Sticky cohorts: hash a key into 10,000 buckets and give variants bucket sets that only grow from control.

A key's bucket is `sha256(salt:key) mod 10,000`, fixed for the life of the prompt (the salt is stored
with it). An allocation gives each variant a set of buckets; every bucket no variant holds is `control`
(whatever the caller's label, usually `production`, points at). Changing an allocation keeps every
variant's buckets where possible: a variant that grows takes buckets that were control, a variant that
shrinks gives its highest buckets back to control. So widening a canary from 5% to 25% only ever adds
users to it, and a user never moves from one variant straight to another unless the new allocation
leaves no other way (e.g. 50/50 between two variants becoming 0/100).
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any

from platform_cli.errors import UserError

BUCKETS = 10_000
CONTROL = "control"
ALL_SEGMENTS = "*"
_VERSION_VARIANT = re.compile(r"^v([1-9][0-9]*)$")
_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")


def bucket_of(salt: str, key: str) -> int:
    """The key's bucket in [0, 10,000): stable for a given salt and key."""
    digest = hashlib.sha256(f"{salt}:{key}".encode()).digest()  # what the docs promise: sha256(salt:key)
    return int.from_bytes(digest[:8], "big") % BUCKETS


@functools.lru_cache(maxsize=1024)
def pinned_version(variant: str) -> int | None:
    """`v3` -> 3 (the variant pins published version 3); any other name is a label it follows."""
    match = _VERSION_VARIANT.match(variant)
    return int(match.group(1)) if match else None


def check_variant_name(variant: str) -> str:
    if variant == CONTROL:
        raise UserError(
            "'control' is not a variant you allocate: it is whatever buckets no variant holds "
            "(the label being resolved, usually production)"
        )
    if not (_NAME.match(variant) or pinned_version(variant)):
        raise UserError(
            f"variant {variant!r} must be vN (pins published version N) or a label name "
            "(lowercase letters, digits, _ and -), e.g. v2 or canary"
        )
    return variant


def parse_share(text: str) -> tuple[str, int]:
    """`v2=25` -> ("v2", 2500 buckets). Percent with up to two decimals (one bucket is 0.01%)."""
    name, sep, percent = text.partition("=")
    if not sep:
        raise UserError(f"--variant {text!r}: write NAME=PERCENT, e.g. --variant v2=25")
    try:
        value = Decimal(percent.strip().rstrip("%"))
    except InvalidOperation:
        raise UserError(f"--variant {text!r}: {percent!r} is not a number (write e.g. v2=25)") from None
    buckets = value * BUCKETS / 100
    if not (0 <= value <= 100) or buckets != buckets.to_integral_value():
        raise UserError(f"--variant {text!r}: use a percent from 0 to 100 with at most two decimals")
    return check_variant_name(name.strip()), int(buckets)


def _ranges(buckets: Iterable[int]) -> list[list[int]]:
    """Sorted buckets as [start, end) ranges."""
    out: list[list[int]] = []
    for bucket in sorted(buckets):
        if out and out[-1][1] == bucket:
            out[-1][1] = bucket + 1
        else:
            out.append([bucket, bucket + 1])
    return out


@dataclass(frozen=True)
class Variant:
    name: str
    buckets: frozenset[int]

    @property
    def percent(self) -> float:
        return len(self.buckets) * 100 / BUCKETS


@dataclass(frozen=True)
class Allocation:
    """Variants in their fixed order, each with its buckets; every other bucket is control."""

    variants: tuple[Variant, ...] = ()

    @cached_property
    def _lookup(self) -> tuple[list[int], list[tuple[int, str]]]:
        spans = sorted(
            (start, end, variant.name) for variant in self.variants for start, end in _ranges(variant.buckets)
        )
        return [start for start, _, _ in spans], [(end, name) for _, end, name in spans]

    def variant_for(self, bucket: int) -> str:
        """The variant holding `bucket`, or CONTROL."""
        starts, ends = self._lookup
        index = bisect.bisect_right(starts, bucket) - 1
        if index >= 0 and bucket < ends[index][0]:
            return ends[index][1]
        return CONTROL

    def shares(self) -> dict[str, float]:
        """Percent per variant, control last."""
        out = {variant.name: variant.percent for variant in self.variants}
        out[CONTROL] = 100 - sum(out.values())
        return out

    def to_json(self) -> str:
        variants = [{"name": v.name, "ranges": _ranges(v.buckets)} for v in self.variants]
        return json.dumps({"buckets": BUCKETS, "variants": variants}, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Allocation:
        data: Any = json.loads(text)
        variants = tuple(
            Variant(
                str(item["name"]),
                frozenset(b for start, end in item["ranges"] for b in range(int(start), int(end))),
            )
            for item in data.get("variants", ())
        )
        return cls(variants)

    def as_dict(self) -> dict[str, Any]:
        return {
            "shares": self.shares(),
            "variants": [{"name": v.name, "ranges": _ranges(v.buckets)} for v in self.variants],
        }


def plan(current: Allocation | None, targets: Mapping[str, int]) -> Allocation:
    """The allocation after setting each variant in `targets` to that many buckets (0 removes it).

    Variants not named keep their buckets. Shrinking gives back the highest buckets; growing takes the
    lowest buckets that were control before this change, and only then buckets another variant just gave
    back. Raises UserError when the variants would need more than 100%.
    """
    old = {v.name: set(v.buckets) for v in (current.variants if current else ())}
    order = list(old) + [name for name in targets if name not in old]
    wanted = {name: targets.get(name, len(old.get(name, ()))) for name in order}
    total = sum(wanted.values())
    if total > BUCKETS:
        shares = ", ".join(f"{name}={count / 100:g}%" for name, count in wanted.items() if count)
        raise UserError(
            f"the variants would need {total / 100:g}% of traffic ({shares}); keep the total at 100% or less"
        )
    held = set().union(*old.values()) if old else set()
    released: set[int] = set()
    new: dict[str, set[int]] = {}
    for name in order:
        buckets = set(old.get(name, ()))
        excess = len(buckets) - wanted[name]
        if excess > 0:
            give_back = sorted(buckets)[-excess:]
            buckets.difference_update(give_back)
            released.update(give_back)
        new[name] = buckets
    pools = [sorted(set(range(BUCKETS)) - held), sorted(released)]
    for name in order:
        need = wanted[name] - len(new[name])
        for pool in pools:
            if need <= 0:
                break
            taken, pool[:] = pool[:need], pool[need:]
            new[name].update(taken)
            need -= len(taken)
    return Allocation(tuple(Variant(name, frozenset(new[name])) for name in order if new[name]))
