"""The `providers` and `models` facts: pinning and retirement from the model table, vendor identity."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from fact_repos import TODAY, collect, line_containing, make_repo, manifest

from platform_cli.models import default_table_path, load_model_table
from platform_cli.readiness.facts.base import RepoContext
from platform_cli.readiness.facts.providers import ModelsCollector, ProvidersCollector


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
    assert (first["role"], first["pinned"], first["model_status"]) == ("primary", True, "snapshot")
    assert (second["role"], second["pinned"], second["vendor"]) == ("fallback", False, "anthropic")
    assert second["points_to"] == "claude-3-5-sonnet-20241022"  # the alias' target, from the table
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
                    },
                    {
                        "model": "fake-chat-2026-01-01",
                        "vendor": "fake",
                        "retires": "2026-12-01",
                        "replacement": "fake-chat-2026-01-01",
                        "source": "test",
                    },
                ],
            }
        )
    )
    root = make_repo(tmp_path / "repo", manifest())
    fact = collect(ProvidersCollector(), root, model_lifecycle=str(table))
    assert fact.value["providers"][0]["days_to_retirement"] == 4
    assert fact.value["lifecycle"]["as_of"] == "2026-01-01"
    assert fact.value["lifecycle"]["today"] == "2026-11-27"


def test_a_broken_lifecycle_table_makes_the_fact_unknown(tmp_path: Path) -> None:
    table = tmp_path / "lifecycle.yaml"
    table.write_text("as_of: 2026-01-01\nmodels:\n  - {model: x, vendor: fake, retires: soon}\n")
    root = make_repo(tmp_path / "repo", manifest())
    fact = collect(ProvidersCollector(), root, model_lifecycle=str(table))
    assert fact.value is None
    assert fact.unknown and "model table" in fact.unknown and "lifecycle.yaml:3" in fact.unknown


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
    table = load_model_table(default_table_path(), extra=[])
    assert table.as_of <= dt.date.today()
    assert table.lookup("gpt-4o-2024-08-06") is not None
    assert table.lookup("openai/gpt-4o-2024-08-06") == table.lookup("gpt-4o-2024-08-06")
    default = table.lookup("fake-chat-2025-01-01")  # the template's default model has no end date
    assert default is not None and default.retires is None
    assert all(entry.source for entry in table.entries.values() if entry.retires)


def test_an_id_the_table_does_not_list_makes_models_unknown_naming_the_table_and_the_fix(
    tmp_path: Path,
) -> None:
    providers = _three_providers()
    providers[0]["model"] = "gpt-9-2030-01-01"  # dated like a snapshot, but no vendor ever shipped it
    root = make_repo(tmp_path / "repo", manifest(providers=providers))
    item = collect(ProvidersCollector(), root).value["providers"][0]
    assert (item["model_status"], item["pinned"], item["days_to_retirement"]) == ("unknown", None, None)
    models = collect(ModelsCollector(), root)
    assert models.value is None and models.unknown is not None
    assert (
        "'gpt-9-2030-01-01' is not in the model table (model-lifecycle.yaml as of 2026-11-27)"
        in models.unknown
    )
    assert "model_tables" in models.unknown  # how to add it


def test_models_carries_the_providers_value_when_every_id_is_listed(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", manifest(providers=_three_providers()))
    assert collect(ModelsCollector(), root).value == collect(ProvidersCollector(), root).value
