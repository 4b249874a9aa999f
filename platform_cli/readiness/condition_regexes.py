"""Check the regular expressions inside a rule's condition when the rule file is loaded."""

from __future__ import annotations

import re
from typing import Any

from platform_cli.errors import Problem
from platform_cli.yamlfile import LoadedYaml

JsonPath = tuple[str | int, ...]

# Keywords whose value maps names to subschemas; keywords whose value is data, not a schema.
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})
_DATA_KEYWORDS = frozenset({"const", "enum", "examples", "default"})


def regex_problems(loaded: LoadedYaml, path: JsonPath, schema: Any) -> list[Problem]:
    """Every `pattern` value and `patternProperties` key in a condition that does not compile.

    JSON Schema regexes are ECMA 262 and jsonschema evaluates them with Python's `re`; compiling with `re`
    is the practical check (it is what will run), even though the two dialects differ at the edges.
    Without it a bad regex only surfaces as an error at check time.
    """
    problems: list[Problem] = []
    if not isinstance(schema, dict):
        return problems
    for key, value in schema.items():
        here = (*path, key)
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            for name, sub in value.items():
                if key == "patternProperties":
                    problems.extend(_compile_problem(loaded, (*here, name), name, at_key=True))
                problems.extend(regex_problems(loaded, (*here, name), sub))
        elif key == "pattern" and isinstance(value, str):
            problems.extend(_compile_problem(loaded, here, value, at_key=False))
        elif key in _DATA_KEYWORDS:
            continue
        elif isinstance(value, dict):
            problems.extend(regex_problems(loaded, here, value))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                problems.extend(regex_problems(loaded, (*here, index), item))
    return problems


def _compile_problem(loaded: LoadedYaml, path: JsonPath, regex: str, *, at_key: bool) -> list[Problem]:
    try:
        re.compile(regex)
    except re.error as error:
        where = f" at position {error.pos}" if error.pos is not None else ""
        what = "patternProperties key" if at_key else "pattern"
        return [
            loaded.problem(
                path,
                f"{what} {regex!r} is not a valid regular expression: {error.msg}{where}",
                "fix the regular expression: a literal ( [ { needs a backslash; in YAML, single "
                "quotes keep backslashes as written, e.g. '\\d{4}-\\d{2}'",
                at_key=at_key,
            )
        ]
    return []
