"""One model table: scaffold, the manifest check, readiness and the runtime agree on which model ids exist,
which vendor serves them, and which are snapshots, because they all read policies/model-lifecycle.yaml."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from platform_cli.cli.main import run
from platform_cli.errors import UserError
from platform_cli.manifest import ProviderSpec
from platform_cli.providers import BuildContext, build_provider
from platform_cli.readiness.check import check_repo
from platform_cli.secrets import Secret

CTX = BuildContext(Path("."), keys=lambda name: Secret(name, "sk-test-model-table-abcdefghijkl"))


def _scaffold(dest: Path, *data: str, extra: tuple[str, ...] = ()) -> int:
    args = ["scaffold", "new-ai-feature", str(dest), "--defaults", "--quiet"]
    for pair in ("name=Ticket Triage", "eval_owner=jane@example.com", *data):
        args += ["--data", pair]
    return run([*args, *extra])


@pytest.mark.parametrize(
    ("answers", "says"),
    [
        # observed: accepted, then the new repo failed its own bronze gate calling it a floating alias
        (("primary_provider=openai", "primary_model=claude-haiku-4-5-20251001"), "is an anthropic model"),
        # observed: accepted by the scaffold's pattern, rejected by the rule's
        (("primary_provider=openai", "primary_model=gpt-4o-20240806"), "is not in the model table"),
        (
            ("primary_provider=anthropic", "primary_model=claude-haiku-4-5-2025-10-01"),
            "is not in the model table",
        ),
        # observed: a made-up id passed model-pinned and model-not-retiring
        (("primary_provider=openai", "primary_model=gpt-9-2030-01-01"), "is not in the model table"),
        # observed: the question asks for a different vendor, the answer was not checked
        (("primary_provider=openai", "fallback_provider=openai"), "the same vendor as primary_provider"),
        (("primary_provider=openai", "primary_model=gpt-4o"), "floating alias"),
        (("primary_provider=openai", "primary_model=gpt-3.5-turbo-0613"), "was retired on 2024-06-13"),
    ],
)
def test_scaffold_refuses_models_the_table_contradicts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], answers: tuple[str, ...], says: str
) -> None:
    assert _scaffold(tmp_path / "repo", *answers) == 2
    err = capsys.readouterr().err
    assert says in err, err
    assert "--data " in err  # says which answer to change
    assert not (tmp_path / "repo").exists()


def test_the_error_for_an_unknown_id_names_the_table_its_date_and_how_to_add_or_allow_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _scaffold(tmp_path / "repo", "primary_provider=openai", "primary_model=gpt-9-2030-01-01") == 2
    err = capsys.readouterr().err
    assert "model-lifecycle.yaml as of 2026-11-27" in err and "model_tables" in err
    assert "--allow-unknown-model" in err


def test_an_allowed_unknown_id_is_unknown_in_readiness_never_a_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "repo"
    code = _scaffold(
        repo, "primary_provider=openai", "primary_model=gpt-9-2030-01-01", extra=("--allow-unknown-model",)
    )
    assert code == 0
    capsys.readouterr()
    findings = {f.rule.id: f for f in check_repo(repo).findings}
    for rule in ("model-pinned", "model-not-retiring"):
        assert findings[rule].status == "unknown", rule
        assert "gpt-9-2030-01-01" in findings[rule].messages[0]
        assert "as of 2026-11-27" in findings[rule].messages[0]
    assert findings["fallback-provider"].status != "unknown"  # other provider rules still judge


def test_the_platform_team_extends_the_table_through_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = tmp_path / "company-models.yaml"
    extra.write_text(
        yaml.safe_dump(
            {
                "as_of": "2026-11-30",
                "models": [{"model": "gpt-9-2030-01-01", "vendor": "openai"}],
            }
        )
    )
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"model_tables": [str(extra)]}))
    monkeypatch.setenv("PLATFORM_CONFIG", str(config))
    repo = tmp_path / "repo"
    assert _scaffold(repo, "primary_provider=openai", "primary_model=gpt-9-2030-01-01") == 0
    findings = {f.rule.id: f for f in check_repo(repo).findings}
    assert findings["model-pinned"].status == "pass"
    assert "company-models.yaml as of 2026-11-30" in findings["model-not-retiring"].messages[0]


def test_the_manifest_check_refuses_another_vendors_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "repo"
    assert _scaffold(repo, "primary_provider=openai") == 0
    manifest = repo / "ai-feature.yaml"
    manifest.write_text(manifest.read_text().replace("gpt-5.1-2025-11-13", "claude-haiku-4-5-20251001"))
    capsys.readouterr()
    assert run(["validate", str(manifest), "--format", "json"]) == 2
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert any(
        p["path"] == "$.spec.providers[0].model" and "is an anthropic model" in p["message"] and p["line"]
        for p in problems
    ), problems


def test_the_runtime_classifies_by_the_table_not_by_the_ids_shape(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # an undated id the vendor documents as a snapshot is callable ...
    assert build_provider(ProviderSpec("p", "anthropic", "claude-2.1"), CTX).model == "claude-2.1"
    # ... and a dated-looking id the table lists as an alias is refused
    extra = tmp_path / "aliases.yaml"
    extra.write_text(
        yaml.safe_dump(
            {
                "as_of": "2026-11-30",
                "models": [
                    {"model": "gpt-5.1-2025-11-13", "vendor": "openai"},
                    {"model": "gpt-router-2026-01-01", "vendor": "openai", "type": "alias",
                     "points_to": "gpt-5.1-2025-11-13"},
                ],
            }
        )
    )  # fmt: skip
    monkeypatch.setenv("PLATFORM_MODEL_TABLES", str(extra))
    with pytest.raises(UserError, match=r"floating alias .*points to gpt-5\.1-2025-11-13"):
        build_provider(ProviderSpec("p", "openai", "gpt-router-2026-01-01"), CTX)
    with pytest.raises(UserError, match="is an anthropic model"):
        build_provider(ProviderSpec("p", "openai", "claude-haiku-4-5-20251001"), CTX)
