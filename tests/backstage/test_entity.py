"""catalog-info.yaml against Backstage's entity rules and against ai-feature.yaml (no server needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from platform_cli.backstage.entity import agreement_problems, entity_problems, is_valid_key, load_entity
from platform_cli.cli.main import run
from platform_cli.manifest import load_manifest
from platform_cli.scaffold import new_feature

VALID = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: support-summarizer
  annotations:
    platform.dev/manifest: ai-feature.yaml
  tags: [ai-feature, llm]
spec:
  type: service
  lifecycle: experimental
  owner: team-support-ai
"""


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "catalog-info.yaml"
    path.write_text(text, encoding="utf-8")
    return [p.render() for p in entity_problems(load_entity(path, display="catalog-info.yaml"))]


def test_a_valid_component_has_no_problems(tmp_path: Path) -> None:
    assert _problems(tmp_path, VALID) == []


# (what to replace in VALID, with what, what our validator says). Backstage's own catalog rejects each one
# too: tests/backstage/test_catalog_server.py sends them to the real catalog's dry run.
DEFECTS = (
    (
        "name: support-summarizer",
        "name: Bad Name!",
        "catalog-info.yaml:4:9: $.metadata.name: 'Bad Name!' is not",
    ),
    (
        "name: support-summarizer",
        "name: " + "a" * 64,
        "$.metadata.name: is 64 characters long, at most 63",
    ),
    ("name: support-summarizer", "name: -leading", "$.metadata.name: '-leading' is not in the expected"),
    (
        "kind: Component",
        "kind: Service",
        "catalog-info.yaml:2:7: $.kind: expected 'Component', got 'Service'",
    ),
    (
        "backstage.io/v1alpha1",
        "backstage.io/v2",
        "$.apiVersion: 'backstage.io/v2' is not an allowed value",
    ),
    ("  lifecycle: experimental\n", "", "$.spec: missing required key 'lifecycle'"),
    ("  owner: team-support-ai\n", "  owner: ''\n", "$.spec.owner: must not be empty"),
    ("  type: service\n", "", "$.spec: missing required key 'type'"),
    (
        "metadata:\n",
        "metadata:\n  namespace: Team_A\n",
        "$.metadata.namespace: 'Team_A' is not in the expected",
    ),
    ("[ai-feature, llm]", "[AI, llm]", "$.metadata.tags[0]: 'AI' is not in the expected format"),
    (
        "platform.dev/manifest: ai-feature.yaml",
        "platform.dev/manifest: 3",
        "expected a string, got the integer 3",
    ),
    (
        "platform.dev/manifest",
        "Platform.Dev/manifest",
        "annotation key 'Platform.Dev/manifest' is not in",
    ),
    (
        "platform.dev/manifest",
        "a/b/c",
        "catalog-info.yaml:6:5: $.metadata.annotations['a/b/c']: annotation key",
    ),
)


@pytest.mark.parametrize(("old", "new", "expected"), DEFECTS)
def test_each_backstage_rule_is_enforced_with_file_and_line(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    assert old in VALID
    problems = _problems(tmp_path, VALID.replace(old, new))
    assert any(expected in p for p in problems), problems


def test_key_format_matches_backstages_prefix_and_name_rule() -> None:
    assert is_valid_key("backstage.io/techdocs-ref")
    assert is_valid_key("platform.dev/readiness-level")
    assert is_valid_key("plain_name.v2")
    assert not is_valid_key("UPPER.case/name")  # the prefix is a DNS subdomain: lowercase
    assert not is_valid_key("a--b.example/x-")  # the name ends with a letter or digit
    assert is_valid_key("a--b.example/x")  # DNS labels may have runs of dashes, as Backstage allows
    assert not is_valid_key("example.com/" + "n" * 64)
    assert not is_valid_key("x" * 64 + ".com/name")  # a DNS label is at most 63 characters
    assert not is_valid_key("/name") and not is_valid_key("")


@pytest.fixture(scope="module")
def feature(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("entity") / "support-summarizer"
    new_feature(dest, {"name": "Support Summarizer", "eval_owner": "jane.doe@example.com"})
    return dest


def _line(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_the_generated_entity_is_valid_and_agrees(feature: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--repo", str(feature), "catalog", "validate"]) == 0
    assert "valid Backstage Component component:default/support-summarizer" in capsys.readouterr().out


def test_a_mismatch_names_both_files_and_lines(
    feature: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    repo = tmp_path / "repo"
    shutil.copytree(feature, repo)
    catalog = repo / "catalog-info.yaml"
    text = catalog.read_text().replace('owner: "team-support-summarizer"', "owner: group:default/team-other")
    catalog.write_text(text.replace("lifecycle: experimental", "lifecycle: production"))
    assert run(["--repo", str(repo), "catalog", "validate"]) == 2
    err = capsys.readouterr().err
    manifest = repo / "ai-feature.yaml"
    owner_line, lifecycle_line = _line(catalog, "  owner:"), _line(catalog, "  lifecycle:")
    assert (
        f"catalog-info.yaml:{owner_line}:10: $.spec.owner: 'team-other' disagrees with "
        f"ai-feature.yaml:{_line(manifest, '  owner:')} (metadata.owner is 'team-support-summarizer')"
    ) in err
    assert (
        f"catalog-info.yaml:{lifecycle_line}:14: $.spec.lifecycle: 'production' disagrees with "
        f"ai-feature.yaml:{_line(manifest, 'lifecycle:')} (spec.lifecycle is 'experimental')"
    ) in err


def test_owner_references_and_system_are_compared_as_backstage_reads_them(
    feature: Path, tmp_path: Path
) -> None:
    import shutil

    repo = tmp_path / "repo"
    shutil.copytree(feature, repo)
    catalog = repo / "catalog-info.yaml"
    manifest = load_manifest(repo / "ai-feature.yaml", display="ai-feature.yaml")
    for owner in ("group:team-support-summarizer", "group:default/team-support-summarizer"):
        catalog.write_text(catalog.read_text().replace('"team-support-summarizer"', owner))
        assert agreement_problems(load_entity(catalog), manifest) == []
        catalog.write_text(catalog.read_text().replace(owner, '"team-support-summarizer"'))
    catalog.write_text(catalog.read_text() + "  system: support\n")
    [problem] = agreement_problems(load_entity(catalog, display="catalog-info.yaml"), manifest)
    assert problem.path == "$.spec.system" and "(metadata.system is not set)" in problem.message
    assert problem.hint == "remove spec.system here, or set metadata.system in ai-feature.yaml"


def test_not_yaml_and_missing_file_are_bad_input(
    feature: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    repo = tmp_path / "repo"
    shutil.copytree(feature, repo)
    (repo / "catalog-info.yaml").write_text("metadata: [unclosed\n")
    assert run(["--repo", str(repo), "catalog", "validate"]) == 2
    assert "catalog-info.yaml:2:1: invalid YAML" in capsys.readouterr().err
    (repo / "catalog-info.yaml").unlink()
    assert run(["--repo", str(repo), "catalog", "validate"]) == 2
    assert "catalog-info.yaml: no such file" in capsys.readouterr().err
