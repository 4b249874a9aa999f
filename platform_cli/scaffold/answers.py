"""Validate a template's answers against its `answers.schema.json` before anything reaches the destination."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from platform_cli.errors import InvalidFile, Problem
from platform_cli.yamlschema import load_schema_file

ANSWERS_SCHEMA = "answers.schema.json"
_NUMBER_TYPES = {"int": int, "float": float}


def _questions(template_dir: Path) -> dict[str, dict[str, Any]] | None:
    """The template's questions by name (None when the template does not declare them in a way we read)."""
    from platform_cli.scaffold.engines import cookiecutter_context, copier_config, engine_name

    engine = engine_name(template_dir)
    if engine == "copier":
        return {
            k: (v if isinstance(v, dict) else {"default": v})
            for k, v in copier_config(template_dir).items()
            if not k.startswith("_")
        }
    if engine == "cookiecutter":
        return {
            k: {"default": v} for k, v in cookiecutter_context(template_dir).items() if not k.startswith("_")
        }
    return None


def check_data(template_dir: Path, data: Mapping[str, Any], answers_file: Path | None) -> None:
    """Before rendering: every given answer names a real question and numbers parse as numbers."""
    questions = _questions(template_dir)
    if questions is None:
        return
    source = str(answers_file) if answers_file else "answers"
    problems = []
    for key, value in data.items():
        if key not in questions:
            close = difflib.get_close_matches(key, list(questions), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"questions: {', '.join(sorted(questions))}"
            problems.append(Problem(source, None, None, key, "no such question in this template", hint))
            continue
        kind = questions[key].get("type")
        if kind in _NUMBER_TYPES and isinstance(value, str):
            try:
                _NUMBER_TYPES[kind](value)
            except ValueError:
                problems.append(
                    Problem(
                        source,
                        None,
                        None,
                        key,
                        f"must be a number ({kind}), got {value!r}",
                        f"e.g. --data {key}=100",
                    )
                )
    if problems:
        raise InvalidFile(source, problems, what="template answers")


def validate_answers(
    template_dir: Path,
    answers: Mapping[str, Any],
    answers_file: Path | None,
    *,
    allow_unknown_models: bool = False,
) -> list[str]:
    """Raise InvalidFile listing every bad answer; a template without a schema accepts anything.

    Returns notes about answers accepted only because of `allow_unknown_models`.
    """
    schema_file = template_dir / ANSWERS_SCHEMA
    if not schema_file.is_file():
        return []
    schema = load_schema_file(schema_file, what="template answers schema")
    from platform_cli.scaffold.answer_checks import KEYWORDS, ModelPolicy, answers_validator  # jsonschema

    policy = ModelPolicy(allow_unknown=allow_unknown_models)
    validator = answers_validator(schema, policy)
    problems: list[Problem] = []
    for error in sorted(validator.iter_errors(dict(answers)), key=lambda e: list(map(str, e.path))):
        key = str(error.path[0]) if error.path else ""
        if error.validator == "required":
            key = error.message.split("'")[1] if "'" in error.message else key
        prop = schema.get("properties", {}).get(key, {})
        prop = prop if isinstance(prop, Mapping) else {}
        hint = str(prop.get("description", ""))
        shown = answers.get(key)
        own = error.validator in KEYWORDS  # these messages already say what to do
        message = error.message if own else (prop.get("errorMessage") or error.message)
        problem = Problem(
            file=str(answers_file) if answers_file else "answers",
            line=None,
            column=None,
            path=key,
            message=f"{message} (got {shown!r})" if key in answers and not own else message,
            hint=f"set it with --data {key}=VALUE; {hint}" if hint else f"set it with --data {key}=VALUE",
        )
        if problem not in problems:  # several keywords of one property can fail with the same message
            problems.append(problem)
    if problems:
        raise InvalidFile(problems[0].file, problems, what="template answers")
    return policy.notes
