"""Remembered validations: clean results are remembered per (schema, data, versions); problems never are."""

from __future__ import annotations

from pathlib import Path

import pytest

from platform_cli import schemacache, yamlschema
from platform_cli.errors import InvalidFile
from platform_cli.yamlfile import load_yaml

SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string", "pattern": "^[a-z]+$"}, "size": {"type": "integer"}},
    "required": ["name"],
    "additionalProperties": False,
}


def problems_of(tmp_path: Path, text: str, schema: dict[str, object] = SCHEMA) -> list[str]:
    path = tmp_path / "doc.yaml"
    path.write_text(text)
    return [p.render() for p in yamlschema.schema_problems(load_yaml(path), schema)]


def refuse_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(schema: object) -> None:
        raise AssertionError("validated again: the clean result was not remembered")

    monkeypatch.setattr(yamlschema, "validator_for", refuse)


def test_clean_data_is_validated_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert problems_of(tmp_path, "name: demo\nsize: 3\n") == []
    refuse_validation(monkeypatch)
    assert problems_of(tmp_path, "# other text, same data\nsize: 3\nname: demo\n") == []


def test_problems_are_computed_every_time_with_their_lines(tmp_path: Path) -> None:
    first = problems_of(tmp_path, "name: Demo\nsize: big\n")
    assert [p.split(": ")[0].rsplit("/", 1)[-1] for p in first] == ["doc.yaml:1:7", "doc.yaml:2:7"]
    assert problems_of(tmp_path, "name: Demo\nsize: big\n") == first
    assert not schemacache.known_valid(SCHEMA, {"name": "Demo", "size": "big"})


def test_another_schema_or_other_data_is_validated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert problems_of(tmp_path, "name: demo\n") == []
    stricter = {**SCHEMA, "required": ["name", "size"]}
    assert len(problems_of(tmp_path, "name: demo\n", stricter)) == 1
    assert len(problems_of(tmp_path, "name: demo\nsize: 1.5\n")) == 1


def test_a_marker_of_another_version_does_not_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import platform_cli

    assert problems_of(tmp_path, "name: demo\n") == []
    assert schemacache.known_valid(SCHEMA, {"name": "demo"})
    monkeypatch.setattr(platform_cli, "__version__", "99.0.0")
    assert not schemacache.known_valid(SCHEMA, {"name": "demo"})


def test_an_unwritable_cache_only_costs_speed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the cache directory would be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert problems_of(tmp_path, "name: demo\n") == []
    assert problems_of(tmp_path, "name: demo\n") == []
    assert not schemacache.known_valid(SCHEMA, {"name": "demo"})


def test_only_plain_json_is_keyed() -> None:
    assert schemacache.marker(SCHEMA, {"name": "demo"}) is not None
    assert schemacache.marker(SCHEMA, {"name": ("a", "b")}) is None  # a tuple is not a JSON array
    assert schemacache.marker(SCHEMA, {1: "x"}) is None
    assert schemacache.marker(SCHEMA, {"x": float("inf")}) is None
    assert schemacache.marker(SCHEMA, {"x": [True, None, 1, 1.5, "s", {"y": []}]}) is not None


def test_plain_json_takes_exact_json_types_and_scalar_subclasses_only() -> None:
    class Key(str):
        pass

    class Count(int):
        pass

    nested: list[object] = []
    inner = nested
    for _ in range(250):
        inner.append([])
        inner = inner[0]  # type: ignore[assignment]
    assert schemacache.plain_json({"a": [None, True, 1, 1.5, "s", {"b": []}], "c": Key("x"), "d": Count(2)})
    assert schemacache.plain_json([Key("x"), Count(1)])
    for value in (
        {"a": ("t",)},
        [("t",)],
        {Key("k"): 1},
        {"a": float("nan")},
        [float("-inf")],
        {"a": {"b": [1, b"x"]}},
        type("Sub", (dict,), {})(a=1),
        [type("Sub", (list,), {})()],
        nested,
        {"a": nested},
    ):
        assert not schemacache.plain_json(value), value


def test_a_text_validated_clean_in_this_process_is_not_keyed_again_but_each_cache_gets_its_marker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """load_validated remembers a clean text per process (a scan loads the same template files in every
    repo); another text, or the same text under another cache directory, is still validated or keyed."""
    monkeypatch.setattr(yamlschema, "load_schema", lambda name: SCHEMA)
    path = tmp_path / "doc.yaml"
    path.write_text("name: once\n")
    yamlschema.load_validated(path, "doc", what="doc")
    keyed: list[object] = []
    real_known_valid = schemacache.known_valid
    monkeypatch.setattr(
        schemacache, "known_valid", lambda schema, data: keyed.append(data) or real_known_valid(schema, data)
    )
    assert yamlschema.load_validated(path, "doc", what="doc").data == {"name": "once"}
    assert keyed == []  # neither canonical JSON nor a marker lookup: the text was seen clean
    path.write_text("name: Twice\n")  # another text with a problem: validated, located, never remembered
    for _ in range(2):
        with pytest.raises(InvalidFile, match=r"doc\.yaml:1"):
            yamlschema.load_validated(path, "doc", what="doc")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "other-cache"))
    path.write_text("name: once\n")
    yamlschema.load_validated(path, "doc", what="doc")
    assert keyed[-1] == {"name": "once"}
    assert list((tmp_path / "other-cache" / "platform-cli" / "validated").rglob("*"))  # its own marker
