"""Tests for the line-aware YAML loader and the located JSON Schema messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from platform_cli.errors import InvalidFile, UserError
from platform_cli.yamlfile import load_yaml, render_path
from platform_cli.yamlschema import load_validated, schema_problems

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "owner"],
    "properties": {
        "name": {"type": "string", "pattern": "^[a-z][a-z0-9]*(-[a-z0-9]+)*$"},
        "owner": {"type": "string", "minLength": 1, "description": "Owning team.", "examples": ["team-a"]},
        "lifecycle": {"enum": ["experimental", "production", "deprecated"]},
        "who": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "budget": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "monthly_usd": {"type": "number", "exclusiveMinimum": 0},
                "alert_at": {"type": "array", "minItems": 1, "items": {"type": "number"}},
            },
        },
        "segments": {"type": "array", "uniqueItems": True, "items": {"type": "string"}},
        "expires": {"type": "string", "format": "date"},
    },
}


def write(tmp_path: Path, text: str, name: str = "f.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(tmp_path: Path, text: str) -> list[str]:
    loaded = load_yaml(write(tmp_path, text), display="f.yaml")
    return [p.render() for p in schema_problems(loaded, SCHEMA)]


def test_positions_of_values_and_keys(tmp_path: Path) -> None:
    loaded = load_yaml(write(tmp_path, "name: a\nbudget:\n  monthly_usd: 5\nsegments:\n  - x\n  - y\n"))
    assert loaded.data == {"name": "a", "budget": {"monthly_usd": 5}, "segments": ["x", "y"]}
    assert loaded.position(["name"]) == (1, 7)
    assert loaded.key_position(["name"]) == (1, 1)
    assert loaded.position(["budget", "monthly_usd"]) == (3, 16)
    assert loaded.key_position(["budget", "monthly_usd"]) == (3, 3)
    assert loaded.position(["segments", 1]) == (6, 5)
    assert loaded.key_position(["segments", 1]) is None
    assert loaded.position(["nope"]) is None
    assert loaded.position(["segments", 7]) is None
    assert loaded.position([]) == (1, 1)


def test_data_is_json_like(tmp_path: Path) -> None:
    loaded = load_yaml(write(tmp_path, "on: yes\n1: x\nexpires: 2025-01-31\nnothing:\n"))
    assert loaded.data == {"on": True, "1": "x", "expires": "2025-01-31", "nothing": None}


def test_merge_keys_resolve_and_locate(tmp_path: Path) -> None:
    text = "base: &b\n  a: 1\n  b: 2\nchild:\n  <<: *b\n  b: 3\n"
    loaded = load_yaml(write(tmp_path, text))
    assert loaded.data["child"] == {"a": 1, "b": 3}
    assert loaded.position(["child", "b"]) == (6, 6)


def test_display_defaults_to_cwd_relative(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "a: 1\n")
    monkeypatch.chdir(tmp_path)
    assert load_yaml(path).display == "f.yaml"
    assert load_yaml(path, display="shown.yaml").display == "shown.yaml"
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    assert load_yaml(path).display == "../f.yaml"


def test_text_argument_skips_reading(tmp_path: Path) -> None:
    loaded = load_yaml(tmp_path / "not-there.yaml", text="a: [1, 2]\n")
    assert loaded.data == {"a": [1, 2]}


def test_missing_file_is_a_user_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"missing\.yaml: no such file"):
        load_yaml(tmp_path / "missing.yaml", display="missing.yaml")


def test_empty_file_loads_as_none_and_schema_says_so(tmp_path: Path) -> None:
    loaded = load_yaml(write(tmp_path, ""), display="f.yaml")
    assert loaded.data is None
    [problem] = schema_problems(loaded, SCHEMA)
    assert (problem.line, problem.path) == (1, "$")
    assert "expected a mapping, got nothing" in problem.message


@pytest.mark.parametrize(
    ("text", "line", "column", "needle"),
    [
        ("a: 1\n\tb: 2\n", 2, 1, "tabs"),
        ("a:\n  b: 1\n c: 2\n", 3, 2, "indentation"),
        ("a: [1, 2\nb: 3\n", 2, 2, "list"),
        ("a: b: c\n", 1, 5, "quote"),
        ("a: 1\n---\nb: 2\n", 2, 1, "one document"),
    ],
)
def test_malformed_yaml_reports_line_and_column(
    tmp_path: Path, text: str, line: int, column: int, needle: str
) -> None:
    with pytest.raises(InvalidFile) as caught:
        load_yaml(write(tmp_path, text), display="f.yaml")
    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.column) == ("f.yaml", line, column)
    assert problem.message.startswith("invalid YAML: ")
    assert needle in problem.hint
    assert str(caught.value).startswith("f.yaml: 1 problem in YAML\nf.yaml:")


def test_duplicate_keys_are_errors_at_the_second_key(tmp_path: Path) -> None:
    with pytest.raises(InvalidFile) as caught:
        load_yaml(write(tmp_path, "a: 1\nb:\n  c: 1\n  c: 2\na: 3\n"), display="f.yaml")
    rendered = [p.render() for p in caught.value.problems]
    assert rendered == [
        "f.yaml:4:3: $.b.c: duplicate key 'c' (first defined on line 3) "
        "(remove one of them; YAML would silently keep only the last)",
        "f.yaml:5:1: $.a: duplicate key 'a' (first defined on line 1) "
        "(remove one of them; YAML would silently keep only the last)",
    ]


def test_recursive_alias_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(InvalidFile, match="recursive alias"):
        load_yaml(write(tmp_path, "a: &x [*x]\n"))


def test_unsafe_tags_are_rejected_with_location(tmp_path: Path) -> None:
    with pytest.raises(InvalidFile) as caught:
        load_yaml(write(tmp_path, "a: 1\nb: !!python/object:os.system {}\n"))
    [problem] = caught.value.problems
    assert problem.line == 2
    assert "!!python/object:os.system is not allowed" in problem.message


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(b"a: \xff\n")
    with pytest.raises(InvalidFile, match="not UTF-8"):
        load_yaml(path)


def test_unknown_key_points_at_its_own_line_with_did_you_mean(tmp_path: Path) -> None:
    rendered = problems_of(tmp_path, "name: a\nowner: t\nbudget:\n  monthly_usd: 1\n  montly_usd: 2\n")
    assert rendered == [
        "f.yaml:5:3: $.budget.montly_usd: unknown key 'montly_usd' "
        "(did you mean 'monthly_usd'? allowed keys here: monthly_usd, alert_at)"
    ]


def test_each_unknown_key_is_its_own_problem(tmp_path: Path) -> None:
    loaded = load_yaml(write(tmp_path, "name: a\nowner: t\nzzz: 1\nqqq: 2\n"), display="f.yaml")
    problems = schema_problems(loaded, SCHEMA)
    assert [(p.line, p.message) for p in problems] == [(3, "unknown key 'zzz'"), (4, "unknown key 'qqq'")]
    assert "did you mean" not in problems[0].hint


def test_missing_required_key_points_at_parent_and_says_where_to_add(tmp_path: Path) -> None:
    loaded = load_yaml(write(tmp_path, "# comment\nname: a\n"), display="f.yaml")
    [problem] = schema_problems(loaded, SCHEMA)
    # The top-level mapping starts at its first key, after the comment.
    assert (problem.line, problem.path, problem.message) == (2, "$", "missing required key 'owner'")
    assert problem.hint == "add `owner: team-a` at the top level; owner: Owning team"


def test_messages_for_each_error_kind(tmp_path: Path) -> None:
    text = (
        "name: Bad Name\n"  # 1 pattern
        "owner: ''\n"  # 2 minLength
        "lifecycle: prod\n"  # 3 enum
        "who: 5\n"  # 4 oneOf of types
        "budget:\n"
        "  monthly_usd: '12'\n"  # 6 type, quoted number
        "  alert_at: []\n"  # 7 minItems
        "segments: [a, b, a]\n"  # 8 uniqueItems
        "expires: 2025-13-01\n"  # 9 format
    )
    assert problems_of(tmp_path, text) == [
        "f.yaml:1:7: $.name: 'Bad Name' is not in the expected format (use lowercase letters, digits and "
        "single hyphens, starting with a letter (e.g. support-summarizer))",
        "f.yaml:2:8: $.owner: must not be empty (write a value)",
        "f.yaml:3:12: $.lifecycle: 'prod' is not an allowed value "
        "(did you mean 'production'? allowed: experimental, production, deprecated)",
        "f.yaml:4:6: $.who: expected a string or a list of strings, got the integer 5",
        "f.yaml:6:16: $.budget.monthly_usd: expected a number, got the string '12' "
        '(remove the quotes: write 12 not "12")',
        "f.yaml:7:13: $.budget.alert_at: needs at least 1 item, got 0 (add items to the list)",
        "f.yaml:8:18: $.segments[2]: duplicate item 'a' (same as item 0) (list each value once)",
        "f.yaml:9:10: $.expires: '2025-13-01' is not a valid date "
        "(write a date as YYYY-MM-DD, e.g. 2025-01-31)",
    ]


def test_minimum_and_oneof_best_match(tmp_path: Path) -> None:
    rendered = problems_of(tmp_path, "name: a\nowner: t\nbudget: {monthly_usd: 0}\nwho: [a, 3]\n")
    assert rendered == [
        "f.yaml:3:23: $.budget.monthly_usd: 0 is out of range: must be > 0 (use a value > 0)",
        'f.yaml:4:10: $.who[1]: expected a string, got the integer 3 (quote it: "3")',
    ]


def test_block_collection_type_errors_point_at_the_key(tmp_path: Path) -> None:
    rendered = problems_of(tmp_path, "name: a\nowner: t\nbudget:\n  - 1\nsegments:\n")
    assert rendered == [
        "f.yaml:3:1: $.budget: expected a mapping, got a list of 1 item",
        "f.yaml:5:1: $.segments: expected a list of strings, got nothing (null)",
    ]


def test_hint_overrides_by_path_with_wildcards(tmp_path: Path) -> None:
    loaded = load_yaml(write(tmp_path, "name: a\nowner: t\nwho: [a, 3]\n"), display="f.yaml")
    [problem] = schema_problems(loaded, SCHEMA, hints={"$.who[*]": "name a person"})
    assert problem.hint == "name a person"


def test_render_path() -> None:
    assert render_path(["spec", "providers", 0, "model"]) == "$.spec.providers[0].model"
    assert render_path(["a b", "it's"]) == "$['a b']['it\\'s']"
    assert render_path([]) == "$"


def test_load_validated_raises_with_every_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "apiVersion: v0\nkind: AIFeature\n")
    with pytest.raises(InvalidFile) as caught:
        load_validated(path, "ai-feature", what="AIFeature manifest", display="ai-feature.yaml")
    assert caught.value.file == "ai-feature.yaml"
    assert len(caught.value.problems) >= 3  # bad apiVersion, missing metadata, missing spec
    assert "problems in AIFeature manifest" in str(caught.value)
