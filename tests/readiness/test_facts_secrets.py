"""The `secrets` fact: declared secrets and the key each provider needs."""

from __future__ import annotations

from pathlib import Path

from fact_repos import collect, line_containing, make_repo, manifest

from platform_cli.readiness.facts.secrets import SecretsCollector

OPENAI = {
    "name": "primary",
    "kind": "openai",
    "model": "gpt-4o-2024-08-06",
    "api_key_secret": "OPENAI_API_KEY",
}
ANTHROPIC_NO_KEY = {"name": "backup", "kind": "anthropic", "model": "claude-sonnet-4-5-20250929"}
LOCAL_NO_KEY = {
    "name": "local",
    "kind": "openai-compatible",
    "model": "m-2024-01-01",
    "base_url": "http://127.0.0.1:8000",
}


def test_declared_key_is_resolved_to_its_declaration(tmp_path: Path) -> None:
    secrets = [
        {
            "name": "OPENAI_API_KEY",
            "backend": "vault",
            "path": "ai/demo/openai",
            "rotation_days": 90,
            "owner": "team-demo",
        },
        {"name": "UNUSED_TOKEN", "backend": "env-file"},
    ]
    root = make_repo(tmp_path / "repo", manifest(providers=[OPENAI, LOCAL_NO_KEY], secrets=secrets))
    fact = collect(SecretsCollector(), root)
    value = fact.value
    assert [s["name"] for s in value["declared"]] == ["OPENAI_API_KEY", "UNUSED_TOKEN"]
    (ref,) = value["referenced"]  # the local openai-compatible server needs no key
    assert ref == {
        "name": "OPENAI_API_KEY",
        "provider": "primary",
        "provider_kind": "openai",
        "declared": True,
        "backend": "vault",
        "owner": "team-demo",
        "rotation_days": 90,
        "file": "ai-feature.yaml",
        "line": line_containing(root, "ai-feature.yaml", "name: OPENAI_API_KEY"),
    }
    assert value["missing"] == [] and value["unreferenced"] == ["UNUSED_TOKEN"]


def test_undeclared_and_unnamed_keys(tmp_path: Path) -> None:
    # without spec.secrets the manifest loader accepts an api_key_secret that nothing declares
    root = make_repo(tmp_path / "repo", manifest(providers=[OPENAI, ANTHROPIC_NO_KEY]))
    value = collect(SecretsCollector(), root).value
    first, second = value["referenced"]
    assert (first["name"], first["declared"], first["backend"]) == ("OPENAI_API_KEY", False, None)
    assert first["line"] == line_containing(root, "ai-feature.yaml", "api_key_secret")
    assert (second["name"], second["provider"], second["provider_kind"]) == (None, "backup", "anthropic")
    assert second["line"] == line_containing(root, "ai-feature.yaml", "name: backup")
    assert value["missing"] == ["OPENAI_API_KEY"]


def test_fake_providers_need_no_key(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", manifest())
    assert collect(SecretsCollector(), root).value == {
        "lifecycle": "experimental",
        "declared": [],
        "referenced": [],
        "missing": [],
        "unreferenced": [],
    }
