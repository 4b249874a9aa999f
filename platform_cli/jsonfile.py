"""JSON files under the same loading policy as YAML (see platform_cli.yamlfile): no NaN or Infinity, no
duplicate keys, integers in 64 bits, bounded size and depth, every refusal located at its line."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

from platform_cli.errors import InvalidFile, Problem
from platform_cli.yamlbuild import MAX_DEPTH, MAX_NUMBER_CHARS, parse_number
from platform_cli.yamlfile import LoadedYaml, display_name, read_policy_text

__all__ = ["load_json"]


def load_json(
    path: Path,
    *,
    display: str | None = None,
    text: str | None = None,
    what: str = "JSON",
    first_line: int = 1,
) -> LoadedYaml:
    """Parse one JSON document under the same policy (no NaN/Infinity, no duplicate keys, bounded).

    Returns a LoadedYaml, so schema problems are located the same way as in YAML files (JSON text is
    composed a second time by the YAML parser for positions; when that fails, problems point at line 1).
    Every failure is an InvalidFile (exit 2) with the line it happened on; `first_line` is the line `text`
    starts on in its file (one row of a JSON Lines file).
    """
    shown = display if display is not None else display_name(path)
    if text is None:
        text = read_policy_text(path, shown, what)
    try:
        return _load_json(path, shown, text, what)
    except InvalidFile as error:
        if first_line == 1:
            raise
        moved = [replace(p, line=(p.line or 1) + first_line - 1) for p in error.problems]
        raise InvalidFile(shown, moved, what) from None


def _load_json(path: Path, shown: str, text: str, what: str) -> LoadedYaml:
    checker = _JsonChecks(text, shown)
    try:
        data = json.loads(
            text,
            object_pairs_hook=checker.mapping,
            parse_constant=checker.constant,
            parse_int=checker.integer,
            parse_float=checker.floating,
        )
    except _JsonRefused as refused:
        raise InvalidFile(shown, [refused.problem], what) from None
    except json.JSONDecodeError as error:
        problem = Problem(
            shown, error.lineno, error.colno, "", f"not valid JSON: {error.msg}", "fix the syntax"
        )
        raise InvalidFile(shown, [problem], what) from None
    except RecursionError:
        raise InvalidFile(shown, [checker.too_deep()], what) from None
    depth_problem = checker.depth_problem(data)
    if depth_problem is not None:
        raise InvalidFile(shown, [depth_problem], what)
    return LoadedYaml(path=path, display=shown, data=data, json_text=text)  # positions composed when asked


class _JsonRefused(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


class _JsonChecks:
    """Hooks for json.loads that refuse what the policy refuses, located by searching the text."""

    def __init__(self, text: str, shown: str) -> None:
        self.text = text
        self.shown = shown
        self._keys_seen = 0

    def _at(self, needle: str, occurrence: int = 1) -> tuple[int | None, int | None]:
        start = -1
        for _ in range(occurrence):
            start = self.text.find(needle, start + 1)
            if start < 0:
                return None, None
        line = self.text.count("\n", 0, start) + 1
        return line, start - (self.text.rfind("\n", 0, start) + 1) + 1

    def _refuse(self, needle: str, message: str, hint: str, occurrence: int = 1) -> _JsonRefused:
        line, column = self._at(needle, occurrence)
        return _JsonRefused(Problem(self.shown, line or 1, column, "", message, hint))

    def mapping(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for key, value in pairs:
            if key in data:
                needle = json.dumps(key)
                count = self.text.count(needle)
                raise self._refuse(
                    needle,
                    f"duplicate key {needle}",
                    "remove one of them; JSON readers would silently keep only one",
                    occurrence=max(count, 1),
                )
            data[key] = value
        return data

    def constant(self, name: str) -> Any:
        raise self._refuse(
            name, f"{name} is not a finite number", "JSON has no NaN or Infinity; write a number"
        )

    def integer(self, text: str) -> int:
        refused = parse_number(text, integer=True)
        if isinstance(refused, str):
            raise self._refuse(text[:MAX_NUMBER_CHARS], refused, "write a smaller number")
        return int(refused)

    def floating(self, text: str) -> float:
        if len(text) > MAX_NUMBER_CHARS:
            raise self._refuse(
                text[:MAX_NUMBER_CHARS], "a number with too many digits", "write a shorter number"
            )
        value = float(text)
        if not math.isfinite(value):
            raise self._refuse(text, f"{text} is not a finite number", "write a number within range")
        return value

    def _deep_offset(self) -> int:
        """Offset of the first bracket that opens level MAX_DEPTH + 1 (strings skipped)."""
        depth, in_string, escaped = 0, False, False
        for offset, char in enumerate(self.text):
            if in_string:
                if escaped:
                    escaped = False
                elif char == "\\":
                    escaped = True
                elif char == '"':
                    in_string = False
            elif char == '"':
                in_string = True
            elif char in "[{":
                depth += 1
                if depth > MAX_DEPTH:
                    return offset
            elif char in "]}":
                depth -= 1
        return 0

    def too_deep(self) -> Problem:
        offset = self._deep_offset()
        line = self.text.count("\n", 0, offset) + 1
        column = offset - (self.text.rfind("\n", 0, offset) + 1) + 1
        return Problem(
            self.shown, line, column, "", f"nested more than {MAX_DEPTH} levels deep", "flatten the structure"
        )

    def depth_problem(self, data: Any) -> Problem | None:
        stack: list[tuple[Any, int]] = [(data, 1)]
        while stack:
            value, depth = stack.pop()
            if depth > MAX_DEPTH:
                return self.too_deep()
            if isinstance(value, dict):
                stack.extend((v, depth + 1) for v in value.values())
            elif isinstance(value, list):
                stack.extend((v, depth + 1) for v in value)
        return None
