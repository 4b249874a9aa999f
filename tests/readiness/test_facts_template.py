"""The `template` fact from copier's answers file."""

from __future__ import annotations

from pathlib import Path

from fact_repos import BASE_MANIFEST, collect, make_repo

from platform_cli.readiness.facts.template import TemplateCollector
from platform_cli.resources import templates_dir
from platform_cli.scaffold.releases import releases

SHIPPED = releases(templates_dir() / "ai-feature")


def test_template_provenance(tmp_path: Path) -> None:
    answers = "\n".join(
        [
            "# managed",
            f"_commit: {SHIPPED[0].ref}",
            "_src_path: platform-cli:templates/ai-feature",
            "name: Demo",
            "soak_days: 42",
        ]
    )
    root = make_repo(tmp_path / "repo", BASE_MANIFEST, {".copier-answers.yml": answers})
    fact = collect(TemplateCollector(), root)
    assert fact.value == {
        "present": True,
        "engine": "copier",
        "source": "platform-cli:templates/ai-feature",
        "version": SHIPPED[0].ref,
        "answers": {"name": "Demo", "soak_days": 42},
        "latest": SHIPPED[-1].ref,
        "behind_by": len(SHIPPED) - 1,
        "majors_behind": SHIPPED[-1].version.major - SHIPPED[0].version.major,
        "error": None,
    }
    assert (fact.file, fact.line) == (".copier-answers.yml", 1)


def test_no_answers_file_is_a_known_absence(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", BASE_MANIFEST)
    fact = collect(TemplateCollector(), root)
    assert fact.unknown is None and fact.value["present"] is False and fact.value["source"] is None


def test_broken_answers_file_is_unknown(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", BASE_MANIFEST, {".copier-answers.yml": "_commit: [v1\n"})
    fact = collect(TemplateCollector(), root)
    assert fact.value is None and fact.unknown and fact.unknown.startswith("cannot read .copier-answers.yml")
    listed = make_repo(tmp_path / "listed", BASE_MANIFEST, {".copier-answers.yml": "- a\n- b\n"})
    assert collect(TemplateCollector(), listed).unknown == ".copier-answers.yml is not a mapping of answers"


def test_an_unresolvable_source_leaves_the_drift_unknown_with_the_reason(tmp_path: Path) -> None:
    answers = "_commit: v1.0.0\n_src_path: platform-cli:templates/no-such-template\n"
    root = make_repo(tmp_path / "repo", BASE_MANIFEST, {".copier-answers.yml": answers})
    fact = collect(TemplateCollector(), root)
    assert fact.value["behind_by"] is None and "no template 'no-such-template'" in fact.value["error"]


def test_a_cookiecutter_repo_reads_cruft_json(tmp_path: Path) -> None:
    record = '{"template": "/nowhere/tpl", "commit": "abc", "context": {"cookiecutter": {"x": 1}}}'
    root = make_repo(tmp_path / "repo", BASE_MANIFEST, {".cruft.json": record})
    fact = collect(TemplateCollector(), root)
    assert fact.value["engine"] == "cookiecutter" and fact.value["answers"] == {"x": 1}
    assert fact.value["version"] == "abc" and fact.value["error"]
