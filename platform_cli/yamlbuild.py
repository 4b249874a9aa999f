"""Build JSON data from composed YAML nodes under the loading policy (see platform_cli.yamlfile).

The builder, not PyYAML's constructor, turns nodes into data: it allows only the JSON types, checks explicit
tags, bounds numbers, depth and alias expansion, refuses duplicate keys, and reports each refusal as a
located Problem. `parse_number` is shared with the JSON loader.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from platform_cli.errors import Problem

if TYPE_CHECKING:  # imported where nodes are built: the JSON loader and remembered loads need no PyYAML
    import yaml

MAX_DEPTH = 64  # far beyond any real manifest, prompt or schema; keeps every recursive consumer safe
MAX_VALUES = 250_000  # values after alias expansion ("billion laughs")
MAX_NUMBER_CHARS = 64  # longer numerals are refused before Python converts them (quadratic)
INT_LIMIT = 2**63  # integers must fit a signed 64-bit column

_TAG = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL = (_TAG + t for t in ("str", "int", "float", "bool", "null"))
SEQ, MAP, TIMESTAMP, MERGE = (_TAG + t for t in ("seq", "map", "timestamp", "merge"))
_SCALAR_TAGS = frozenset({STR, INT, FLOAT, BOOL, NULL, TIMESTAMP})
_ALLOWED_TYPES = "plain strings, numbers, true/false, null, lists and mappings"

JsonPath = Sequence[str | int]


def mark(node: yaml.Node) -> tuple[int, int]:
    """1-based (line, column) where `node` starts."""
    return node.start_mark.line + 1, node.start_mark.column + 1


def _tag_name(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


class Builder:
    """Builds JSON data from composed nodes, enforcing the policy; every refusal becomes a located Problem.

    Recursion is cut at MAX_DEPTH, so even the deepest document libyaml composes (1000 levels, or more
    through aliases) cannot exhaust the stack. An alias is built once and shared, like PyYAML does, and
    counted at its full expanded size.
    """

    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.problems: list[Problem] = []
        self._done: dict[int, tuple[Any, int, int]] = {}  # id(node) -> (value, values, height)
        self._open: set[int] = set()
        self._reported_depth = False

    def build(self, root: yaml.Node) -> Any:
        value, size, _ = self._visit(root, 1, ())
        if size > MAX_VALUES and not self.problems:
            self._add(root, (), f"aliases expand to more than {MAX_VALUES:,} values", "write the data out")
        return None if self.problems else value

    def _add(self, node: yaml.Node, where: JsonPath, message: str, hint: str) -> None:
        line, column = mark(node)
        self.problems.append(Problem(self.shown, line, column, render_path(where), message, hint))

    def _visit(
        self, node: yaml.Node, depth: int, where: tuple[str | int, ...], parent: yaml.Node | None = None
    ) -> tuple[Any, int, int]:
        import yaml

        ident = id(node)
        done = self._done.get(ident)
        if done is not None:  # an alias: its height adds to where it is used (reported at the user)
            if depth - 1 + done[2] > MAX_DEPTH:
                self._too_deep(parent or node, where)
            return done
        if depth > MAX_DEPTH:
            self._too_deep(node, where)
            return None, 1, 1
        if ident in self._open:
            self._add(node, where, "recursive alias", "an alias cannot contain itself")
            return None, 1, 1
        self._open.add(ident)
        try:
            if isinstance(node, yaml.ScalarNode):
                result = (self._scalar(node, where), 1, 1)
            elif isinstance(node, yaml.SequenceNode):
                result = self._sequence(node, depth, where)
            elif isinstance(node, yaml.MappingNode):
                result = self._mapping(node, depth, where)
            else:  # pragma: no cover - the composer makes only these three
                result = (None, 1, 1)
        finally:
            self._open.discard(ident)
        self._done[ident] = result
        return result

    def _too_deep(self, node: yaml.Node, where: JsonPath) -> None:
        if not self._reported_depth:
            self._reported_depth = True
            self._add(node, where, f"nested more than {MAX_DEPTH} levels deep", "flatten the structure")

    def _wrong_tag(self, node: yaml.Node, where: JsonPath) -> None:
        self._add(
            node,
            where,
            f"the tag {_tag_name(node.tag)} is not allowed here",
            f"remove the tag: only {_ALLOWED_TYPES} are allowed",
        )

    def _sequence(
        self, node: yaml.SequenceNode, depth: int, where: tuple[str | int, ...]
    ) -> tuple[Any, int, int]:
        if node.tag != SEQ:
            self._wrong_tag(node, where)
        items: list[Any] = []
        size, height = 1, 1
        for index, child in enumerate(node.value):
            value, child_size, child_height = self._visit(child, depth + 1, (*where, index), node)
            items.append(value)
            size += child_size
            height = max(height, child_height + 1)
            if size > MAX_VALUES:
                break
        return items, size, height

    def _mapping(
        self, node: yaml.MappingNode, depth: int, where: tuple[str | int, ...]
    ) -> tuple[Any, int, int]:
        import yaml

        if node.tag != MAP:
            self._wrong_tag(node, where)
        merged: list[tuple[yaml.Node, yaml.Node]] = []
        own: list[tuple[yaml.Node, yaml.Node]] = []
        size, height = 1, 1
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.tag == MERGE:
                sources = value.value if isinstance(value, yaml.SequenceNode) else [value]
                for source in sources:  # prepended in turn, so the first mapping listed wins, as in PyYAML
                    if not isinstance(source, yaml.MappingNode):
                        self._add(source, where, "a merge key (<<) needs a mapping or a list of mappings", "")
                        continue
                    _, merged_size, merged_height = self._visit(source, depth, where, key)
                    size += merged_size
                    height = max(height, merged_height)
                    merged[:0] = source.value
                continue
            own.append((key, value))
        if merged:
            node.value = merged + own  # positions (_find) then see what the dict holds, later entries winning
        seen: dict[str, yaml.Node] = {}
        data: dict[str, Any] = {}
        for key, value_node in merged:
            if isinstance(key, yaml.ScalarNode):
                data[key.value] = self._done.get(id(value_node), (None,))[0]
        for key, value_node in own:
            if not isinstance(key, yaml.ScalarNode):
                self._add(
                    key, where, "mapping key is not a plain string", "write keys as plain text: `name: value`"
                )
                continue
            key.tag = STR  # keys are the text written, as in JSON
            if key.value in seen:
                first = seen[key.value].start_mark.line + 1
                self._add(
                    key,
                    (*where, key.value),
                    f"duplicate key '{key.value}' (first defined on line {first})",
                    "remove one of them; YAML would silently keep only the last",
                )
            seen[key.value] = key
            value, child_size, child_height = self._visit(value_node, depth + 1, (*where, key.value), key)
            data[key.value] = value
            size += child_size
            height = max(height, child_height + 1)
            if size > MAX_VALUES:
                break
        return data, size, height

    def _scalar(self, node: yaml.ScalarNode, where: JsonPath) -> Any:
        tag, text = node.tag, node.value
        if tag not in _SCALAR_TAGS:
            self._wrong_tag(node, where)
            return None
        if tag in (STR, TIMESTAMP):
            return text
        if tag == NULL:
            return None
        if tag == BOOL:
            value = _BOOLS.get(text.lower())
            if value is None:
                self._add(node, where, f"{_short(text)} is not true or false", "write true or false")
            return value
        number = parse_number(text, integer=tag == INT)
        if isinstance(number, str):
            self._add(node, where, number, "write a plain number within range, or quote the value as text")
            return None
        return number


_BOOLS = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}
_INT_TEXT = re.compile(r"[-+]?(0b[0-1_]+|0x[0-9a-fA-F_]+|0o?[0-7_]*|[1-9][0-9_]*(:[0-5]?[0-9])*)")
_FLOAT_TEXT = re.compile(
    r"[-+]?(\.[0-9_]+|[0-9][0-9_]*(\.[0-9_]*)?|[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*)([eE][-+]?[0-9]+)?"
)


def _short(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")


def parse_number(text: str, *, integer: bool) -> int | float | str:
    """The number YAML 1.1 reads in `text`, or a message saying why it is refused."""
    kind = "an integer" if integer else "a number"
    cleaned = text.strip()
    if len(cleaned) > MAX_NUMBER_CHARS:
        return f"{_short(text)} has more than {MAX_NUMBER_CHARS} characters: not a usable number"
    if cleaned.lower().lstrip("+-") in (".inf", ".nan"):
        return f"{cleaned} is not a finite number"
    if integer:
        if not _INT_TEXT.fullmatch(cleaned):
            return f"{_short(text)} is not {kind}"
        value = _yaml_int(cleaned)
        if not -INT_LIMIT <= value < INT_LIMIT:
            return f"{cleaned} is too large (integers must fit in 64 bits)"
        return value
    if not _FLOAT_TEXT.fullmatch(cleaned) or cleaned.strip("+-._") == "":
        return f"{_short(text)} is not {kind}"
    number = _yaml_float(cleaned)
    if not math.isfinite(number):
        return f"{cleaned} is not a finite number"
    return number


def _yaml_int(text: str) -> int:
    value = text.replace("_", "")
    sign = -1 if value.startswith("-") else 1
    value = value.lstrip("+-")
    if value in ("", "0"):
        return 0
    if value.startswith("0b"):
        return sign * int(value[2:] or "0", 2)
    if value.startswith("0x"):
        return sign * int(value[2:] or "0", 16)
    if value.startswith("0o"):
        return sign * int(value[2:] or "0", 8)
    if value.startswith("0"):
        return sign * int(value, 8)
    if ":" in value:
        total = 0
        for part in value.split(":"):
            total = total * 60 + int(part)
        return sign * total
    return sign * int(value)


def _yaml_float(text: str) -> float:
    value = text.replace("_", "").lower()
    sign = -1.0 if value.startswith("-") else 1.0
    value = value.lstrip("+-")
    if ":" in value:
        total = 0.0
        for part in value.split(":"):
            total = total * 60 + float(part)
        return sign * total
    return sign * float(value)


_IDENTIFIER_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def render_path(json_path: JsonPath) -> str:
    """JSONPath for messages: `$.spec.providers[0].model`, `$['odd key']`."""
    parts = ["$"]
    for step in json_path:
        if isinstance(step, int):
            parts.append(f"[{step}]")
        elif step and set(step) <= _IDENTIFIER_CHARS and not step[0].isdigit() and step[0] != "-":
            parts.append(f".{step}")
        else:
            escaped = str(step).replace("\\", "\\\\").replace("'", "\\'")
            parts.append(f"['{escaped}']")
    return "".join(parts)
