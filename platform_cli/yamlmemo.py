"""Remembered YAML loads: a text that loaded clean before is not parsed again, and PyYAML is not imported.

Importing PyYAML costs more than a bare command's whole run (its pure-Python regexes compile at import:
one character class in yaml.reader alone is ~60M instructions), and every command reads the same unchanged
manifest, prompts, suites and catalog file again. What `yamlfile.load_yaml` builds from a text depends only
on the text, the loading policy (its limits) and the loading code, so what it built is kept as JSON in the
user cache, named by the sha256 of all of them: the data, and the built node tree reduced to what positions
read (each node's kind, tag, value, style and start line/column; shared nodes stay shared), rebuilt as
`LightNode`s only when a position is asked for (facts cite manifest lines on every run). A caller that
needs PyYAML's own nodes (to edit a file) asks `LoadedYaml.node_tree()`, which composes them from the text.

Only clean loads are remembered (a text with a problem is parsed every time, so every message keeps its
file:line), only data that JSON gives back exactly, only texts up to 256 KiB. The cache is per user and
outside every repo (a repo cannot vouch for its own files); anything missing, unreadable or malformed only
means "parse".
"""

from __future__ import annotations

import json
from typing import Any

from platform_cli.boundedmemo import BoundedMemo

# Bump when loading changes in a way the package version and the loading code's stamp would not show.
REVISION = 1
MAX_CHARS = 256 * 1024

# What a load depends on besides the text: the YAML library and the loading code (their install and
# modification times, so an edited development checkout never reads results of its older code).
_LOADING_MODULES = ("yaml", "platform_cli.yamlbuild", "platform_cli.yamlfile", "platform_cli.yamlmemo")


def _entry(text: str, policy: str) -> str:
    from platform_cli import __version__
    from platform_cli.usercache import entry_path, library_key

    libraries = library_key(*_LOADING_MODULES)
    return entry_path("yaml", __version__, str(REVISION), libraries, policy, text, suffix=".json")


class LightMark:
    """Where a node starts (0-based, as PyYAML's marks)."""

    __slots__ = ("column", "line")

    def __init__(self, line: int, column: int) -> None:
        self.line = line
        self.column = column


class LightNode:
    """What position lookups read of a PyYAML node: `id` (scalar, sequence, mapping), tag, value (text, a
    list of nodes, or a list of (key, value) node pairs), style and start_mark."""

    __slots__ = ("id", "start_mark", "style", "tag", "value")

    def __init__(self, kind: str, tag: str, style: str | None, line: int, column: int) -> None:
        self.id = kind
        self.tag = tag
        self.value: Any = None
        self.style = style
        self.start_mark = LightMark(line, column)


_KINDS = ("scalar", "sequence", "mapping")


def tree_json(root: Any) -> str:
    """A built node tree as JSON: a list of nodes [kind, tag, style, line, column, value], the root first;
    a collection's value holds node indexes (a node used twice, through an alias, is listed once)."""
    index: dict[int, int] = {}
    nodes: list[list[Any]] = []
    pending = [root]
    position = 0
    while position < len(pending):  # breadth first, iteratively: nesting depth never reaches the stack
        node = pending[position]
        position += 1
        if id(node) in index:
            continue
        index[id(node)] = len(nodes)
        nodes.append([node.id, node.tag, getattr(node, "style", None), node.start_mark.line,
                      node.start_mark.column, node.value])  # fmt: skip
        if node.id == "sequence":
            pending.extend(node.value)
        elif node.id == "mapping":
            pending.extend(item for pair in node.value for item in pair)
    for entry in nodes:
        if entry[0] == "sequence":
            entry[5] = [index[id(child)] for child in entry[5]]
        elif entry[0] == "mapping":
            entry[5] = [[index[id(key)], index[id(value)]] for key, value in entry[5]]
    return json.dumps(nodes, ensure_ascii=False, separators=(",", ":"))


def light_tree(text: str) -> LightNode | None:
    """The tree `tree_json` wrote, as LightNodes; None when the text is not one.

    Built once per text in a process (an org-wide scan asks positions in the same suites and prompts in
    every repo): the nodes are only ever read, so every load of that text shares them."""
    known = _light_trees.get(text)
    if known is None:
        known = _build_light_tree(text)
        if known is not None and len(text) <= _LIGHT_MAX_CHARS:
            _light_trees.keep(text, known)
    return known


_LIGHT_ENTRIES = 256
_light_trees: BoundedMemo[str, LightNode] = BoundedMemo(_LIGHT_ENTRIES)
_LIGHT_MAX_CHARS = 1024 * 1024


def _build_light_tree(text: str) -> LightNode | None:
    try:
        raw = json.loads(text)
        nodes = [LightNode(kind, tag, style, line, column) for kind, tag, style, line, column, _ in raw]
        for node, entry in zip(nodes, raw, strict=True):
            value = entry[5]
            if node.id == "scalar":
                node.value = str(value)
            elif node.id == "sequence":
                node.value = [nodes[i] for i in value]
            elif node.id == "mapping":
                node.value = [(nodes[k], nodes[v]) for k, v in value]
            else:
                return None
        return nodes[0] if nodes else None
    except (ValueError, TypeError, IndexError, KeyError):
        return None


def recall(text: str, policy: str) -> tuple[bool, Any, str | None]:
    """(True, the data `text` loaded as under `policy`, its tree as JSON or None for an empty document)
    when remembered, else (False, None, None)."""
    if len(text) > MAX_CHARS:
        return False, None, None
    try:
        with open(_entry(text, policy), encoding="utf-8") as handle:
            kept = json.loads(handle.read())
    except (OSError, ValueError):
        return False, None, None
    if not isinstance(kept, dict) or set(kept) != {"data", "tree"}:
        return False, None, None
    if not isinstance(kept["tree"], (str, type(None))):
        return False, None, None
    return True, kept["data"], kept["tree"]


def remember(text: str, policy: str, data: Any, root: Any) -> None:
    """Keep what a clean load of `text` built: its data and node tree (best effort: a read-only cache only
    costs speed)."""
    if len(text) > MAX_CHARS:
        return
    try:
        tree = None if root is None else tree_json(root)
        encoded = json.dumps({"data": data, "tree": tree}, ensure_ascii=False, allow_nan=False)
        if json.loads(encoded)["data"] != data:
            return
    except (TypeError, ValueError, RecursionError, AttributeError):
        return
    from platform_cli.usercache import keep

    keep(_entry(text, policy), encoded)
