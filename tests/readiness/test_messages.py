"""Rule messages render from kept code (readiness/messages.py): the same text as Jinja's own compile, and a
later process compiles nothing it compiled before."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from platform_cli.keptcode import KeptCodes
from platform_cli.readiness import messages
from platform_cli.readiness.rules import load_rule_files
from platform_cli.resources import policies_dir

RULES = load_rule_files(sorted((policies_dir() / "readiness").glob("*.yaml")))
RULE_VIEW = {"id": "r", "title": "t", "level": "bronze", "severity": "error"}
ERROR_VIEW = {"message": "m", "path": "$.x", "validator": "required", "messages": ["m"]}


def cases() -> list[tuple[str, dict[str, Any]]]:
    """Every shipped message with each of its rule's examples (fail messages also per item of a list)."""
    found = []
    for rule in RULES:
        for example in rule.examples_pass:
            found.append(
                (rule.pass_message, {"fact": example, "item": None, "error": None, "rule": RULE_VIEW})
            )
        for example in rule.examples_fail:
            items = [None, *(v for value in example.values() if isinstance(value, list) for v in value)]
            for item in items:
                found.append(
                    (
                        rule.fail_message,
                        {"fact": example, "item": item, "error": ERROR_VIEW, "rule": RULE_VIEW},
                    )
                )
    return found


def by_jinja(text: str, context: dict[str, Any]) -> str:
    """What Jinja's own from_string renders, as render_message reports it."""
    try:
        return " ".join(messages._env().from_string(text).render(context).split())
    except Exception as error:
        return f"error {type(error).__name__}"


def rendered(text: str, context: dict[str, Any]) -> str:
    message, problem = messages.render_message(text, context)
    return message if problem is None else f"error {problem.split(':')[0]}"


@pytest.fixture
def kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[KeptCodes]:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    codes = KeptCodes(str(tmp_path / "messages.py"))
    monkeypatch.setattr(messages, "KEPT", codes)
    messages._compiled.cache_clear()
    yield codes
    messages._compiled.cache_clear()


def test_kept_message_code_renders_what_jinja_renders_and_is_not_compiled_again(
    kept: KeptCodes, monkeypatch: pytest.MonkeyPatch
) -> None:
    every = cases()
    templated = {text for text, _ in every if "{" in text}
    assert len(templated) > 20  # the shipped pack's templated messages, pass and fail
    expected = [by_jinja(text, context) for text, context in every]
    assert [rendered(text, context) for text, context in every] == expected
    assert kept.pending == len(templated)  # one code object per distinct template
    kept.write()

    # A later process: the file is read back and no template is lexed, parsed or compiled.
    later = KeptCodes(kept.module_file)
    monkeypatch.setattr(messages, "KEPT", later)
    messages._compiled.cache_clear()
    env = messages._env()

    def no_compile(*args: object, **kwargs: object) -> None:
        raise AssertionError("a kept template was compiled again")

    monkeypatch.setattr(env, "compile", no_compile)
    monkeypatch.setattr(env, "parse", no_compile)
    assert [rendered(text, context) for text, context in every] == expected
    assert later.pending == 0


def test_environments_that_compile_differently_never_share_code(kept: KeptCodes) -> None:
    from jinja2.sandbox import SandboxedEnvironment

    from platform_cli import jinjacode

    text = "{{ a }}\n"
    keep = SandboxedEnvironment(keep_trailing_newline=True)
    strip = SandboxedEnvironment(keep_trailing_newline=False)
    escape = SandboxedEnvironment(autoescape=True)
    assert jinjacode.template(keep, text, kept).render(a="<x>") == "<x>\n"
    assert jinjacode.template(strip, text, kept).render(a="<x>") == "<x>"
    assert jinjacode.template(escape, text, kept).render(a="<x>") == "&lt;x&gt;"
    assert kept.pending == 3


def test_a_broken_template_is_reported_and_nothing_is_kept(kept: KeptCodes) -> None:
    message, problem = messages.render_message("{% if fact %}unclosed", {"fact": 1})
    assert problem is not None and problem.startswith("TemplateSyntaxError")
    assert "message template error" in message and kept.pending == 0
