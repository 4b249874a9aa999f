"""The one loading policy for every YAML and JSON file the CLI reads: bounded, typed as JSON, located.

Every file a template, an answer set, a repo or a user hands us is untrusted. `load_yaml` and `load_json`
read it under one policy, and every way it can fail is an `InvalidFile` (exit 2) naming file:line:

- size: at most `MAX_FILE_BYTES`; nesting at most `MAX_DEPTH` levels; at most `MAX_VALUES` values after
  alias (and merge-key) expansion, so a few hundred bytes of nested aliases cannot take minutes or gigabytes;
- types: the JSON data model that JSON Schema validates. Tags are limited to strings, integers, floats,
  booleans, null, lists and mappings (timestamps stay the text written: `expires: 2025-01-31` is
  "2025-01-31"); `!!binary`, `!!set`, `!!omap`, `!!python/...` and custom `!tags` are refused, and an
  explicit `!!int x` / `!!float x` / `!!bool x` that is not one is a located problem;
- numbers: integers fit in 64 bits, floats are finite (no `.nan`, `.inf`, `1e999`);
- keys: the key text as written (`on:` stays "on", `1:` is "1"); duplicate keys and non-scalar keys are
  refused (YAML would silently keep the last one);
- text: UTF-8 (a BOM is allowed); a bad byte or a control character is reported with its line.

Schema validation with located messages is in `platform_cli.yamlschema`, which imports this module (never
the other way round).
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from platform_cli.errors import InvalidFile, Problem, UserError

MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 64  # far beyond any real manifest, prompt or schema; keeps every recursive consumer safe
MAX_VALUES = 250_000  # values after alias expansion ("billion laughs")
MAX_NUMBER_CHARS = 64  # longer numerals are refused before Python converts them (quadratic)
INT_LIMIT = 2**63  # integers must fit a signed 64-bit column

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_TAG = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL = (_TAG + t for t in ("str", "int", "float", "bool", "null"))
SEQ, MAP, TIMESTAMP, MERGE = (_TAG + t for t in ("seq", "map", "timestamp", "merge"))
_SCALAR_TAGS = frozenset({STR, INT, FLOAT, BOOL, NULL, TIMESTAMP})
_ALLOWED_TYPES = "plain strings, numbers, true/false, null, lists and mappings"

JsonPath = Sequence[str | int]


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    """The safe loader, used only to parse and compose nodes; data is built by `_Builder` below."""


@dataclass
class LoadedYaml:
    """A parsed YAML (or JSON) file: its plain data and where each value came from."""

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

    def problem(self, json_path: JsonPath, message: str, hint: str = "", *, at_key: bool = False) -> Problem:
        """A Problem located at `json_path` in this file (the builder every YAML-reading module uses).

        `at_key`: point at the key of the last step (e.g. a declared name) rather than at its value.
        A path that is not in the file (a missing key) is located at its nearest ancestor that is.
        """
        where = self.key_position(json_path) if at_key else None
        if where is None:
            for end in range(len(json_path), -1, -1):
                where = self.locate(json_path[:end])
                if where is not None:
                    break
        line, column = where or (1, None)
        return Problem(self.display, line, column, render_path(json_path), message, hint)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _find(root: yaml.Node | None, json_path: JsonPath) -> tuple[yaml.Node | None, yaml.Node] | None:
    """(key node or None, value node) at `json_path`, following the same rules the builder used."""
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
            # After merge-key flattening later entries win, as they do in the built dict.
            for k, v in reversed(node.value):
                if isinstance(k, yaml.ScalarNode) and k.tag != MERGE and k.value == str(step):
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


def read_policy_text(path: Path, shown: str, what: str) -> str:
    """A file's UTF-8 text, at most MAX_FILE_BYTES. UserError if unreadable, InvalidFile if not text."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise UserError(f"{shown}: no such file (check the path)") from None
    except IsADirectoryError:
        raise UserError(f"{shown}: is a directory, expected a file") from None
    except PermissionError:
        raise UserError(f"{shown}: permission denied (make the file readable)") from None
    except OSError as error:
        raise UserError(f"{shown}: cannot read: {error.strerror or error}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise InvalidFile(
            shown,
            [Problem(shown, 1, None, "", f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB", "split it")],
            what,
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        problem = Problem(
            shown,
            line,
            column,
            "",
            f"not UTF-8 text (byte 0x{raw[error.start]:02x})",
            "save the file as UTF-8",
        )
        raise InvalidFile(shown, [problem], what) from None


def load_yaml(
    path: Path, *, display: str | None = None, text: str | None = None, what: str = "YAML"
) -> LoadedYaml:
    """Parse one YAML document under the loading policy. UserError if unreadable, InvalidFile otherwise.

    An empty file loads as `data=None`; whether that (or any top-level shape) is acceptable is the
    schema's business.
    """
    shown = display if display is not None else display_name(path)
    if text is None:
        text = read_policy_text(path, shown, what)
    elif len(text) > MAX_FILE_BYTES:
        raise InvalidFile(shown, [Problem(shown, 1, None, "", "too large", "split it")], what)
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        raise InvalidFile(shown, [_syntax_problem(error, shown)], what) from None
    except yaml.reader.ReaderError as error:
        raise InvalidFile(shown, [_reader_problem(error, text, shown)], what) from None
    except (yaml.YAMLError, UnicodeError) as error:
        raise InvalidFile(shown, [Problem(shown, 1, 1, "", f"not valid YAML: {error}")], what) from None
    finally:
        loader.dispose()
    data = None
    if root is not None:
        builder = _Builder(shown)
        data = builder.build(root)
        if builder.problems:
            raise InvalidFile(shown, builder.problems, what)
    return LoadedYaml(path=path, display=shown, data=data, root=root)


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
    return LoadedYaml(path=path, display=shown, data=data, root=_positions_of(text))


def _positions_of(text: str) -> yaml.Node | None:
    loader = _Loader(text)
    try:
        root: yaml.Node | None = loader.get_single_node()
    except (yaml.YAMLError, UnicodeError):
        root = None
    finally:
        loader.dispose()
    return root


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
    ("maximum nesting depth", f"nest at most {MAX_DEPTH} levels deep"),
)


def _syntax_problem(error: yaml.MarkedYAMLError, shown: str) -> Problem:
    mark = error.problem_mark or error.context_mark
    problem = error.problem or error.context or "malformed YAML"
    message = f"invalid YAML: {problem}"
    if error.context and error.context_mark is not None and error.problem_mark is not None:
        message += f" ({error.context} started at line {error.context_mark.line + 1})"
    hint = next((h for needle, h in _SYNTAX_HINTS if needle in problem), "fix the YAML syntax here")
    line = mark.line + 1 if mark is not None else 1
    column = mark.column + 1 if mark is not None else None
    return Problem(shown, line, column, "", message, hint)


def _reader_problem(error: yaml.reader.ReaderError, text: str, shown: str) -> Problem:
    position = max(0, min(int(error.position), len(text)))
    char = error.character
    code = f"U+{ord(char):04X}" if isinstance(char, str) and len(char) == 1 else "a byte"
    hint = "remove the control character (write it as an escape such as \\t inside double quotes)"
    return located(shown, text, position, f"{error.reason} ({code})", hint)


def _tag_name(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


class _Builder:
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
        line, column = _mark(node)
        self.problems.append(Problem(self.shown, line, column, render_path(where), message, hint))

    def _visit(
        self, node: yaml.Node, depth: int, where: tuple[str | int, ...], parent: yaml.Node | None = None
    ) -> tuple[Any, int, int]:
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
        number = _parse_number(text, integer=tag == INT)
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


def _parse_number(text: str, *, integer: bool) -> int | float | str:
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
        refused = _parse_number(text, integer=True)
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


def located(file: str, text: str, offset: int, message: str, hint: str = "") -> Problem:
    """A Problem at character `offset` of `text` (for checks that work on raw text)."""
    line = text.count("\n", 0, offset) + 1
    return Problem(file, line, offset - (text.rfind("\n", 0, offset) + 1) + 1, "", message, hint)


__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_VALUES",
    "LoadedYaml",
    "display_name",
    "load_json",
    "load_yaml",
    "located",
    "read_policy_text",
    "relative_display",
    "render_path",
]
