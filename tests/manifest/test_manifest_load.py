"""Loading ai-feature.yaml: every problem located, cross-field checks, and the typed model."""

from __future__ import annotations

from pathlib import Path

import pytest

from platform_cli.errors import InvalidFile
from platform_cli.manifest import Budget, RollbackSpec, Rollout, load_manifest


def invalid(repo: Path, text: str) -> InvalidFile:
    (repo / "ai-feature.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(InvalidFile) as caught:
        load_manifest(repo / "ai-feature.yaml", display="ai-feature.yaml")
    return caught.value


def test_three_planted_mistakes_give_exactly_three_located_problems(three_mistakes: str, repo: Path) -> None:
    error = invalid(repo, three_mistakes)
    assert [(p.line, p.column, p.path) for p in error.problems] == [
        (3, 1, "$.metadata"),
        (12, 7, "$.spec.providers[0].temperature"),
        (14, 18, "$.spec.budget.monthly_usd"),
    ]
    missing, unknown, wrong_type = error.problems
    assert missing.message == "missing required key 'owner'"
    assert missing.hint.startswith("add `owner: team-support-ai` under `metadata:`")
    assert unknown.message == "unknown key 'temperature'"
    assert "allowed keys here: name, kind, model," in unknown.hint
    assert wrong_type.message == "expected a number, got the string 'lots'"
    assert str(error).splitlines()[0] == "ai-feature.yaml: 3 problems in AIFeature manifest"
    assert str(error).splitlines()[3] == (
        "ai-feature.yaml:14:18: $.spec.budget.monthly_usd: expected a number, got the string 'lots' "
        "(Budget for one calendar month in US dollars; e.g. 500)"
    )


def test_did_you_mean_for_a_misspelt_key(full_text: str, repo: Path) -> None:
    text = full_text.replace("  segments:", "  segmnets:")
    [problem] = invalid(repo, text).problems
    assert (problem.line, problem.message) == (
        text.splitlines().index("  segmnets: [billing, technical, account]") + 1,
        "unknown key 'segmnets'",
    )
    assert problem.hint.startswith("did you mean 'segments'? allowed keys here: lifecycle, oncall, providers")


def test_enum_and_pattern_messages(minimal_text: str, repo: Path) -> None:
    text = minimal_text.replace("name: tiny", "name: Tiny_Feature").replace(
        "kind: fake", "kind: openai-compat"
    )
    problems = invalid(repo, text).problems
    assert [p.render() for p in problems] == [
        "ai-feature.yaml:4:9: $.metadata.name: 'Tiny_Feature' is not in the expected format (use lowercase "
        "letters, digits and single hyphens, starting with a letter (e.g. support-summarizer))",
        "ai-feature.yaml:10:29: $.spec.providers[0].kind: 'openai-compat' is not an allowed value (did you "
        "mean 'openai-compatible'? allowed: fake, openai, anthropic, openai-compatible)",
    ]


def test_duplicate_provider_names_and_undeclared_secret(full_text: str, repo: Path) -> None:
    text = full_text.replace("name: fallback", "name: primary").replace(
        "api_key_secret: ANTHROPIC_API_KEY", "api_key_secret: ANTHROPIC_KEY"
    )
    lines = text.splitlines()
    problems = invalid(repo, text).problems
    assert [(p.line, p.path, p.message) for p in problems] == [
        (
            lines.index("    - name: primary", 15) + 1,
            "$.spec.providers[1].name",
            "provider name 'primary' is already used by spec.providers[0] (line 14)",
        ),
        (
            lines.index("      api_key_secret: ANTHROPIC_KEY") + 1,
            "$.spec.providers[1].api_key_secret",
            "secret 'ANTHROPIC_KEY' is not declared in spec.secrets",
        ),
    ]
    assert problems[1].hint == (
        "did you mean 'ANTHROPIC_API_KEY'? declare it under spec.secrets "
        "(declared: OPENAI_API_KEY, ANTHROPIC_API_KEY)"
    )


def test_api_key_secret_is_not_checked_without_a_secrets_section(minimal_text: str, repo: Path) -> None:
    text = minimal_text.replace("model: fake-chat-2025-01-01}", "model: m, api_key_secret: SOME_KEY}")
    (repo / "ai-feature.yaml").write_text(text, encoding="utf-8")
    assert load_manifest(repo / "ai-feature.yaml").providers[0].api_key_secret == "SOME_KEY"


def test_duplicate_segments_and_secret_names(full_text: str, repo: Path) -> None:
    text = full_text.replace("[billing, technical, account]", "[billing, technical, billing]").replace(
        "name: ANTHROPIC_API_KEY, backend", "name: OPENAI_API_KEY, backend"
    )
    messages = [p.message for p in invalid(repo, text).problems]
    assert "secret 'ANTHROPIC_API_KEY' is not declared in spec.secrets" in messages
    assert "secret name 'OPENAI_API_KEY' is already used by spec.secrets[0] (line 38)" in messages
    assert "duplicate item 'billing' (same as item 0)" in messages
    assert len(messages) == 3


def test_semantic_checks_run_alongside_schema_problems(full_text: str, repo: Path) -> None:
    text = full_text.replace("name: fallback", "name: primary").replace("monthly_usd: 500", "monthly_usd: -1")
    messages = [p.message for p in invalid(repo, text).problems]
    assert messages == [
        "provider name 'primary' is already used by spec.providers[0] (line 14)",
        "-1 is out of range: must be > 0",
    ]


def test_malformed_yaml_is_reported_with_line_and_column(minimal_text: str, repo: Path) -> None:
    text = minimal_text.replace("  owner: team-tiny", "   owner: team-tiny")
    [problem] = invalid(repo, text).problems
    assert (problem.line, problem.column) == (5, 9)  # the colon after the over-indented key
    assert problem.message.startswith("invalid YAML")


def test_duplicate_key_in_manifest(minimal_text: str, repo: Path) -> None:
    text = minimal_text + "  lifecycle: deprecated\n"
    [problem] = invalid(repo, text).problems
    assert (problem.line, problem.path) == (11, "$.spec.lifecycle")
    assert problem.message == "duplicate key 'lifecycle' (first defined on line 8)"


def test_empty_and_non_mapping_manifests(repo: Path) -> None:
    assert [p.message for p in invalid(repo, "").problems] == ["expected a mapping, got nothing (null)"]
    assert [p.message for p in invalid(repo, "- a\n- b\n").problems] == [
        "expected a mapping, got a list of 2 items"
    ]


def test_full_manifest_loads_into_the_typed_model(repo: Path) -> None:
    manifest = load_manifest(repo / "ai-feature.yaml")
    assert (manifest.name, manifest.title, manifest.owner) == (
        "support-summarizer",
        "Support Summarizer",
        "team-support-ai",
    )
    assert manifest.eval_owners == ["jane.doe@example.com"]
    assert (manifest.lifecycle, manifest.oncall_rotation, manifest.oncall_escalation) == (
        "experimental",
        "support-ai-primary",
        "support-ai-leads",
    )
    assert [p.name for p in manifest.providers] == ["primary", "fallback", "offline"]
    primary = manifest.primary
    assert (primary.kind, primary.model, primary.api_key_secret, primary.timeout_s, primary.max_retries) == (
        "openai",
        "gpt-4o-2024-08-06",
        "OPENAI_API_KEY",
        30.0,
        2,
    )
    assert manifest.providers[1].timeout_s is None
    assert manifest.providers[2].options == {"seed": 7, "fixtures": "evals/fixtures.jsonl"}
    assert manifest.providers[2].index == 2
    assert manifest.budget == Budget(monthly_usd=500.0, per_request_usd=0.02, alert_at=[0.5, 0.8, 1.0])
    assert manifest.rollout == Rollout(
        steps=[1, 5, 25, 100],
        soak_days=42,
        guard_metrics=["eval_score", "cost_per_request", "refusal_rate", "p95_latency"],
    )
    assert manifest.rollback == RollbackSpec(history="quarantine", drill_max_age_days=30)
    assert [(s.name, s.backend, s.rotation_days) for s in manifest.secrets] == [
        ("OPENAI_API_KEY", "vault", 90),
        ("ANTHROPIC_API_KEY", "env-file", None),
    ]
    assert manifest.segments == ["billing", "technical", "account"]
    assert manifest.state_url == "sqlite:///.platform/state.db"
    assert manifest.evals == {"suites": "evals/suites"}
    assert manifest.root == repo.resolve()
    assert manifest.line_of(["spec", "budget"]) == 31
    assert manifest.line_of(["spec", "providers", 1, "model"]) == 23
    assert manifest.provider("fallback") is manifest.providers[1]
    assert manifest.secret("NOPE") is None


def test_minimal_manifest_defaults(minimal_text: str, repo: Path) -> None:
    (repo / "ai-feature.yaml").write_text(minimal_text, encoding="utf-8")
    manifest = load_manifest(repo / "ai-feature.yaml")
    assert manifest.eval_owners == ["ann@example.com", "bob@example.com"]
    assert (manifest.budget, manifest.rollout, manifest.rollback) == (None, None, None)
    assert (manifest.secrets, manifest.segments, manifest.oncall_rotation) == ([], [], None)
    assert manifest.state_url == "sqlite:///.platform/state.db"


def test_the_scaffold_template_manifest_is_valid(tmp_path: Path) -> None:
    # The shipped template renders an ai-feature.yaml; render it with plain Jinja and sample answers.
    jinja2 = pytest.importorskip("jinja2")
    from platform_cli.resources import templates_dir

    source = templates_dir() / "ai-feature" / "template" / "ai-feature.yaml.jinja"
    if not source.is_file():
        pytest.skip(f"{source} is not there (template not shipped in this checkout)")
    answers = {
        "slug": "support-summarizer",
        "name": "Support Summarizer",
        "description": "Summarizes tickets",
        "owner": "team-support-ai",
        "eval_owner": "jane.doe@example.com",
        "lifecycle": "experimental",
        "oncall_rotation": "support-ai-primary",
        "primary_provider": "openai",
        "primary_model": "gpt-4o-2024-08-06",
        "fallback_provider": "anthropic",
        "fallback_model": "claude-sonnet-4-5-20250929",
        "monthly_budget_usd": 500,
        "per_request_budget_usd": 0.02,
        "soak_days": 42,
        "secrets_backend": "vault",
        "segments": "billing, technical",
        "state_url": "sqlite:///.platform/state.db",
    }
    # rooted like copier's loader: the template imports facts.jinja from the template's directory
    from jinja2_ansible_filters import AnsibleCoreFiltersExtension

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(source.parents[1])), extensions=[AnsibleCoreFiltersExtension]
    )
    rendered = env.from_string(source.read_text(encoding="utf-8")).render(**answers)
    (tmp_path / "ai-feature.yaml").write_text(rendered, encoding="utf-8")
    manifest = load_manifest(tmp_path / "ai-feature.yaml")
    assert [s.name for s in manifest.secrets] == ["OPENAI_API_KEY", "ANTHROPIC_API_KEY"]
