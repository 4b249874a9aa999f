"""One definition per fact: the template's only copies of platform-cli's facts are in facts.jinja, and each
copy is checked here against its one source, so a change in one place without the other fails the suite."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml

from platform_cli.models import KINDS, api_key_name, kind_names, load_model_table
from platform_cli.resources import schema_path, templates_dir
from platform_cli.scaffold import new_feature

TEMPLATE = templates_dir() / "ai-feature"


def _facts() -> Any:
    """facts.jinja as copier loads it (its loader is rooted at the template directory)."""
    from jinja2_ansible_filters import AnsibleCoreFiltersExtension

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE)), extensions=[AnsibleCoreFiltersExtension]
    )
    return env.get_template("facts.jinja").module


def _answers_schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((TEMPLATE / "answers.schema.json").read_text())
    return loaded


def test_the_kinds_copy_matches_platform_cli() -> None:
    facts = _facts()
    assert list(facts.KINDS) == kind_names()
    assert dict(facts.API_KEYS) == {name: kind.api_key or "" for name, kind in KINDS.items()}


def test_the_default_models_copy_matches_the_model_table() -> None:
    table = load_model_table(extra=[])
    assert dict(_facts().DEFAULT_MODELS) == {kind: table.defaults[kind] for kind in kind_names()}


def test_the_answer_patterns_copy_matches_answers_schema() -> None:
    properties = _answers_schema()["properties"]
    patterns = dict(_facts().PATTERNS)
    assert {"slug", "eval_owner"} <= set(patterns)
    for name, (pattern, message) in patterns.items():
        assert (pattern, message) == (properties[name]["pattern"], properties[name]["errorMessage"]), name
    # every question copier validates as it asks checks exactly its own entry, nothing written inline
    questions = yaml.safe_load((TEMPLATE / "copier.yml").read_text())
    validated = {
        key: q["validator"] for key, q in questions.items() if isinstance(q, dict) and "validator" in q
    }
    assert set(validated) == set(patterns)
    for key, validator in validated.items():
        assert validator == f"{{% from 'facts.jinja' import problem %}}{{{{ problem('{key}', {key}) }}}}", key


def test_no_other_template_file_lists_kinds_keys_models_or_patterns() -> None:
    """The copies live in facts.jinja only: copier.yml, the schemas and the rendered files import them."""
    copier = (TEMPLATE / "copier.yml").read_text()
    assert "regex_search" not in copier and "gpt-" not in copier and "claude-" not in copier
    for line in copier.splitlines():  # a question may test one kind (`when:`), never list them
        named = [kind for kind in kind_names() if re.search(rf"\b{re.escape(kind)}\b(?!-)", line)]
        assert len(named) <= 1, line
    schema = json.dumps(_answers_schema())
    assert '"enum": ["fake"' not in schema and "openai-compatible" not in schema
    assert "gpt-" not in schema and "\\\\d{8}" not in schema  # no dated-model pattern, no model list
    manifest_schema = schema_path("ai-feature").read_text()
    assert '"openai-compatible"' not in manifest_schema  # the kind is checked against platform_cli.models
    for path in (TEMPLATE / "template").rglob("*.jinja"):
        text = path.read_text()
        for kind in KINDS.values():
            if kind.api_key and "{ROLE}" not in kind.api_key:
                assert kind.api_key not in text, f"{path.name} spells {kind.api_key}: use facts.jinja"
        assert "gpt-5.1-2025-11-13" not in text and "claude-haiku-4-5-20251001" not in text, path.name


def test_lifecycle_and_backend_choices_match_the_manifest_schema() -> None:
    questions = yaml.safe_load((TEMPLATE / "copier.yml").read_text())
    manifest_schema = json.loads(schema_path("ai-feature").read_text())
    spec = manifest_schema["properties"]["spec"]["properties"]
    assert questions["lifecycle"]["choices"] == spec["lifecycle"]["enum"]
    backends = manifest_schema["$defs"]["secret"]["properties"]["backend"]["enum"]
    assert questions["secrets_backend"]["choices"] == backends
    properties = _answers_schema()["properties"]
    assert properties["lifecycle"]["enum"] == spec["lifecycle"]["enum"]
    assert properties["secrets_backend"]["enum"] == backends


@pytest.mark.parametrize("kind", kind_names())
def test_scaffold_proposes_the_tables_default_and_declares_the_kinds_key(tmp_path: Path, kind: str) -> None:
    """Rendered end to end: the default model and the key name come from the one source for every kind."""
    table = load_model_table(extra=[])
    data = {"name": "Kinds Check", "eval_owner": "jane@example.com", "primary_provider": kind}
    result = new_feature(tmp_path / kind, data, dry_run=True)
    assert result.answers["primary_model"] == table.defaults[kind]
    staged = new_feature(tmp_path / f"{kind}-real", data, git_init=False)
    manifest = yaml.safe_load((staged.dest / "ai-feature.yaml").read_text())
    primary = manifest["spec"]["providers"][0]
    assert primary.get("api_key_secret") == api_key_name(kind, "primary")
    assert [s["name"] for s in manifest["spec"]["secrets"]] == [
        k for k in [api_key_name(kind, "primary")] if k
    ]


def test_copier_itself_enforces_the_same_patterns(tmp_path: Path) -> None:
    """Plain copier (no platform-cli) reads facts.jinja too: a bad slug gets the schema's message."""
    from copier import run_copy

    message = _answers_schema()["properties"]["slug"]["errorMessage"]
    with pytest.raises(Exception, match=re.escape(message)):
        run_copy(
            str(TEMPLATE),
            tmp_path / "plain",
            data={"name": "Plain", "slug": "Not_A_Slug", "eval_owner": "jane@example.com"},
            defaults=True,
            quiet=True,
        )
