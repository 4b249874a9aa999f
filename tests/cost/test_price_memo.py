"""Price tables remembered in the user cache: a text that loaded clean is not parsed, checked and hashed
again, and gives exactly the table a full load gives; a changed text, a damaged entry or a table with a
problem is always loaded in full."""

from __future__ import annotations

import json
import typing
from collections.abc import Callable
from pathlib import Path

import pytest

from platform_cli.cost import prices
from platform_cli.errors import InvalidFile


def _refuse(*args: object, **kwargs: object) -> None:
    raise AssertionError("the table was parsed again although it was remembered")


def _same(a: prices.PriceTable, b: prices.PriceTable) -> None:
    assert list(a.prices.items()) == list(b.prices.items())
    assert (a.as_of, a.source, a.layers, a.version) == (b.as_of, b.source, b.layers, b.version)


def test_the_row_check_names_every_field_of_a_price_with_its_type() -> None:
    hints = typing.get_type_hints(prices.ModelPrice)
    assert len(prices._ROW_KINDS) == len(prices._ROW_FIELDS)
    for name, (kind, optional) in zip(prices._ROW_FIELDS, prices._ROW_KINDS, strict=True):
        assert hints[name] == (kind | None if optional else kind), name


def test_the_shipped_table_is_loaded_in_full_once_then_recalled(monkeypatch: pytest.MonkeyPatch) -> None:
    path = prices.bundled_path()
    first = prices.load_table_file(path)
    with monkeypatch.context() as patched:
        patched.setattr(prices, "load_json", _refuse)
        patched.setattr(prices, "parse_entries", _refuse)
        second = prices.load_table_file(path)
    assert second is not first
    assert "version" in second.__dict__  # recalled, not hashed again
    _same(second, first)
    assert second.version == prices.PriceTable(dict(first.prices), first.as_of, first.source).version


def test_a_changed_text_is_loaded_in_full(tmp_path: Path) -> None:
    path = tmp_path / "prices.json"
    document = prices.load_bundled().document()
    path.write_text(json.dumps(document), encoding="utf-8")
    before = prices.load_table_file(path)
    model = next(iter(document["models"]))
    document["models"][model]["input_cost_per_token"] = 1.0
    path.write_text(json.dumps(document), encoding="utf-8")
    after = prices.load_table_file(path)
    assert after.prices[model].input_cost_per_token == 1.0
    assert after.version != before.version


def test_a_table_with_a_problem_is_never_remembered(tmp_path: Path) -> None:
    path = tmp_path / "prices.json"
    bad = {"as_of": "2026-01-01", "source": "x", "models": {"m": {"input_cost_per_token": -1}}}
    path.write_text(json.dumps(bad), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(InvalidFile):
            prices.load_table_file(path)
    assert not Path(prices._memo_entry(path.read_text(encoding="utf-8"))).exists()


def _entry_with(**changes: object) -> str:
    """The shipped table's remembered entry with some of its parts replaced (a damaged or foreign entry)."""
    path = prices.bundled_path()
    entry = Path(prices._memo_entry(path.read_text(encoding="utf-8")))
    kept = json.loads(entry.read_text(encoding="utf-8"))
    first_row = kept["models"][0]
    for key, value in changes.items():
        if key.startswith("row_"):
            first_row[int(key[4:])] = value
        else:
            kept[key] = value
    return json.dumps(kept)


@pytest.mark.parametrize(
    "damage",
    [
        lambda: "not json",
        lambda: "[]",
        lambda: '{"models": {}}',
        lambda: '{"as_of": "", "source": "", "version": "p-0123456789ab", "models": [["m", 1]]}',
        lambda: '{"as_of": "", "source": "", "version": "p-0123456789ab", "models": "abcdefghijk"}',
        lambda: "[" * 100_000 + "]" * 100_000,  # too deep for the JSON parser
        lambda: _entry_with(version="p-bogus"),  # not a version the table could have
        lambda: _entry_with(as_of=7),
        lambda: _entry_with(row_1="abc"),  # a price that is not a number
        lambda: _entry_with(row_2=-1.0),  # a negative price
        lambda: _entry_with(row_1=True),  # a bool is not a price
        lambda: _entry_with(row_3=7),  # an int where the full load makes a float
        lambda: _entry_with(row_8=1.5),  # a token count that is not an int
        lambda: _entry_with(row_0=None),  # no model name
    ],
)
def test_a_damaged_entry_only_means_a_full_load(damage: Callable[[], str]) -> None:
    path = prices.bundled_path()
    full = prices.load_table_file(path)
    entry = Path(prices._memo_entry(path.read_text(encoding="utf-8")))
    assert entry.is_file()
    entry.write_text(damage(), encoding="utf-8")
    recalled = prices.load_table_file(path)
    _same(recalled, full)
    assert all(type(p.input_cost_per_token) is float for p in recalled.prices.values())
    assert json.loads(entry.read_text(encoding="utf-8"))["version"] == full.version  # written again


def test_an_unwritable_cache_only_costs_speed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory\n")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert prices.load_table_file(prices.bundled_path()).prices
