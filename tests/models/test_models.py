"""platform_cli.models: the kinds list, vendor identity, the model table's loading, merging and checks."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

import platform_cli
from platform_cli.errors import InvalidFile
from platform_cli.models import (
    api_key_name,
    is_offline,
    judge,
    kind_names,
    load_model_table,
    needs_key,
    snapshot_date,
    vendor_of,
)


@pytest.mark.parametrize(
    ("kind", "model", "expected"),
    [
        ("openai", "gpt-4o-2024-08-06", "2024-08-06"),
        ("openai", "gpt-4-0613", "--06-13"),
        ("openai", "gpt-4o", None),
        ("openai", "chatgpt-4o-latest", None),
        ("openai", "gpt-4o-20240806", None),  # Anthropic's style is not OpenAI's
        ("openai", "gpt-4o-2024-13-06", None),  # no 13th month
        ("anthropic", "claude-sonnet-4-5-20250929", "2025-09-29"),
        ("anthropic", "claude-sonnet-4-5-2025-09-29", None),
        ("fake", "fake-chat-2025-01-01", "2025-01-01"),
        ("openai-compatible", "mistral-large-20240724", "2024-07-24"),
        ("openai-compatible", "some-model-2024-07-23-latest", None),
    ],
)
def test_snapshot_date_is_shape_only(kind: str, model: str, expected: str | None) -> None:
    assert snapshot_date(kind, model) == expected


def test_kinds_and_what_they_need() -> None:
    assert kind_names() == ["fake", "openai", "anthropic", "openai-compatible"]
    assert is_offline("fake") and not is_offline("openai") and not is_offline("nope")
    assert needs_key("openai") and needs_key("anthropic") and not needs_key("openai-compatible")
    assert api_key_name("openai", "fallback") == "OPENAI_API_KEY"
    assert api_key_name("openai-compatible", "fallback") == "FALLBACK_API_KEY"
    assert api_key_name("fake", "primary") is None


def test_vendor_of() -> None:
    assert vendor_of("openai", None) == "openai"
    assert vendor_of("anthropic", "https://example.com") == "anthropic"
    assert vendor_of("openai-compatible", "http://127.0.0.1:8000/v1") == "openai-compatible:127.0.0.1"
    assert vendor_of("openai-compatible", "https://api.openai.com/v1") == "openai"
    assert vendor_of("openai-compatible", None) == "openai-compatible"


def test_the_table_classifies_undated_snapshots_and_dated_looking_unknowns() -> None:
    table = load_model_table(extra=[])
    assert judge(table, "anthropic", "claude-2.1").status == "snapshot"  # no date in the id, still pinned
    assert judge(table, "openai", "gpt-4-0613").status == "snapshot"
    assert judge(table, "openai", "gpt-9-2030-01-01").status == "unknown"  # dated, but nobody ships it
    alias = judge(table, "anthropic", "claude-haiku-4-5")
    assert alias.status == "alias" and alias.entry is not None
    assert alias.entry.points_to == "claude-haiku-4-5-20251001"
    assert judge(table, "openai", "claude-haiku-4-5-20251001").status == "other-vendor"
    # a gateway speaking OpenAI's API may serve another vendor's snapshot, never the fake's
    assert (
        judge(table, "openai-compatible", "claude-haiku-4-5-20251001", "http://gw:8000").status == "snapshot"
    )
    assert (
        judge(table, "openai-compatible", "fake-chat-2025-01-01", "http://gw:8000").status == "other-vendor"
    )
    assert judge(table, "openai-compatible", "gpt-4o", "https://api.openai.com/v1").status == "alias"


def test_every_kind_has_a_default_snapshot_of_its_own_vendor() -> None:
    table = load_model_table(extra=[])
    for kind in kind_names():
        assert judge(table, kind, table.defaults[kind]).status == "snapshot", kind


def test_extra_tables_replace_entries_and_are_named(tmp_path: Path) -> None:
    extra = tmp_path / "company.yaml"
    extra.write_text(
        yaml.safe_dump(
            {
                "as_of": "2026-11-30",
                "defaults": {"openai": "gpt-4o-2024-11-20"},
                "models": [{"model": "gpt-4o-2024-08-06", "vendor": "openai", "retires": "2026-12-15"}],
            }
        )
    )
    table = load_model_table(extra=[extra])
    entry = table.lookup("gpt-4o-2024-08-06")
    assert entry is not None and str(entry.retires) == "2026-12-15" and entry.table == "company.yaml"
    assert table.defaults["openai"] == "gpt-4o-2024-11-20"
    assert table.describe() == "model-lifecycle.yaml as of 2026-11-27 + company.yaml as of 2026-11-30"


@pytest.mark.parametrize(
    ("models", "defaults", "says"),
    [
        (
            [{"model": "x", "vendor": "openai", "type": "alias", "points_to": "y"}],
            {},
            "not a listed snapshot",
        ),
        ([{"model": "x", "vendor": "openai", "points_to": "gpt-4o-2024-08-06"}], {}, "is not an alias"),
        ([], {"openai": "claude-haiku-4-5-20251001"}, "not a listed openai snapshot"),
    ],
)
def test_broken_references_in_a_table_are_reported(
    tmp_path: Path, models: list[dict[str, str]], defaults: dict[str, str], says: str
) -> None:
    extra = tmp_path / "broken.yaml"
    extra.write_text(yaml.safe_dump({"as_of": "2026-11-30", "defaults": defaults, "models": models}))
    with pytest.raises(InvalidFile, match=says):
        load_model_table(extra=[extra])


def test_a_bad_config_entry_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from platform_cli.errors import UserError

    config = tmp_path / "config.yaml"
    config.write_text("model_tables: company.yaml\n")
    monkeypatch.setenv("PLATFORM_CONFIG", str(config))
    with pytest.raises(UserError, match="model_tables must be a list of file paths"):
        load_model_table()


def _kind_comparisons(text: str) -> list[int]:
    """Lines comparing with a provider kind's name written out (`kind == "fake"`, `in ("fake",)`)."""
    names = set(kind_names())
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Compare):
            for side in (node.left, *node.comparators):
                values = side.elts if isinstance(side, (ast.Tuple, ast.List, ast.Set)) else [side]
                if any(isinstance(v, ast.Constant) and v.value in names for v in values):
                    found.append(node.lineno)
    return found


def test_only_platform_cli_models_compares_with_a_kind_name() -> None:
    """What a kind means (offline, needs a key...) is asked of models/kinds.py (`is_offline(kind)`), so a
    new kind or a changed fact is one edit. The adapters in providers/ are the kinds' own code (registered by
    name, speaking their wire format), so they may name them."""
    package = Path(platform_cli.__file__).resolve().parent
    found = [
        f"{path.relative_to(package.parent)}:{line}"
        for path in sorted(package.rglob("*.py"))
        if path.relative_to(package).parts[0] not in ("models", "providers")
        for line in _kind_comparisons(path.read_text(encoding="utf-8"))
    ]
    assert found == []
    sample = 'if p.kind != "fake": pass\nx = k in ("openai", "y")\ny = {"fake": 1}\n'
    assert _kind_comparisons(sample) == [1, 2]
