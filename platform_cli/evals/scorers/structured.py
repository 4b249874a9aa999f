"""Scorers of structured answers: json-valid and json-schema (the prompt's own `output_schema` by default)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from platform_cli.evals.model import Answer, Case
from platform_cli.evals.scorers.base import Raw, Scorer, ScorerConfig, ScorerConfigError, ScorerContext

_FENCE = re.compile(r"^\s*```(?:json)?\s*\n(.*?)\n\s*```\s*$", re.DOTALL)


def parse_json(text: str) -> tuple[Any, str | None]:
    """The JSON value of an answer (a ```json fence around it is allowed), or (None, why not)."""
    fenced = _FENCE.match(text)
    body = fenced.group(1) if fenced else text
    try:
        return json.loads(body), None
    except ValueError as error:
        return None, f"not valid JSON: {error}"


def json_valid(config: ScorerConfig, ctx: ScorerContext) -> Scorer:
    """The answer is one JSON value."""

    def score(answer: Answer, case: Case) -> Raw:
        _, problem = parse_json(answer.text)
        return Raw(0.0, problem) if problem else Raw(1.0, "valid JSON")

    return score


def json_schema(config: ScorerConfig, ctx: ScorerContext) -> Scorer:
    """The answer is JSON valid against `schema:` (or `value:`), else the evaluated prompt's output_schema."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    schema = config.option("schema", config.value if config.has_value else ctx.output_schema)
    if schema is None:
        raise ScorerConfigError(
            "json-schema needs a schema: the prompt declares no output_schema",
            "schema",
            "add output_schema to the prompt file, or give the scorer `schema: {...}`",
        )
    if not isinstance(schema, Mapping):
        raise ScorerConfigError("schema must be a JSON Schema object", "schema")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as error:
        raise ScorerConfigError(f"not a valid JSON Schema: {error.message}", "schema") from None
    validator = Draft202012Validator(schema)

    def score(answer: Answer, case: Case) -> Raw:
        value, problem = parse_json(answer.text)
        if problem:
            return Raw(0.0, problem)
        errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
        if not errors:
            return Raw(1.0, "matches the schema")
        first = errors[0]
        where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first.absolute_path)
        more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
        return Raw(0.0, f"{where}: {first.message}{more}")

    return score
