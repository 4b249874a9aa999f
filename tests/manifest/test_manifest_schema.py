"""The shipped ai-feature JSON Schema is itself valid and documented."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator

from platform_cli.resources import schema_path


def load() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(schema_path("ai-feature").read_text(encoding="utf-8"))
    return schema


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = load()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith("ai-feature.schema.json")
    Draft202012Validator.check_schema(schema)


def objects(node: Any, where: str = "$") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if "properties" in node:
            yield where, node
        for key, value in node.items():
            yield from objects(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from objects(value, f"{where}/{index}")


def test_every_property_has_a_title_and_description_and_objects_are_closed() -> None:
    open_objects = {"$/properties/spec/properties/evals", "$/properties/spec/properties/prompts"}
    for where, node in objects(load()):
        assert node.get("additionalProperties") is False, where
        for name, prop in node["properties"].items():
            assert prop.get("title") and prop.get("description"), f"{where}/properties/{name}"
            if prop.get("type") == "object" and "properties" not in prop:
                assert f"{where}/properties/{name}" in open_objects or name == "options", name
