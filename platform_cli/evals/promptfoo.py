"""Read a promptfoo-style `tests:` file (vars + assert, defaultTest) into a suite and a JSONL dataset, so a
team switching over keeps its cases.

    tests:
      - description: double charge
        vars: {ticket: "I was charged twice", segment: billing}
        assert:
          - {type: icontains, value: refund}
          - {type: not-contains, value: "I cannot"}
          - {type: similar, value: "We will refund the second charge.", threshold: 0.8}

Each distinct (assertion type, threshold, weight) becomes one scorer reading its own key of the case's
`expected` (`optional: true`, so a case without that assertion skips it); each test becomes one row whose
`expected` holds its assertions' values. `vars.segment` (or `metadata.segment`) becomes the row's segment.
Assertions with no equivalent here (javascript, python, webhook, ...) are reported at their line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platform_cli.errors import InvalidFile, Problem
from platform_cli.evals.scorers.base import ScorerConfigError
from platform_cli.evals.scorers.registry import lookup
from platform_cli.yamlfile import load_yaml, render_path

# promptfoo names that differ from ours (the registry maps equals/is-json/similar itself).
RENAMES = {"starts-with": None, "llm-rubric": None, "javascript": None, "python": None, "webhook": None}
_KEY = re.compile(r"[^a-z0-9]+")


@dataclass
class Converted:
    suite: dict[str, Any]
    rows: list[dict[str, Any]] = field(default_factory=list)

    def suite_yaml(self) -> str:
        import yaml

        header = "# Converted from a promptfoo tests file by `platform eval import-promptfoo`.\n"
        return header + yaml.safe_dump(self.suite, sort_keys=False, allow_unicode=True)

    def dataset_jsonl(self) -> str:
        return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in self.rows)


def convert(path: Path, *, suite: str, prompt: str, shown: str | None = None) -> Converted:
    """Convert the file at `path`; InvalidFile lists every assertion or test that cannot be converted."""
    loaded = load_yaml(path, display=shown, what="promptfoo tests")
    data = loaded.data
    problems: list[Problem] = []

    def problem(where: list[str | int], message: str, hint: str = "") -> None:
        line, column = loaded.locate(where) or (None, None)
        problems.append(Problem(loaded.display, line, column, render_path(where), message, hint))

    tests = data.get("tests") if isinstance(data, dict) else data
    if not isinstance(tests, list) or not tests:
        problem(["tests"] if isinstance(data, dict) else [], "expected a non-empty `tests:` list")
        raise InvalidFile(loaded.display, problems, "promptfoo tests")
    default = data.get("defaultTest", {}) if isinstance(data, dict) else {}
    default_asserts = default.get("assert", []) if isinstance(default, dict) else []
    scorers: dict[tuple[str, float | None, float], str] = {}
    out = Converted(
        {"name": suite, "prompt": prompt, "dataset": f"evals/datasets/{suite}.jsonl", "scorers": []}
    )
    for index, test in enumerate(tests):
        where: list[str | int] = ["tests", index]
        if not isinstance(test, dict) or not isinstance(test.get("vars", {}), dict):
            problem(where, "a test is a mapping with `vars:` and `assert:`")
            continue
        variables = dict(test.get("vars", {}))
        metadata: dict[str, Any] = test["metadata"] if isinstance(test.get("metadata"), dict) else {}
        segment = variables.get("segment") or metadata.get("segment")
        expected: dict[str, Any] = {}
        asserts: list[tuple[list[str | int], Any]] = [
            (["defaultTest", "assert", i], a) for i, a in enumerate(default_asserts)
        ]
        asserts += [([*where, "assert", i], a) for i, a in enumerate(test.get("assert", []) or [])]
        for at, item in asserts:
            key = _scorer_key(item, at, scorers, out, problem)
            if key is not None:
                expected[key] = item.get("value", True)
        row: dict[str, Any] = {"id": str(test.get("id") or f"case-{index + 1}"), "input": variables}
        if expected:
            row["expected"] = expected
        if isinstance(segment, str):
            row["segment"] = segment
        if isinstance(test.get("description"), str):
            row["tags"] = [test["description"][:100]]
        out.rows.append(row)
    if problems:
        raise InvalidFile(loaded.display, problems, "promptfoo tests")
    return out


def _scorer_key(item: Any, at: list[str | int], scorers: dict[tuple[str, float | None, float], str],
                out: Converted, problem: Any) -> str | None:  # fmt: skip
    if not isinstance(item, dict) or not isinstance(item.get("type"), str):
        problem(at, "an assertion is a mapping with a `type:`")
        return None
    kind = item["type"]
    if kind in RENAMES:
        problem([*at, "type"], f"assertion type {kind!r} has no equivalent here",
                "use a built-in scorer, a `judge` with a grading prompt, or a scorer plugin")  # fmt: skip
        return None
    try:
        canonical, _, negated = lookup(kind)
    except ScorerConfigError as error:
        problem([*at, "type"], str(error), error.hint)
        return None
    threshold = item.get("threshold")
    weight = float(item.get("weight", 1.0))
    signature = (("not-" if negated else "") + canonical, threshold, weight)
    key = scorers.get(signature)
    if key is None:
        key = _KEY.sub("_", signature[0]).strip("_") + (f"_{len(scorers) + 1}" if any(
            k.startswith(_KEY.sub("_", signature[0])) for k in scorers.values()) else "")  # fmt: skip
        scorers[signature] = key
        entry: dict[str, Any] = {"type": signature[0], "id": key, "field": key, "optional": True}
        if threshold is not None:
            entry["threshold"] = threshold
        if weight != 1.0:
            entry["weight"] = weight
        out.suite["scorers"].append(entry)
    return key
