"""Validate a template's answers against its `answers.schema.json` before anything reaches the destination."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from platform_cli.errors import InvalidFile, Problem

ANSWERS_SCHEMA = "answers.schema.json"


def validate_answers(template_dir: Path, answers: Mapping[str, Any], answers_file: Path | None) -> None:
    """Raise InvalidFile listing every bad answer; a template without a schema accepts anything."""
    schema_file = template_dir / ANSWERS_SCHEMA
    if not schema_file.is_file():
        return
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    validator = Draft202012Validator(schema)
    problems = []
    for error in sorted(validator.iter_errors(dict(answers)), key=lambda e: list(map(str, e.path))):
        key = str(error.path[0]) if error.path else ""
        if error.validator == "required":
            key = error.message.split("'")[1] if "'" in error.message else key
        prop = schema.get("properties", {}).get(key, {})
        hint = prop.get("description", "")
        shown = answers.get(key)
        message = prop.get("errorMessage") or error.message
        problems.append(
            Problem(
                file=str(answers_file) if answers_file else "answers",
                line=None,
                column=None,
                path=key,
                message=f"{message} (got {shown!r})" if key in answers else message,
                hint=f"set it with --data {key}=VALUE; {hint}" if hint else f"set it with --data {key}=VALUE",
            )
        )
    if problems:
        raise InvalidFile(problems[0].file, problems, what="template answers")
