"""Validate a template's answers against its `answers.schema.json` before anything reaches the destination."""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping
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


def _locator(answers_file: Path | None) -> Callable[[str], tuple[int | None, int | None]]:
    """Where an answer is written: its key's line in the answers file (line 1 for an answer that is not in
    it, e.g. a missing one), or nowhere for answers given with --data."""
    if answers_file is None:
        return lambda key: (None, None)
    from platform_cli.yamlfile import load_yaml

    loaded = load_yaml(answers_file, what="answers file")
    return lambda key: loaded.key_position((key,)) or (1, None)


def check_data(template_dir: Path, data: Mapping[str, Any], answers_file: Path | None) -> None:
    """Before rendering: every given answer names a real question and numbers parse as finite numbers."""
    questions = _questions(template_dir)
    if questions is None:
        return
    source = str(answers_file) if answers_file else "answers"
    where = _locator(answers_file)
    problems = []
    for key, value in data.items():
        if key not in questions:
            close = difflib.get_close_matches(key, list(questions), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"questions: {', '.join(sorted(questions))}"
            problems.append(Problem(source, *where(key), key, "no such question in this template", hint))
            continue
        kind = questions[key].get("type")
        if value is None or (isinstance(value, str) and not value.strip() and kind != "str"):
            problems.append(
                Problem(source, *where(key), key, "has no value", f"write a value: --data {key}=...")
            )
            continue
        if kind in _NUMBER_TYPES and isinstance(value, (str, int, float)) and not isinstance(value, bool):
            try:
                number = _NUMBER_TYPES[kind](value)
                why = "" if math.isfinite(number) and abs(number) < 2**63 else "a finite, sane "
            except (ValueError, OverflowError):
                why = "a "
            if why:
                message = f"must be {why}number ({kind}), got {_short(value)}"
                problems.append(Problem(source, *where(key), key, message, f"e.g. --data {key}=100"))
                continue
            value = number
        problems.extend(_schema_problems(template_dir, key, value, source, where))
    if problems:
        raise InvalidFile(source, problems, what="template answers")


def _schema_problems(
    template_dir: Path,
    key: str,
    value: Any,
    source: str,
    where: Callable[[str], tuple[int | None, int | None]],
) -> list[Problem]:
    """A given answer checked against its own property in answers.schema.json, before anything renders
    (so the message names the answers file's line, not a generated file's)."""
    schema_file = template_dir / ANSWERS_SCHEMA
    if not schema_file.is_file():
        return []
    schema = load_schema_file(schema_file, what="template answers schema")
    properties = schema.get("properties")
    prop = properties.get(key) if isinstance(properties, Mapping) else None
    if not isinstance(prop, Mapping):
        return []
    from jsonschema import Draft202012Validator

    errors = list(Draft202012Validator(prop).iter_errors(value))
    if not errors:
        return []
    message = str(prop.get("errorMessage") or errors[0].message)
    hint = str(prop.get("description", ""))
    hint = f"set it with --data {key}=VALUE; {hint}" if hint else f"set it with --data {key}=VALUE"
    return [Problem(source, *where(key), key, f"{message} (got {_short(value)})", hint)]


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
    where = _locator(answers_file)
    source = str(answers_file) if answers_file else "answers"
    problems: list[Problem] = []
    for key, value in answers.items():
        if isinstance(value, float) and not math.isfinite(value):  # NaN passes every schema bound
            problems.append(
                Problem(source, *where(key), key, f"{value} is not a finite number", "use a number")
            )
    for error in sorted(validator.iter_errors(dict(answers)), key=lambda e: list(map(str, e.path))):
        key = str(error.path[0]) if error.path else ""
        if error.validator == "required":
            key = error.message.split("'")[1] if "'" in error.message else key
        properties = schema.get("properties")
        prop = properties.get(key, {}) if isinstance(properties, Mapping) else {}
        prop = prop if isinstance(prop, Mapping) else {}
        hint = str(prop.get("description", ""))
        shown = answers.get(key)
        own = error.validator in KEYWORDS  # these messages already say what to do
        message = error.message if own else str(prop.get("errorMessage") or error.message)
        problem = Problem(
            file=source,
            line=where(key)[0],
            column=where(key)[1],
            path=key,
            message=f"{message} (got {_short(shown)})" if key in answers and not own else message,
            hint=f"set it with --data {key}=VALUE; {hint}" if hint else f"set it with --data {key}=VALUE",
        )
        if problem not in problems:  # several keywords of one property can fail with the same message
            problems.append(problem)
    if problems:
        raise InvalidFile(problems[0].file, problems, what="template answers")
    return policy.notes


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
