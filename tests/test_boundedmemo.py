"""BoundedMemo: a plain dict for lookups that starts again empty once it holds `limit` entries."""

from __future__ import annotations

from platform_cli.boundedmemo import BoundedMemo


def test_it_never_holds_more_than_its_limit_and_keeps_the_newest() -> None:
    memo: BoundedMemo[int, str] = BoundedMemo(3)
    for number in range(3):
        assert memo.keep(number, str(number)) == str(number)
    assert memo == {0: "0", 1: "1", 2: "2"}
    assert memo.keep(3, "3") == "3"
    assert memo == {3: "3"}  # full: forgotten, then the new entry kept
    assert max(len(memo) for _ in [memo.keep(n, "") for n in range(100)]) <= 3


def test_keeping_a_known_key_again_replaces_its_value() -> None:
    memo: BoundedMemo[str, int] = BoundedMemo(2)
    memo.keep("a", 1)
    memo.keep("a", 2)
    assert memo.get("a") == 2 and len(memo) == 1
