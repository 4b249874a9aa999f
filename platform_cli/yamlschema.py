"""JSON Schema (Draft 2020-12) validation of loaded YAML: every error located at file:line:col, explained.

Builds on `platform_cli.yamlfile` (loading); jsonschema itself is imported on first validation, so
importing this module costs nothing at CLI start-up.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from platform_cli import schemacache
from platform_cli.errors import InvalidFile, Problem, UserError
from platform_cli.jsonfile import load_json
from platform_cli.yamlfile import LoadedYaml, load_yaml, render_path

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "number": "a number",
    "integer": "an integer",
    "boolean": "true or false",
    "null": "null",
}

# Patterns the shipped schemas use, described for people. Schemas may also say it themselves with
# "x-pattern-hint" (unknown keywords are ignored by validators).
_PATTERN_DESCRIPTIONS = {
    r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$": "lowercase letters, digits and single hyphens, starting with a "
    "letter (e.g. support-summarizer)",
    r"^[A-Z][A-Z0-9_]*$": "UPPER_SNAKE_CASE: capital letters, digits and underscores, starting with a "
    "letter (e.g. OPENAI_API_KEY)",
}

_FORMAT_HINTS = {
    "date": "write a date as YYYY-MM-DD, e.g. 2025-01-31",
    "date-time": "write an RFC 3339 timestamp, e.g. 2025-01-31T12:00:00Z",
    "email": "write an email address, e.g. jane.doe@example.com",
    "uri": "write an absolute URL, e.g. https://api.example.com/v1",
}

_validators: dict[int, tuple[Mapping[str, Any], Draft202012Validator]] = {}


def validator_for(schema: Mapping[str, Any]) -> Draft202012Validator:
    """A cached validator for `schema` (keyed by identity; the schema is kept alive with it)."""
    from jsonschema import Draft202012Validator

    cached = _validators.get(id(schema))
    if cached is None or cached[0] is not schema:
        cached = (schema, Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER))
        _validators[id(schema)] = cached
    return cached[1]


@cache
def load_schema(name: str) -> Mapping[str, Any]:
    """A shipped schema, parsed once per process: policies/schemas/<name>.schema.json."""
    from platform_cli.resources import schema_path

    path = schema_path(name)
    try:
        schema: Mapping[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: no such schema '{name}' (is the package installed completely?)") from None
    return schema


def load_schema_file(
    path: Path, *, what: str = "JSON Schema", display: str | None = None
) -> Mapping[str, Any]:
    """A JSON Schema from a template or policy pack: loaded under the JSON policy and checked against its
    metaschema, so a broken schema is a located InvalidFile (exit 2), never a crash while validating."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    shown = display or str(path)
    schema = load_json(path, display=shown, what=what).data
    if not isinstance(schema, Mapping):
        raise InvalidFile(
            shown, [Problem(shown, 1, 1, "", "expected a JSON object (a JSON Schema)", "write {...}")], what
        )
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as error:
        where = render_path(tuple(error.absolute_path))
        message = f"not a valid JSON Schema at {where}: {error.message[:160]}"
        raise InvalidFile(shown, [Problem(shown, 1, 1, "", message, "fix the schema")], what) from None
    return schema


def load_validated(
    path: Path,
    schema_name: str,
    *,
    what: str,
    display: str | None = None,
    hints: Mapping[str, str] | None = None,
) -> LoadedYaml:
    """Load `path` and validate it against the named shipped schema; raise InvalidFile with every problem."""
    loaded = load_yaml(path, display=display, what=what)
    schema = load_schema(schema_name)
    if not schemacache.known_valid_text(schema, loaded.yaml_text):  # validated here before: data unchanged
        problems = schema_problems(loaded, schema, hints=hints)
        if problems:
            raise InvalidFile(loaded.display, problems, what)
        schemacache.remember_valid_text(schema, loaded.yaml_text)
    return loaded


def schema_problems(
    loaded: LoadedYaml, schema: Mapping[str, Any], *, hints: Mapping[str, str] | None = None
) -> list[Problem]:
    """Every schema error in `loaded` as a located Problem, sorted by position.

    `hints` maps a JSONPath (indices may be written `[*]`, e.g. `$.spec.providers[*].model`) to a hint
    that replaces the generated one for problems at that path.
    """
    if schemacache.known_valid(schema, loaded.data):
        return []
    problems: list[Problem] = []
    seen: set[tuple[Any, ...]] = set()
    for error in validator_for(schema).iter_errors(loaded.data):
        for problem in _explain(loaded, error):
            key = (problem.line, problem.column, problem.path, problem.message)
            if key not in seen:
                seen.add(key)
                problems.append(_with_hint_override(problem, hints))
    problems.sort(key=lambda p: (p.line or 0, p.column or 0, p.path, p.message))
    if not problems:
        schemacache.remember_valid(schema, loaded.data)
    return problems


def _with_hint_override(problem: Problem, hints: Mapping[str, str] | None) -> Problem:
    if not hints:
        return problem
    wildcard = re.sub(r"\[\d+\]", "[*]", problem.path)
    override = hints.get(problem.path) or hints.get(wildcard)
    if override is None:
        return problem
    return Problem(problem.file, problem.line, problem.column, problem.path, problem.message, override)


def _explain(loaded: LoadedYaml, error: ValidationError) -> Iterable[Problem]:
    path = tuple(error.absolute_path)
    kind = error.validator
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    instance = error.instance
    if kind in ("additionalProperties", "unevaluatedProperties") and isinstance(instance, Mapping):
        yield from _unknown_keys(loaded, path, schema, instance)
    elif kind == "required" and isinstance(instance, Mapping):
        yield from _missing_keys(loaded, path, schema, instance)
    elif kind in ("oneOf", "anyOf") and error.context:
        yield from _alternatives(loaded, error, path)
    elif kind == "uniqueItems" and isinstance(instance, list):
        yield _duplicate_item(loaded, path, instance)
    else:
        message, hint = _describe(error, path)
        yield loaded.problem(path, message, hint)


def _unknown_keys(
    loaded: LoadedYaml, path: tuple[str | int, ...], schema: Mapping[str, Any], instance: Mapping[str, Any]
) -> Iterable[Problem]:
    allowed = list(schema.get("properties", {}))
    patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
    for key in instance:
        if key in allowed or any(p.search(str(key)) for p in patterns):
            continue
        key_path = (*path, key)
        where = loaded.key_position(key_path) or loaded.locate(path)
        line, column = where if where else (None, None)
        close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'? " if close else ""
        hint += f"allowed keys here: {', '.join(allowed)}" if allowed else "no keys are allowed here"
        yield Problem(loaded.display, line, column, render_path(key_path), f"unknown key '{key}'", hint)


def _missing_keys(
    loaded: LoadedYaml, path: tuple[str | int, ...], schema: Mapping[str, Any], instance: Mapping[str, Any]
) -> Iterable[Problem]:
    parent = f"under `{path[-1]}:`" if path and isinstance(path[-1], str) else "at the top level"
    if path and isinstance(path[-1], int):
        parent = f"to list item {path[-1]}"
    where = loaded.locate(path)
    for key in schema.get("required", []):
        if key in instance:
            continue
        described = schema.get("properties", {}).get(key, {})
        about = described.get("description", "") if isinstance(described, Mapping) else ""
        example = _example(described)
        hint = f"add `{key}: {example}` {parent}" if example else f"add `{key}:` {parent}"
        if about:
            hint += f"; {key}: {about.rstrip('.')}"
        line, column = where if where else (None, None)
        yield Problem(loaded.display, line, column, render_path(path), f"missing required key '{key}'", hint)


def _example(schema: Any) -> str:
    if not isinstance(schema, Mapping):
        return ""
    examples = schema.get("examples")
    if isinstance(examples, list) and examples and not isinstance(examples[0], (dict, list)):
        return json.dumps(examples[0]) if not isinstance(examples[0], str) else str(examples[0])
    return ""


def _alternatives(
    loaded: LoadedYaml, error: ValidationError, path: tuple[str | int, ...]
) -> Iterable[Problem]:
    """One explanation for a failed oneOf/anyOf: the branch the value was meant for, or the types allowed."""
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context or ():
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    wrong_type = {
        branch
        for branch, errors in branches.items()
        if any(e.validator == "type" and tuple(e.absolute_path) == path for e in errors)
    }
    meant = [errors for branch, errors in branches.items() if branch not in wrong_type]
    if not meant:
        keyword = str(error.validator)
        alternatives = error.schema.get(keyword, []) if isinstance(error.schema, Mapping) else []
        wanted = " or ".join(_type_phrase(s) for s in alternatives)
        got = _describe_value(error.instance)
        yield loaded.problem(path, f"expected {wanted}, got {got}", _hint_from(error.schema, ""))
        return
    from jsonschema.exceptions import best_match

    errors = min(meant, key=len) if len(meant) > 1 else meant[0]
    if len(meant) > 1:
        errors = [best_match(errors)]
    for sub in errors:
        yield from _explain(loaded, sub)


def _type_phrase(schema: Any) -> str:
    if not isinstance(schema, Mapping):
        return "a value"
    wanted = schema.get("type")
    names = [wanted] if isinstance(wanted, str) else list(wanted or [])
    phrase = " or ".join(_TYPE_NAMES.get(n, n) for n in names)
    items = schema.get("items")
    if "array" in names and isinstance(items, Mapping) and "type" in items:
        phrase = phrase.replace("a list", f"a list of {_plural(_type_phrase(items))}")
    return phrase


def _plural(phrase: str) -> str:
    return {
        "a string": "strings",
        "a number": "numbers",
        "an integer": "integers",
        "a mapping": "mappings",
    }.get(phrase, phrase)


def _duplicate_item(loaded: LoadedYaml, path: tuple[str | int, ...], items: list[Any]) -> Problem:
    seen: list[Any] = []
    for index, item in enumerate(items):
        if item in seen:
            first = seen.index(item)
            return loaded.problem(
                (*path, index),
                f"duplicate item {_short(item)} (same as item {first})",
                "list each value once",
            )
        seen.append(item)
    return loaded.problem(path, "items must be unique", "list each value once")


def _describe(error: ValidationError, path: tuple[str | int, ...]) -> tuple[str, str]:
    """(message, hint) for one error, in words rather than jsonschema's reprs."""
    # jsonschema types these as `X | Unset`; on a yielded error they are always set.
    kind: Any = error.validator
    value: Any = error.validator_value
    instance: Any = error.instance
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    if kind == "type":
        wanted = _type_phrase(schema)
        hint = ""
        if value in ("number", "integer") and isinstance(instance, str) and _looks_numeric(instance):
            hint = f'remove the quotes: write {instance.strip()} not "{instance}"'
        elif value == "string" and isinstance(instance, (int, float, bool)):
            hint = f'quote it: "{_yaml_text(instance)}"'
        elif value == "object" and instance is None:
            hint = "add its keys indented below it, or remove the empty key"
        return f"expected {wanted}, got {_describe_value(instance)}", _hint_from(schema, hint)
    if kind == "enum":
        allowed = [str(v) for v in value]
        close = difflib.get_close_matches(str(instance), allowed, n=1, cutoff=0.5)
        hint = (f"did you mean '{close[0]}'? " if close else "") + f"allowed: {', '.join(allowed)}"
        return f"{_short(instance)} is not an allowed value", hint
    if kind == "const":
        return f"expected {_short(value)}, got {_short(instance)}", f"write exactly {_short(value)}"
    if kind == "pattern":
        described = schema.get("x-pattern-hint") or _PATTERN_DESCRIPTIONS.get(str(value))
        hint = f"use {described}" if described else f"must match the regular expression {value}"
        return f"{_short(instance)} is not in the expected format", hint
    if kind in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        op = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<=", "exclusiveMaximum": "<"}[kind]
        return f"{_short(instance)} is out of range: must be {op} {value}", _bounds_hint(schema)
    if kind == "multipleOf":
        return f"{_short(instance)} is not a multiple of {value}", f"use a multiple of {value}"
    if kind in ("minItems", "maxItems"):
        count = len(instance) if isinstance(instance, list) else 0
        if kind == "minItems":
            noun = "item" if value == 1 else "items"
            return f"needs at least {value} {noun}, got {count}", _hint_from(schema, "add items to the list")
        return f"has {count} items, at most {value} allowed", "remove items from the list"
    if kind == "minLength":
        if value == 1:
            return "must not be empty", _hint_from(schema, "write a value")
        return f"is too short: at least {value} characters", _hint_from(schema, "")
    if kind == "maxLength":
        length = len(instance) if isinstance(instance, str) else 0
        return f"is {length} characters long, at most {value} allowed", "shorten it"
    if kind in ("minProperties", "maxProperties"):
        op = "at least" if kind == "minProperties" else "at most"
        return f"needs {op} {value} keys", _hint_from(schema, "")
    if kind == "format":
        return f"{_short(instance)} is not a valid {value}", _FORMAT_HINTS.get(str(value), f"write a {value}")
    if kind == "not":
        return f"{_short(instance)} is not allowed here", _hint_from(schema, "")
    if kind == "propertyNames":
        return f"key {_short(instance)} is not allowed here", _hint_from(schema, "")
    if kind == "dependentRequired" and isinstance(instance, Mapping) and isinstance(value, Mapping):
        for trigger, needed in value.items():
            missing = [n for n in needed if trigger in instance and n not in instance]
            if missing:
                return f"'{trigger}' also needs {', '.join(repr(m) for m in missing)}", "add the missing keys"
    if kind is None or error.schema is False:
        return "no value is allowed here", "remove it"
    message = error.message if len(error.message) <= 160 else error.message[:157] + "..."
    return message, _hint_from(schema, "")


def _hint_from(schema: Any, hint: str) -> str:
    """A generated hint, else the schema's own description/example of the field."""
    if hint:
        return hint
    if not isinstance(schema, Mapping):
        return ""
    parts = []
    if schema.get("description"):
        parts.append(str(schema["description"]).rstrip("."))
    example = _example(schema)
    if example:
        parts.append(f"e.g. {example}")
    return "; ".join(parts)


def _bounds_hint(schema: Mapping[str, Any]) -> str:
    ops = (("minimum", ">="), ("exclusiveMinimum", ">"), ("maximum", "<="), ("exclusiveMaximum", "<"))
    bounds = [f"{op} {schema[kind]}" for kind, op in ops if kind in schema]
    return _hint_from(schema, f"use a value {' and '.join(bounds)}" if bounds else "")


def _looks_numeric(text: str) -> bool:
    try:
        float(text.strip())
    except ValueError:
        return False
    return True


def _yaml_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _short(value: Any) -> str:
    """A value as a reader would write it, shortened."""
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else repr(value[:57] + "...")
    if value is None:
        return "null"
    if isinstance(value, bool):
        return _yaml_text(value)
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _describe_value(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return _yaml_text(value)
    if isinstance(value, str):
        return f"the string {_short(value)}"
    if isinstance(value, int):
        return f"the integer {value}"
    if isinstance(value, float):
        return f"the number {value}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    return type(value).__name__
