"""Write annotations into catalog-info.yaml in place, keeping the rest of the file as written.

Only the annotation values (or the lines added for new ones) change: comments, key order, quoting and
blank lines elsewhere stay. Edits are made on the text at the positions the YAML parser reports, the
result is parsed again and compared with what was intended (nothing else may change), then written
atomically. A flow-style `annotations: {...}` is rewritten as one flow mapping (comments inside it go).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from platform_cli.backstage.entity import CATALOG_FILE, load_entity
from platform_cli.errors import InternalError, PlatformError, UserError
from platform_cli.fsutil import atomic_write_text
from platform_cli.yamlfile import load_yaml

PREFIX = "platform.dev/readiness-"
LEVEL = PREFIX + "level"
CHECKED_AT = PREFIX + "checked-at"
FAILING = PREFIX + "failing"


def readiness_annotations(level: str | None, failing: Sequence[str], when: dt.datetime) -> dict[str, str]:
    """The annotations `readiness check --annotate` writes: reached level, UTC time, failing rule ids."""
    stamp = when.astimezone(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return {LEVEL: level or "none", CHECKED_AT: stamp, FAILING: ",".join(sorted(set(failing)))}


def set_annotations(path: Path, values: Mapping[str, str], *, display: str = CATALOG_FILE) -> str:
    """The text of `path` with `values` set under metadata.annotations (not written)."""
    entity = load_entity(path, display=display)
    text = path.read_text(encoding="utf-8-sig")
    root = entity.loaded.node_tree()
    metadata = _child(root, "metadata")
    if not isinstance(metadata, yaml.MappingNode):
        raise UserError(f"{display}: no metadata mapping to annotate (is it a Backstage entity?)")
    new_text = _edit(text, metadata, entity.annotations, values, display)
    _verify(path, entity.loaded.data, new_text, values, display)
    return new_text


def write_annotations(path: Path, values: Mapping[str, str], *, display: str = CATALOG_FILE) -> bool:
    """Set `values` under metadata.annotations in `path`; False when the file already says exactly that."""
    new_text = set_annotations(path, values, display=display)
    if new_text == path.read_text(encoding="utf-8-sig"):
        return False
    atomic_write_text(path, new_text)
    return True


def _child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for k, v in reversed(node.value):
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            found: yaml.Node = v
            return found
    return None


def _scalar(value: str) -> str:
    return json.dumps(value)  # a JSON string is a YAML double-quoted scalar


def _flow(entries: Mapping[str, Any]) -> str:
    return "{" + ", ".join(f"{_scalar(str(k))}: {_scalar(str(v))}" for k, v in entries.items()) + "}"


def _edit(
    text: str, metadata: yaml.MappingNode, current: Mapping[str, Any], values: Mapping[str, str], display: str
) -> str:
    annotations = _child(metadata, "annotations")
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) on the original text
    if annotations is None:
        if metadata.flow_style:
            raise UserError(
                f"{display}: metadata is a flow mapping ({{...}}); write it as a block to annotate"
            )
        indent = " " * metadata.value[0][0].start_mark.column
        block = f"{indent}annotations:\n" + "".join(
            f"{indent}  {k}: {_scalar(v)}\n" for k, v in values.items()
        )
        edits.append(_insert_after(text, metadata.value[-1][1], block))
    elif isinstance(annotations, yaml.MappingNode) and not annotations.flow_style and annotations.value:
        existing = {k.value: v for k, v in annotations.value if isinstance(k, yaml.ScalarNode)}
        indent = " " * annotations.value[0][0].start_mark.column
        added = ""
        for key, value in values.items():
            node = existing.get(key)
            if node is None:
                added += f"{indent}{key}: {_scalar(value)}\n"
                continue
            start, end = node.start_mark.index, node.end_mark.index
            keep_newline = text[start:end].endswith("\n")  # block scalars end after their newline
            edits.append((start, end, _scalar(value) + ("\n" if keep_newline else "")))
        if added:
            edits.append(_insert_after(text, annotations.value[-1][1], added))
    else:  # `annotations: {...}`, `annotations: {}` or an empty `annotations:`
        start, end = annotations.start_mark.index, annotations.end_mark.index
        lead = " " if start == end and not text[start - 1 : start].isspace() else ""
        edits.append((start, end, lead + _flow({**current, **values})))
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _insert_after(text: str, last_value: yaml.Node, block: str) -> tuple[int, int, str]:
    """An insertion of whole lines `block` after the line where `last_value` ends (its comment kept)."""
    end = last_value.end_mark.index
    if end > 0 and text[end - 1] == "\n":
        return end, end, block
    newline = text.find("\n", end)
    if newline < 0:
        return len(text), len(text), "\n" + block.rstrip("\n")
    return newline + 1, newline + 1, block


def _verify(path: Path, before: Any, new_text: str, values: Mapping[str, str], display: str) -> None:
    """The edited text must parse to the old data with exactly `values` set; anything else is our bug."""
    try:
        after = load_yaml(path, display=display, text=new_text, what="catalog entity").data
    except PlatformError as error:
        raise InternalError(
            f"{display}: annotating produced invalid YAML ({error}); the file is unchanged"
        ) from None
    expected = copy.deepcopy(before)
    expected.setdefault("metadata", {})
    if not isinstance(expected["metadata"].get("annotations"), dict):
        expected["metadata"]["annotations"] = {}
    expected["metadata"]["annotations"].update(values)
    if after != expected:
        raise InternalError(f"{display}: annotating would change more than the annotations; file unchanged")
