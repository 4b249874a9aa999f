"""The inline-prompt scanner flags prompt text in source and collects prompts referenced by name."""

from __future__ import annotations

import textwrap
from pathlib import Path

from platform_cli.scanners.prompts import is_scanned_source, scan_python, scan_script, scan_source

CLEAN_FEATURE = '''
"""Summarize tickets. You are a reader of this docstring, which is never a prompt even though it is long."""

from platform_cli.runtime import Feature


def summarize(ticket: str) -> str:
    """You are a helpful function: this docstring reads like a prompt but documents code."""
    feature = Feature.load(".")
    result = feature.complete("summarize", {"ticket": ticket}, user=None)
    chat = feature.chat("conv-42", "and what about March?", prompt="support/triage@production")
    print("You are not authorized")  # short UI text
    raise ValueError("could not complete the request: the provider returned an error for this ticket")
    return result.text + chat.text
'''


def test_clean_feature_has_refs_and_no_inline_prompts() -> None:
    inline, refs = scan_python(CLEAN_FEATURE, "src/app/feature.py")
    assert inline == []
    assert [(r.name, r.line, r.call) for r in refs] == [
        ("summarize", 10, "complete"),
        ("support/triage", 11, "chat"),
    ]
    # Feature.chat(conversation_id, message, prompt=...): the positional arguments are never prompt names
    _, chat_refs = scan_python("f.chat('conv-1', 'hi there')\nf.chat(cid, msg, prompt='triage')\n", "a.py")
    assert [(r.name, r.line) for r in chat_refs] == [("chat", 1), ("triage", 2)]
    assert refs[0].column == CLEAN_FEATURE.splitlines()[9].index('"summarize"') + 1


def test_inline_prompts_are_flagged_with_reason_and_line() -> None:
    source = textwrap.dedent(
        """
        import anthropic
        from openai import OpenAI

        SYSTEM = "You are a helpful support agent. Summarize the ticket in two sentences for the queue."

        def run(feature, client, ticket):
            feature.complete("Summarize this ticket: " + ticket)
            feature.complete(f"Summarize: {ticket} in two sentences")
            client.chat.completions.create(
                model="gpt-4o-2024-08-06",
                messages=[
                    {"role": "system", "content": "Be terse and polite."},
                    {"role": "user", "content": ticket},
                ],
            )
            anthropic.Anthropic().messages.create(system="Answer only from the ticket text.", messages=[])
            client.responses.create(model="gpt-4o-2024-08-06", input="Write a haiku about refunds please")
            return dict(role="user", content="Please summarize the following")
        """
    )
    inline, refs = scan_python(source, "src/app/legacy.py")
    assert refs == []
    got = [(p.line, p.reason) for p in inline]
    assert got == [
        (5, "string literal that reads like a prompt"),
        (8, "prompt text passed to .complete() instead of a registered name"),
        (9, "prompt text passed to .complete() instead of a registered name"),
        (13, "chat message with literal content"),
        (17, "prompt text passed as system= to .create()"),
        (18, "prompt text passed as input= to .create()"),
        (19, "chat message with literal content"),
    ]
    assert inline[0].preview.startswith("You are a helpful support agent.")
    assert len(inline[0].preview) <= 48


def test_markdown_instruction_headers_read_like_prompts() -> None:
    source = (
        'TEMPLATE = """\n### Instructions\nClassify the ticket into billing or technical, then explain."""\n'
    )
    inline, _ = scan_python(source, "src/app/prompts_inline.py")
    assert [(p.line, p.reason) for p in inline] == [(1, "string literal that reads like a prompt")]


def test_harmless_python_is_not_flagged() -> None:
    source = textwrap.dedent(
        """
        import subprocess
        subprocess.run(["git", "status"], input="some text with spaces", check=False)
        LOG = "You are using an outdated client; please upgrade to the latest release soon."
        HELP = {"role": "admin", "content": None}
        data = {"role": "user", "content": message_text}
        query.create(name="a name with spaces")
        """
    )
    inline, refs = scan_python(source, "src/app/ops.py")
    assert inline == [] and refs == []


def test_javascript_messages_and_refs() -> None:
    source = (
        "const r = await feature.complete('summarize', vars);\n"
        "const m = [{ role: 'system', content: 'You are a careful assistant for billing questions.' }];\n"
        "await feature.chat(`Explain this invoice please`, vars);\n"
    )
    inline, refs = scan_script(source, "web/feature.ts")
    assert [(r.name, r.line) for r in refs] == [("summarize", 1)]
    assert [(p.line, p.reason) for p in inline] == [
        (2, "chat message with literal content"),
        (3, "prompt text passed to .chat() instead of a registered name"),
    ]


def test_which_files_are_application_source() -> None:
    assert is_scanned_source("src/app/feature.py")
    assert is_scanned_source("web/feature.ts")
    for path in (
        "tests/test_feature.py",
        "src/app/test_x.py",
        "conftest.py",
        "evals/scorers.py",
        "prompts/x.py",
        "README.md",
        "web/feature.test.ts",
        "app/x_test.py",
    ):
        assert not is_scanned_source(path), path


def test_scan_source_falls_back_to_regexes_for_python_that_does_not_parse(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    broken = (
        "def broken(:\n"
        '    msgs = [{"role": "system", "content": "You are a pirate who answers billing questions."}]\n'
    )
    (tmp_path / "src" / "broken.py").write_text(broken)
    (tmp_path / "src" / "ok.py").write_text('feature.complete("summarize", {})\n')
    scan = scan_source(tmp_path, ["src/broken.py", "src/ok.py", "tests/test_x.py"])
    assert scan.files_scanned == ["src/broken.py", "src/ok.py"]
    assert [(u["file"], u["line"]) for u in scan.unparsable] == [("src/broken.py", 1)]
    assert [(p.file, p.line) for p in scan.inline] == [("src/broken.py", 2)]
    assert [r.name for r in scan.refs] == ["summarize"]
