"""Prompt files: schema errors located at file:line, strict rendering, and what the content hash covers."""

from __future__ import annotations

from pathlib import Path

import pytest
from prompt_helpers import SUMMARIZE, edit_prompt, write_prompt

from platform_cli.errors import InvalidFile
from platform_cli.prompts.errors import RenderError, UnknownPrompt
from platform_cli.prompts.files import PromptFile, load_prompt, render_messages
from platform_cli.prompts.lint import lint_prompt


def _problems(root: Path, name: str = "summarize") -> list[str]:
    with pytest.raises(InvalidFile) as caught:
        load_prompt(root / "prompts", name)
    return [p.render() for p in caught.value.problems]


def test_a_valid_prompt_loads_with_typed_variables(repo: Path) -> None:
    prompt = load_prompt(repo / "prompts", "summarize")
    assert prompt.name == "summarize"
    assert prompt.parameters == {"temperature": 0.2, "max_tokens": 200}
    assert prompt.written_for == {"provider": "primary", "model": "fake-chat-2025-01-01"}
    assert [(v.name, v.type, v.required) for v in prompt.variables.values()] == [
        ("ticket", "string", True),
        ("segment", "string", False),
    ]
    assert prompt.render({"ticket": "Charged twice."}) == [
        {"role": "system", "content": "You summarize tickets for the general queue in two sentences."},
        {"role": "user", "content": "Charged twice."},
    ]


def test_schema_problems_name_file_line_and_path(repo: Path) -> None:
    edit_prompt(repo, "summarize", "parameters: {temperature: 0.2", "parameters: {temperature: hot")
    edit_prompt(repo, "summarize", "owner: team-demo", "owner: team-demo\ntempature: 1")
    problems = _problems(repo)
    assert any(
        p.startswith("prompts/summarize.yaml:4:1: $.tempature: unknown key 'tempature'") for p in problems
    ), problems
    assert any("prompts/summarize.yaml:6:" in p and "$.parameters.temperature" in p for p in problems), (
        problems
    )


def test_semantic_problems_name_mismatch_both_forms_jinja_syntax_and_output_schema(repo: Path) -> None:
    write_prompt(
        repo,
        "triage",
        """\
        name: triage2
        description: Triage.
        template: "Classify {{ ticket"
        messages: [{role: user, content: "{{ ticket }}"}]
        output_schema: {type: objekt}
        """,
    )
    problems = _problems(repo, "triage")
    text = "\n".join(problems)
    assert "prompts/triage.yaml:1:7: $.name: name 'triage2' does not match the file name 'triage'" in text
    assert "prompts/triage.yaml:3:11: $.template: give either `messages` or `template`, not both" in text
    assert "prompts/triage.yaml:3:11: $.template: template syntax error on line 1" in text
    assert "prompts/triage.yaml:5:" in text and "not a valid JSON Schema" in text


def test_a_missing_prompt_lists_the_prompts_there_are(repo: Path) -> None:
    with pytest.raises(UnknownPrompt, match=r"prompt 'sumarize' not found: .*prompts here: summarize"):
        load_prompt(repo / "prompts", "sumarize")


def test_render_errors_name_prompt_version_and_variable(repo: Path) -> None:
    prompt = load_prompt(repo / "prompts", "summarize")
    published = PromptFile.from_content("summarize", prompt.content(), version=3)
    with pytest.raises(RenderError, match=r"prompt 'summarize' v3: missing variable 'ticket'"):
        published.render({})
    with pytest.raises(RenderError, match=r"prompt 'summarize' v3: variable\(s\) 'tone' are not declared"):
        published.render({"ticket": "x", "tone": "warm"})
    with pytest.raises(
        RenderError, match=r"prompt 'summarize' v3: variable 'ticket' must be string, got int"
    ):
        published.render({"ticket": 7})
    assert render_messages(published, {"ticket": "x", "segment": "billing"})[0]["content"].startswith(
        "You summarize tickets for the billing queue"
    )


def test_a_template_using_an_undeclared_variable_fails_at_render_and_in_lint(repo: Path) -> None:
    edit_prompt(repo, "summarize", 'content: "{{ ticket }}"', 'content: "{{ ticket }} ({{ tone }})"')
    prompt = load_prompt(repo / "prompts", "summarize")
    with pytest.raises(RenderError, match=r"the template uses a variable that is not declared \('tone'"):
        prompt.render({"ticket": "x"})
    problems = [p.render() for p in lint_prompt(repo / "prompts", "summarize")]
    assert problems == [
        "prompts/summarize.yaml:13:14: $.messages[1].content: the template uses 'tone', which is not "
        "declared under `variables:` (declare it: `tone: {type: string, description: ...}` under variables)"
    ]


def test_lint_reports_unused_variables_and_unknown_providers(repo: Path) -> None:
    edit_prompt(repo, "summarize", "  segment: {type", "  unused: {type: integer}\n  segment: {type")
    edit_prompt(repo, "summarize", "provider: primary", "provider: secondary")
    problems = [p.render() for p in lint_prompt(repo / "prompts", "summarize", providers=["primary"])]
    assert problems == [
        "prompts/summarize.yaml:4:25: $.written_for.provider: provider 'secondary' is not declared in "
        "ai-feature.yaml (use one of: primary)",
        "prompts/summarize.yaml:8:3: $.variables.unused: variable 'unused' is declared but no template uses "
        "it (use it in a message or remove the declaration)",
    ]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("in two sentences", "in three sentences"),  # template
        (
            "{type: string, description: The ticket text}",
            "{type: string, description: The text}",
        ),  # variables
        ("temperature: 0.2", "temperature: 0.3"),  # parameters
        ("model: fake-chat-2025-01-01}", "model: fake-chat-2025-06-01}"),  # model
        ("owner: team-demo", "owner: team-demo\noutput_schema: {type: object}"),  # output schema
    ],
)
def test_the_content_hash_covers_template_variables_parameters_model_and_output_schema(
    repo: Path, old: str, new: str
) -> None:
    before = load_prompt(repo / "prompts", "summarize").content_hash
    edit_prompt(repo, "summarize", old, new)
    assert load_prompt(repo / "prompts", "summarize").content_hash != before


def test_description_owner_comments_and_key_order_do_not_change_the_hash(repo: Path) -> None:
    before = load_prompt(repo / "prompts", "summarize").content_hash
    reordered = SUMMARIZE.replace("description: Summarize a support ticket.", "description: Other words.")
    reordered = reordered.replace("owner: team-demo", "# a comment\nowner: team-other")
    reordered = reordered.replace(
        "{temperature: 0.2, max_tokens: 200}", "{max_tokens: 200, temperature: 0.2}"
    )
    write_prompt(repo, "summarize", reordered)
    assert load_prompt(repo / "prompts", "summarize").content_hash == before


def test_a_snapshot_rebuilds_the_same_prompt(repo: Path) -> None:
    prompt = load_prompt(repo / "prompts", "summarize")
    again = PromptFile.from_content("summarize", prompt.content(), version=1)
    assert again.content_hash == prompt.content_hash
    assert again.render({"ticket": "t"}) == prompt.render({"ticket": "t"})
