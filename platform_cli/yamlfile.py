"""Line-aware YAML loading: plain data plus the line:col of every value, and YAML syntax errors as Problems.

Schema validation with located, human messages lives in `platform_cli.yamlschema`; `schema_problems` and
`load_validated` are available here too so callers need one import.

The data follows the JSON data model (what JSON Schema validates), which differs from `yaml.safe_load`
in two deliberate ways: mapping keys are always the key text as written (`on:` stays "on", `1:` is "1"),
and timestamps stay strings (`expires: 2025-01-31` is "2025-01-31"; schemas say `format: date`).
Duplicate keys in one mapping are an error (YAML would keep the last one silently).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from platform_cli.errors import InvalidFile, Problem, UserError

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_MAX_EXPANDED_NODES = 1_000_000  # aliases can expand exponentially ("billion laughs")

JsonPath = Sequence[str | int]


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    """Safe loader that keeps timestamps as the text written (JSON has no date type)."""


def _construct_timestamp_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp_as_text)


@dataclass
class LoadedYaml:
    """A parsed YAML file: its plain data and where each value came from."""

    path: Path
    display: str
    data: Any
    root: yaml.Node | None = field(default=None, repr=False, compare=False)

    def position(self, json_path: JsonPath) -> tuple[int, int] | None:
        """1-based (line, column) where the VALUE at `json_path` starts, or None if there is no such value."""
        found = _find(self.root, json_path)
        if found is None:
            return (1, 1) if not json_path else None
        return _mark(found[1])

    def key_position(self, json_path: JsonPath) -> tuple[int, int] | None:
        """1-based (line, column) of the KEY of the last element of `json_path` (mapping keys only)."""
        if not json_path or isinstance(json_path[-1], int):
            return None
        found = _find(self.root, json_path)
        if found is None or found[0] is None:
            return None
        return _mark(found[0])

    def line_of(self, json_path: JsonPath) -> int | None:
        """Line of the key (for mapping entries) or value at `json_path`; what messages should cite."""
        where = self.locate(json_path)
        return where[0] if where else None

    def locate(self, json_path: JsonPath) -> tuple[int, int] | None:
        """Best place to point a reader at for `json_path`.

        The value itself when it starts on its key's line; the key when the value is a block collection
        (which starts on a later line) or empty (which "starts" just past the colon).
        """
        found = _find(self.root, json_path)
        if found is None:
            return (1, 1) if not json_path else None
        key, value = found
        empty = isinstance(value, yaml.ScalarNode) and value.value == "" and not value.style
        if key is not None and (value.start_mark.line != key.start_mark.line or empty):
            return _mark(key)
        return _mark(value)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _find(root: yaml.Node | None, json_path: JsonPath) -> tuple[yaml.Node | None, yaml.Node] | None:
    """(key node or None, value node) at `json_path`, following the same rules the constructor used."""
    if root is None:
        return None
    key_node: yaml.Node | None = None
    node: yaml.Node = root
    for step in json_path:
        if isinstance(node, yaml.SequenceNode) and isinstance(step, int) and not isinstance(step, bool):
            if not -len(node.value) <= step < len(node.value):
                return None
            key_node, node = None, node.value[step]
        elif isinstance(node, yaml.MappingNode):
            # After merge-key flattening later entries win, as they do in the constructed dict.
            for k, v in reversed(node.value):
                if isinstance(k, yaml.ScalarNode) and k.tag != _MERGE_TAG and k.value == str(step):
                    key_node, node = k, v
                    break
            else:
                return None
        else:
            return None
    return key_node, node


def display_name(path: Path) -> str:
    """How to name `path` in messages: relative to the current directory when that stays short."""
    if not path.is_absolute():
        return str(path)
    try:
        relative = os.path.relpath(path, Path.cwd())
    except ValueError:  # another drive on Windows
        return str(path)
    return relative if relative.count("..") <= 2 else str(path)


def load_yaml(
    path: Path, *, display: str | None = None, text: str | None = None, what: str = "YAML"
) -> LoadedYaml:
    """Parse one YAML document. Raises UserError if unreadable, InvalidFile (located) if malformed.

    An empty file loads as `data=None`; whether that (or any top-level shape) is acceptable is the
    schema's business.
    """
    shown = display if display is not None else display_name(path)
    if text is None:
        text = _read_text(path, shown)
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        problems = _check_nodes(root, shown)
        if problems:
            raise InvalidFile(shown, problems, what)
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as error:
        raise InvalidFile(shown, [_syntax_problem(error, shown)], what) from None
    except yaml.YAMLError as error:
        raise InvalidFile(shown, [Problem(shown, None, None, "", f"not valid YAML: {error}")], what) from None
    finally:
        loader.dispose()
    return LoadedYaml(path=path, display=shown, data=data, root=root)


def _read_text(path: Path, shown: str) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UserError(f"{shown}: no such file (check the path)") from None
    except IsADirectoryError:
        raise UserError(f"{shown}: is a directory, expected a YAML file") from None
    except PermissionError:
        raise UserError(f"{shown}: permission denied (make the file readable)") from None
    except UnicodeDecodeError as error:
        raise InvalidFile(
            shown,
            [
                Problem(
                    shown, None, None, "", f"not UTF-8 text (byte {error.start})", "save the file as UTF-8"
                )
            ],
            "YAML",
        ) from None
    except OSError as error:
        raise UserError(f"{shown}: cannot read: {error.strerror or error}") from None


_SYNTAX_HINTS = (
    ("tab", "indent with spaces; YAML does not allow tabs for indentation"),
    ("did not find expected key", "check the indentation: keys of one mapping must line up"),
    ("mapping values are not allowed", "check the indentation, or quote a value that contains ': '"),
    ("could not find expected ':'", "a key needs ': ' after it; quote the value if it is one string"),
    ("but found another document", "keep one document per file (remove the extra '---')"),
    ("found undefined alias", "define the anchor (&name) before using *name"),
    ("found character '@'", "quote values that start with @ or `"),
    ("found character '`'", "quote values that start with @ or `"),
    ("expected ',' or ']'", "close the [ ... ] list or separate its items with commas"),
    ("expected ',' or '}'", "close the { ... } mapping or separate its entries with commas"),
    ("unhashable", "mapping keys must be plain strings"),
    ("could not determine a constructor", "custom tags (!something) are not allowed here"),
)


def _syntax_problem(error: yaml.MarkedYAMLError, shown: str) -> Problem:
    mark = error.problem_mark or error.context_mark
    problem = error.problem or error.context or "malformed YAML"
    message = f"invalid YAML: {problem}"
    if error.context and error.context_mark is not None and error.problem_mark is not None:
        message += f" ({error.context} started at line {error.context_mark.line + 1})"
    hint = next((h for needle, h in _SYNTAX_HINTS if needle in problem), "fix the YAML syntax here")
    line = mark.line + 1 if mark is not None else None
    column = mark.column + 1 if mark is not None else None
    return Problem(shown, line, column, "", message, hint)


def _check_nodes(root: yaml.Node | None, shown: str) -> list[Problem]:
    """Reject what JSON cannot hold: duplicate keys, non-scalar keys, recursive aliases; normalise keys."""
    problems: list[Problem] = []
    sizes: dict[int, int] = {}
    on_stack: set[int] = set()

    def walk(node: yaml.Node, where: tuple[str | int, ...]) -> int:
        ident = id(node)
        if ident in sizes:
            return sizes[ident]
        if ident in on_stack:
            line, col = _mark(node)
            problems.append(
                Problem(
                    shown, line, col, render_path(where), "recursive alias", "an alias cannot contain itself"
                )
            )
            return 1
        on_stack.add(ident)
        size = 1
        if isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                size += walk(item, (*where, index))
        elif isinstance(node, yaml.MappingNode):
            seen: dict[str, yaml.Node] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.tag == _MERGE_TAG:
                    size += walk(value, where)
                    continue
                if not isinstance(key, yaml.ScalarNode):
                    line, col = _mark(key)
                    problems.append(
                        Problem(
                            shown,
                            line,
                            col,
                            render_path(where),
                            "mapping key is not a plain string",
                            "write keys as plain text, e.g. `name: value`",
                        )
                    )
                    continue
                key.tag = _STR_TAG  # keys are the text written, as in JSON
                if key.value in seen:
                    line, col = _mark(key)
                    first = seen[key.value].start_mark.line + 1
                    problems.append(
                        Problem(
                            shown,
                            line,
                            col,
                            render_path((*where, key.value)),
                            f"duplicate key '{key.value}' (first defined on line {first})",
                            "remove one of them; YAML would silently keep only the last",
                        )
                    )
                seen[key.value] = key
                size += walk(value, (*where, key.value))
        on_stack.discard(ident)
        sizes[ident] = size
        return size

    if root is not None and walk(root, ()) > _MAX_EXPANDED_NODES:
        problems.append(
            Problem(
                shown,
                1,
                1,
                "",
                "aliases expand to too many values",
                "write the data out instead of nesting aliases",
            )
        )
    return problems


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


def relative_display(path: Path, root: Path) -> str:
    """`path` relative to `root` when inside it (repo-relative names in messages), else display_name."""
    try:
        return os.fspath(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return display_name(path)


def schema_problems(
    loaded: LoadedYaml, schema: Mapping[str, Any], *, hints: Mapping[str, str] | None = None
) -> list[Problem]:
    """Every JSON Schema (Draft 2020-12) error in `loaded`, located and explained, sorted by line."""
    from platform_cli import yamlschema

    return yamlschema.schema_problems(loaded, schema, hints=hints)


def load_validated(
    path: Path,
    schema_name: str,
    *,
    what: str,
    display: str | None = None,
    hints: Mapping[str, str] | None = None,
) -> LoadedYaml:
    """Load `path`, validate it against policies/schemas/<schema_name>.schema.json, or raise InvalidFile."""
    from platform_cli import yamlschema

    return yamlschema.load_validated(path, schema_name, what=what, display=display, hints=hints)


__all__ = [
    "LoadedYaml",
    "display_name",
    "load_validated",
    "load_yaml",
    "relative_display",
    "render_path",
    "schema_problems",
]
