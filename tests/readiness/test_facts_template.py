"""The `template` fact from copier's answers file."""

from __future__ import annotations

from pathlib import Path

from fact_repos import BASE_MANIFEST, collect, make_repo

from platform_cli.readiness.facts.template import TemplateCollector


def test_template_provenance(tmp_path: Path) -> None:
    answers = "\n".join(
        [
            "# managed",
            "_commit: v1.0.0",
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
        "version": "v1.0.0",
        "answers": {"name": "Demo", "soak_days": 42},
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
