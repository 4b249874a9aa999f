"""Remembered YAML loads: a later run gets the same data and the same positions without parsing."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from platform_cli import yamlbuild, yamlfile, yamlmemo
from platform_cli.errors import InvalidFile
from platform_cli.yamlfile import LoadedYaml, load_yaml

REPO = Path(__file__).resolve().parents[1]

DOCUMENT = """\
# a comment
defaults: &defaults
  owner: team-a
  tags: [a, "b", 'c']
service:
  <<: *defaults
  name: summarizer
  empty:
  nothing: ~
  text: |
    two
    lines
  items:
    - name: one
      size: 1
    - {name: two, size: 2.5}
    -
    - *defaults
flag: true
"""


def paths(data: Any, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from paths(value, (*prefix, index))


def positions(loaded: LoadedYaml) -> dict[tuple[str | int, ...], Any]:
    found: dict[tuple[str | int, ...], Any] = {}
    for path in [
        *paths(loaded.data),
        ("service", "missing"),
        ("service", "items", 9),
        ("service", "items", -1),
    ]:
        problem = loaded.problem(path, "m", at_key=True)
        found[path] = (loaded.locate(path), loaded.position(path), loaded.key_position(path), problem.line,
                       problem.column)  # fmt: skip
    return found


def fresh_process() -> None:
    """What a new process starts with: nothing parsed in memory."""
    yamlfile._parsed.clear()
    yamlfile._recalled.clear()


@pytest.fixture(autouse=True)
def _nothing_parsed_yet() -> Iterator[None]:
    fresh_process()
    yield
    fresh_process()


def test_a_remembered_load_has_the_same_data_and_positions(tmp_path: Path) -> None:
    path = tmp_path / "doc.yaml"
    path.write_text(DOCUMENT, encoding="utf-8")
    parsed = load_yaml(path)
    assert parsed.root is not None  # parsed now
    fresh_process()
    remembered = load_yaml(path)
    assert remembered.root is None and remembered.yaml_text == DOCUMENT  # not parsed: from the user cache
    assert remembered.data == parsed.data
    assert positions(remembered) == positions(parsed)
    assert remembered.data["service"]["owner"] == "team-a"  # merge keys as in the parse
    # PyYAML's own nodes, for a caller that edits the file
    tree = remembered.node_tree()
    assert isinstance(tree, yaml.MappingNode)
    assert positions(remembered) == positions(parsed)


def test_callers_own_their_copy_of_remembered_data(tmp_path: Path) -> None:
    path = tmp_path / "doc.yaml"
    path.write_text(DOCUMENT, encoding="utf-8")
    load_yaml(path)
    fresh_process()
    first = load_yaml(path)
    first.data["service"]["name"] = "changed"
    fresh_process()
    assert load_yaml(path).data["service"]["name"] == "summarizer"


def test_a_text_with_a_problem_is_never_remembered(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("a: 1\na: 2\n", encoding="utf-8")
    for _ in range(2):
        fresh_process()
        with pytest.raises(InvalidFile, match="duplicate key 'a'"):
            load_yaml(path)
    assert not list((Path(os.environ["XDG_CACHE_HOME"]) / "platform-cli").rglob("yaml/*/*.json"))


def test_another_loading_policy_never_reads_a_remembered_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("a: {b: {c: {d: 1}}}\n", encoding="utf-8")
    load_yaml(path)
    fresh_process()
    monkeypatch.setattr(yamlbuild, "MAX_DEPTH", 2)
    with pytest.raises(InvalidFile, match="nested more than"):
        load_yaml(path)


@pytest.mark.parametrize(
    "damage", ["", "not json", '{"data": 1}', '{"data": 1, "tree": 5}', '{"data": 1, "tree": "[1]"}']
)
def test_a_damaged_entry_only_means_parse(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "doc.yaml"
    path.write_text(DOCUMENT, encoding="utf-8")
    expected = load_yaml(path)
    entry = Path(yamlmemo._entry(DOCUMENT, yamlfile._policy()))
    assert entry.is_file()
    entry.write_text(damage, encoding="utf-8")
    fresh_process()
    loaded = load_yaml(path)
    if loaded.root is None:  # a well-formed entry with a tree that does not rebuild: composed from the text
        assert loaded.data == 1
        assert loaded.line_of(()) == 2  # the document's first node, from the text itself
    else:
        assert loaded.data == expected.data
        assert positions(loaded) == positions(expected)


def test_data_the_cache_cannot_hold_is_not_kept() -> None:
    """A lone surrogate (which libyaml's escapes refuse, but a pure-Python parse might build) cannot be
    written as UTF-8: keeping it is skipped, never an error."""
    yamlmemo.remember("odd: x\n", "policy", {"odd": "\ud800"}, None)
    assert yamlmemo.recall("odd: x\n", "policy") == (False, None, None)


def test_a_process_reads_a_remembered_text_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "doc.yaml"
    path.write_text(DOCUMENT, encoding="utf-8")
    load_yaml(path)
    fresh_process()
    reads: list[str] = []
    real = yamlmemo.recall
    monkeypatch.setattr(yamlmemo, "recall", lambda text, policy: reads.append(text) or real(text, policy))
    first, second = load_yaml(path), load_yaml(path, display="other.yaml")
    assert len(reads) == 1  # an org-wide scan meets the same template files in every repo
    assert first.data == second.data and first.data is not second.data
    assert second.problem(("service", "name"), "m").file == "other.yaml"


def test_the_light_tree_keeps_shared_nodes_shared() -> None:
    root = yaml.compose("a: &x [1, 2]\nb: *x\nc: *x\n")
    assert root is not None
    light = yamlmemo.light_tree(yamlmemo.tree_json(root))
    assert light is not None
    (_, a), (_, b), (_, c) = light.value
    assert a is b is c and [n.value for n in a.value] == ["1", "2"]


def test_a_warm_readiness_run_imports_no_yaml(tmp_path: Path) -> None:
    """A second load of the same files in a new process reads the user cache, never PyYAML."""
    path = tmp_path / "doc.yaml"
    path.write_text(DOCUMENT, encoding="utf-8")
    probe = (
        "import sys\n"
        "from pathlib import Path\n"
        "from platform_cli.yamlfile import load_yaml\n"
        f"loaded = load_yaml(Path({str(path)!r}))\n"
        "print(loaded.line_of(('service', 'items', 1, 'size')), 'yaml' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    runs = [
        subprocess.run(
            [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
        ).stdout
        for _ in range(2)
    ]
    assert runs == ["16 True\n", "16 False\n"]


def test_a_light_tree_is_built_once_per_text_and_a_damaged_one_never_kept() -> None:
    text = yamlmemo.tree_json(yaml.compose("a: [1, 2]\nb: {c: d}\n"))
    first = yamlmemo.light_tree(text)
    assert first is not None and yamlmemo.light_tree(text) is first
    damaged = '[["scalar","tag:yaml.org,2002:str",null,0,0]]'
    assert yamlmemo.light_tree(damaged) is None
    assert damaged not in yamlmemo._light_trees
