"""The `providers` fact: pinning per vendor, vendor identity, retirement from the lifecycle table."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from fact_repos import TODAY, collect, line_containing, make_repo, manifest

from platform_cli.readiness.facts.base import RepoContext
from platform_cli.readiness.facts.lifecycle import default_table_path, load_lifecycle
from platform_cli.readiness.facts.providers import ProvidersCollector, snapshot_date, vendor_of


@pytest.mark.parametrize(
    ("kind", "model", "expected"),
    [
        ("openai", "gpt-4o-2024-08-06", "2024-08-06"),
        ("openai", "gpt-4o-mini-2024-07-18", "2024-07-18"),
        ("openai", "gpt-4-0613", "--06-13"),
        ("openai", "gpt-4o", None),
        ("openai", "chatgpt-4o-latest", None),
        ("openai", "gpt-4o-20240806", None),  # Anthropic's style is not OpenAI's
        ("openai", "gpt-4o-2024-13-06", None),  # no 13th month
        ("anthropic", "claude-sonnet-4-5-20250929", "2025-09-29"),
        ("anthropic", "claude-3-5-sonnet-latest", None),
        ("anthropic", "claude-sonnet-4-5", None),
        ("anthropic", "claude-sonnet-4-5-2025-09-29", None),
        ("fake", "fake-chat-2025-01-01", "2025-01-01"),
        ("fake", "fake-chat", None),
        ("openai-compatible", "llama-3.1-8b-instruct-2024-07-23", "2024-07-23"),
        ("openai-compatible", "mistral-large-20240724", "2024-07-24"),
        ("openai-compatible", "llama-3.1-8b-instruct", None),
        ("openai-compatible", "some-model-2024-07-23-latest", None),
    ],
)
def test_snapshot_date(kind: str, model: str, expected: str | None) -> None:
    assert snapshot_date(kind, model) == expected


def test_vendor_of() -> None:
    assert vendor_of("openai", None) == "openai"
    assert vendor_of("anthropic", "https://example.com") == "anthropic"
    assert vendor_of("openai-compatible", "http://127.0.0.1:8000/v1") == "openai-compatible:127.0.0.1"
    assert vendor_of("openai-compatible", "https://api.openai.com/v1") == "openai"
    assert vendor_of("openai-compatible", None) == "openai-compatible"


def _three_providers() -> list[dict[str, object]]:
    return [
        {
            "name": "primary",
            "kind": "openai",
            "model": "gpt-4o-2024-08-06",
            "api_key_secret": "OPENAI_API_KEY",
            "oncall_owner": "jane.doe@example.com",
        },
        {"name": "backup", "kind": "anthropic", "model": "claude-3-5-sonnet-latest"},
        {
            "name": "local",
            "kind": "openai-compatible",
            "model": "llama-3.1-8b-instruct-2024-07-23",
            "base_url": "http://127.0.0.1:8000/v1",
        },
    ]


def test_collects_every_provider_with_location_and_fallbacks(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", manifest(providers=_three_providers()))
    fact = collect(ProvidersCollector(), root)
    assert fact.unknown is None
    value = fact.value
    assert value["count"] == 3 and value["primary"] == "primary" and value["primary_vendor"] == "openai"
    assert value["vendors"] == ["anthropic", "openai", "openai-compatible:127.0.0.1"]
    first, second, third = value["providers"]
    assert (first["role"], first["pinned"], first["snapshot_date"]) == ("primary", True, "2024-08-06")
    assert (second["role"], second["pinned"], second["vendor"]) == ("fallback", False, "anthropic")
    assert second["pin_hint"].startswith("Anthropic snapshots end in -YYYYMMDD")
    assert third["vendor"] == "openai-compatible:127.0.0.1" and third["pinned"] is True
    assert first["file"] == "ai-feature.yaml"
    assert first["line"] == line_containing(root, "ai-feature.yaml", "gpt-4o-2024-08-06")
    assert second["line"] == line_containing(root, "ai-feature.yaml", "claude-3-5-sonnet-latest")
    assert [f["name"] for f in value["fallbacks"]] == ["backup", "local"]
    assert all(f["different_vendor"] for f in value["fallbacks"])
    assert fact.file == "ai-feature.yaml" and fact.line == line_containing(
        root, "ai-feature.yaml", "providers:"
    )


def test_retirement_comes_from_the_bundled_table_and_today(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", manifest(providers=_three_providers()))
    item = collect(ProvidersCollector(), root).value["providers"][0]
    # policies/model-lifecycle.yaml: gpt-4o-2024-08-06 retires 2027-01-14
    assert item["retires"] == "2027-01-14"
    assert item["days_to_retirement"] == (dt.date(2027, 1, 14) - TODAY).days == 48
    assert item["replacement"] and item["lifecycle_source"].startswith("https://")
    later = ProvidersCollector().collect(RepoContext(root, extra={"today": "2027-02-01"}))
    assert later.value["providers"][0]["days_to_retirement"] == -18
    unknown_model = collect(ProvidersCollector(), root).value["providers"][2]
    assert unknown_model["retires"] is None and unknown_model["days_to_retirement"] is None


def test_another_lifecycle_table_can_be_injected(tmp_path: Path) -> None:
    table = tmp_path / "lifecycle.yaml"
    table.write_text(
        yaml.safe_dump(
            {
                "as_of": "2026-01-01",
                "models": [
                    {
                        "model": "fake-chat-2025-01-01",
                        "vendor": "fake",
                        "retires": "2026-12-01",
                        "replacement": "fake-chat-2026-01-01",
                        "source": "test",
                    }
                ],
            }
        )
    )
    root = make_repo(tmp_path / "repo", manifest())
    fact = collect(ProvidersCollector(), root, model_lifecycle=str(table))
    assert fact.value["providers"][0]["days_to_retirement"] == 4
    assert fact.value["lifecycle"] == {"as_of": "2026-01-01", "today": "2026-11-27"}


def test_a_broken_lifecycle_table_makes_the_fact_unknown(tmp_path: Path) -> None:
    table = tmp_path / "lifecycle.yaml"
    table.write_text("as_of: 2026-01-01\nmodels:\n  - {model: x, vendor: fake}\n")
    root = make_repo(tmp_path / "repo", manifest())
    fact = collect(ProvidersCollector(), root, model_lifecycle=str(table))
    assert fact.value is None
    assert fact.unknown and "model lifecycle table" in fact.unknown and "lifecycle.yaml:3" in fact.unknown


def test_missing_or_invalid_manifest_is_unknown_never_an_exception(tmp_path: Path) -> None:
    empty = make_repo(tmp_path / "empty", None, {"README.md": "x\n"})
    fact = collect(ProvidersCollector(), empty)
    assert fact.unknown == "no ai-feature.yaml in the repository root"
    bad = make_repo(tmp_path / "bad", None, {"ai-feature.yaml": "apiVersion: platform/v1\nkind: [\n"})
    fact = collect(ProvidersCollector(), bad)
    assert fact.unknown is not None and fact.unknown.startswith(
        "ai-feature.yaml is invalid: ai-feature.yaml:3:"
    )


def test_the_bundled_table_is_valid_and_dated() -> None:
    table = load_lifecycle(default_table_path())
    assert table.as_of <= dt.date.today()
    assert table.lookup("gpt-4o-2024-08-06") is not None
    assert table.lookup("openai/gpt-4o-2024-08-06") == table.lookup("gpt-4o-2024-08-06")
    assert table.lookup("fake-chat-2025-01-01") is None  # the template's default model has no end date
    assert all(entry.source for entry in table.entries.values())
