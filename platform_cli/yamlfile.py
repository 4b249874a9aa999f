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

Data is built by `platform_cli.yamlbuild` (the policy); JSON files are read by `platform_cli.jsonfile`
under the same policy; schema validation with located messages is in `platform_cli.yamlschema`. Each
imports this module (or yamlbuild), never the other way round.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from platform_cli import yamlbuild, yamlmemo
from platform_cli.boundedmemo import BoundedMemo
from platform_cli.errors import InvalidFile, Problem, UserError
from platform_cli.yamlbuild import MAX_DEPTH, MAX_VALUES, MERGE, JsonPath, mark, render_path

if TYPE_CHECKING:  # PyYAML is imported on first parse: a text remembered by yamlmemo needs none of it
    import yaml

MAX_FILE_BYTES = 4 * 1024 * 1024

_loader_class: Any = None


def _loader(text: str) -> Any:
    """The safe loader (libyaml's when available) over `text`, used only to parse and compose nodes; data is
    built by yamlbuild.Builder."""
    global _loader_class
    if _loader_class is None:
        import yaml

        base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        _loader_class = type("Loader", (base,), {"__doc__": "The safe loader, parsing and composing only."})
    return _loader_class(text)


@dataclass
class LoadedYaml:
    """A parsed YAML (or JSON) file: its plain data and where each value came from."""

    path: Path
    display: str
    data: Any
    root: yaml.Node | None = field(default=None, repr=False, compare=False)
    # JSON text whose node tree (for positions) is composed on first use: most loads never ask for one.
    json_text: str | None = field(default=None, repr=False, compare=False)
    # The YAML text `data` was built from (as loaded: callers may change `data`). When the data came from
    # yamlmemo, with the built tree it kept (JSON, see yamlmemo.tree_json): positions read that tree,
    # rebuilt on first use; node_tree() composes PyYAML's own from the text.
    yaml_text: str | None = field(default=None, repr=False, compare=False)
    kept_tree: str | None = field(default=None, repr=False, compare=False)
    _light: Any = field(default=None, init=False, repr=False, compare=False)

    def node_tree(self) -> yaml.Node | None:
        """PyYAML's node tree of the file, as built (composed now when the data was remembered)."""
        if self.root is None and self.json_text is None and self.yaml_text is not None:
            self.root = _compose(self.yaml_text)
            if self.root is not None:
                yamlbuild.Builder(self.display).build(self.root)  # flattens merge keys, as a parse does
        tree: yaml.Node | None = self._tree()
        return tree

    def _tree(self) -> Any:
        """The tree positions are read from: PyYAML's nodes, or yamlmemo's LightNodes (same attributes)."""
        if self.root is None and self.json_text is not None:
            self.root = _compose(self.json_text)
            self.json_text = None
        if self.root is None and self.kept_tree is not None:
            self._light = yamlmemo.light_tree(self.kept_tree)
            self.kept_tree = None
            if self._light is None and self.yaml_text is not None:  # a damaged entry: compose after all
                return self.node_tree()
        return self.root if self.root is not None else self._light

    def position(self, json_path: JsonPath) -> tuple[int, int] | None:
        """1-based (line, column) where the VALUE at `json_path` starts, or None if there is no such value."""
        found = _find(self._tree(), json_path)
        if found is None:
            return (1, 1) if not json_path else None
        return mark(found[1])

    def key_position(self, json_path: JsonPath) -> tuple[int, int] | None:
        """1-based (line, column) of the KEY of the last element of `json_path` (mapping keys only)."""
        if not json_path or isinstance(json_path[-1], int):
            return None
        found = _find(self._tree(), json_path)
        if found is None or found[0] is None:
            return None
        return mark(found[0])

    def line_of(self, json_path: JsonPath) -> int | None:
        """Line of the key (for mapping entries) or value at `json_path`; what messages should cite."""
        where = self.locate(json_path)
        return where[0] if where else None

    def locate(self, json_path: JsonPath) -> tuple[int, int] | None:
        """Best place to point a reader at for `json_path`.

        The value itself when it starts on its key's line; the key when the value is a block collection
        (which starts on a later line) or empty (which "starts" just past the colon).
        """
        found = _find(self._tree(), json_path)
        if found is None:
            return (1, 1) if not json_path else None
        key, value = found
        empty = value.id == "scalar" and value.value == "" and not value.style
        if key is not None and (value.start_mark.line != key.start_mark.line or empty):
            return mark(key)
        return mark(value)

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


def _compose(text: str) -> yaml.Node | None:
    """The node tree of `text` (None when it does not compose: the data came from a load that reported)."""
    import yaml

    loader = _loader(text)
    try:
        root: yaml.Node | None = loader.get_single_node()
    except (yaml.YAMLError, UnicodeError):
        root = None
    finally:
        loader.dispose()
    return root


def _find(root: Any, json_path: JsonPath) -> tuple[Any, Any] | None:
    """(key node or None, value node) at `json_path`, following the same rules the builder used. Nodes are
    PyYAML's or yamlmemo's LightNodes: both say what they are in `id` (scalar, sequence, mapping)."""
    if root is None:
        return None

    key_node: Any = None
    node: Any = root
    for step in json_path:
        if node.id == "sequence" and isinstance(step, int) and not isinstance(step, bool):
            if not -len(node.value) <= step < len(node.value):
                return None
            key_node, node = None, node.value[step]
        elif node.id == "mapping":
            # After merge-key flattening later entries win, as they do in the built dict.
            for k, v in reversed(node.value):
                if k.id == "scalar" and k.tag != MERGE and k.value == str(step):
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
    parsed = _parsed.get(text)
    if parsed is not None:  # the same text parsed before in this process: the same tree, a fresh copy of data
        return LoadedYaml(path=path, display=shown, data=_copy(parsed[1]), root=parsed[0], yaml_text=text)
    policy = _policy()
    kept = _recalled.get((text, policy))
    if kept is None:
        known, data, tree = yamlmemo.recall(text, policy)
        if known:  # loaded clean by an earlier run: its data; its tree is rebuilt if a position is asked
            kept = (data, tree)
            if len(text) <= _PARSED_MAX_CHARS:
                _recalled.keep((text, policy), (_copy(data), tree))
    else:
        kept = (_copy(kept[0]), kept[1])
    if kept is not None:
        return LoadedYaml(path=path, display=shown, data=kept[0], yaml_text=text, kept_tree=kept[1])
    import yaml

    loader = _loader(text)
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
        builder = yamlbuild.Builder(shown)
        data = builder.build(root)
        if builder.problems:
            raise InvalidFile(shown, builder.problems, what)
    yamlmemo.remember(text, policy, data, root)
    if len(text) <= _PARSED_MAX_CHARS:
        _parsed.keep(text, (root, _copy(data)))
    return LoadedYaml(path=path, display=shown, data=data, root=root, yaml_text=text)


def _policy() -> str:
    """The loading policy's limits as text (part of what a remembered load is keyed by: a test or a caller
    that changes a limit never reads a load made under another)."""
    return f"{MAX_FILE_BYTES},{yamlbuild.MAX_DEPTH},{yamlbuild.MAX_VALUES},{yamlbuild.MAX_NUMBER_CHARS}"


# Texts that parsed clean in this process, with their node tree and data: an org-wide scan reads the same
# template files (suites, prompts, rules) in every repo. Callers get their own copy of the data (they may
# change it); the node tree is only read. A text with a problem is parsed again each time.
_PARSED_ENTRIES = 256
_parsed: BoundedMemo[str, tuple[yaml.Node | None, Any]] = BoundedMemo(_PARSED_ENTRIES)
# The same for texts whose load came from yamlmemo, by (text, policy): their data and kept tree.
_recalled: BoundedMemo[tuple[str, str], tuple[Any, str | None]] = BoundedMemo(_PARSED_ENTRIES)
_PARSED_MAX_CHARS = 256 * 1024


def _copy(data: Any) -> Any:
    """A copy of built YAML data (dicts, lists and immutable scalars), the containers new."""
    if isinstance(data, dict):
        return {key: _copy(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_copy(item) for item in data]
    return data


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


def relative_display(path: Path, root: Path) -> str:
    """`path` relative to `root` when inside it (repo-relative names in messages), else display_name."""
    from platform_cli.onepass import resolved

    try:
        return os.fspath(resolved(path).relative_to(resolved(root)))
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
    "load_yaml",
    "located",
    "read_policy_text",
    "relative_display",
    "render_path",
]
