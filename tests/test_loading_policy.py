"""The one loading policy for YAML and JSON files: bounded, JSON-typed, every refusal located (exit 2).

Each case here ended in an internal error (exit 3), minutes of CPU and gigabytes of memory, or silently
accepted data before the policy existed.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from platform_cli.errors import InvalidFile
from platform_cli.jsonfile import load_json
from platform_cli.yamlfile import MAX_DEPTH, MAX_FILE_BYTES, load_yaml


def yaml_problem(tmp_path: Path, text: str | bytes) -> tuple[int | None, str]:
    path = tmp_path / "f.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidFile) as caught:
        load_yaml(path)
    problem = caught.value.problems[0]
    assert problem.line is not None, problem
    return problem.line, problem.message


def json_problem(tmp_path: Path, text: str | bytes) -> tuple[int | None, str]:
    path = tmp_path / "f.json"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidFile) as caught:
        load_json(path)
    problem = caught.value.problems[0]
    assert problem.line is not None, problem
    return problem.line, problem.message


def laughs(levels: int) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, levels):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"


def test_nested_aliases_are_refused_quickly(tmp_path: Path) -> None:
    text = laughs(9)  # about 460 bytes, 9**9 values when expanded
    assert len(text) < 600
    started = time.perf_counter()
    line, message = yaml_problem(tmp_path, text)
    elapsed = time.perf_counter() - started
    assert "aliases expand to more than" in message
    assert line == 1
    assert elapsed < 5, f"took {elapsed:.1f}s"  # generous on a loaded machine: unbounded, it takes minutes


def test_a_few_aliases_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text(laughs(3), encoding="utf-8")
    data = load_yaml(path).data
    assert len(data["a2"]) == 9 and len(data["a2"][0]) == 9


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("a: 1\nb: !!float x\n", "'x' is not a number"),
        ("a: 1\nb: !!int x\n", "'x' is not an integer"),
        ("a: 1\nb: !!int 1.5\n", "'1.5' is not an integer"),
        ("a: 1\nb: !!bool x\n", "'x' is not true or false"),
        ("a: 1\nb: !!binary aGVsbG8=\n", "!!binary is not allowed"),
        ("a: 1\nb: !!set {x, y}\n", "!!set is not allowed"),
        ("a: 1\nb: !!omap [x: 1]\n", "!!omap is not allowed"),
        ("a: 1\nb: !!python/name:os.system\n", "!!python/name:os.system is not allowed"),
        ("a: 1\nb: !custom x\n", "!custom is not allowed"),
        ("a: 1\nb: !!str [x]\n", "!!str is not allowed"),
        ("a: 1\nb: .nan\n", ".nan is not a finite number"),
        ("a: 1\nb: -.inf\n", "-.inf is not a finite number"),
        ("a: 1\nb: 1.0e+999\n", "1.0e+999 is not a finite number"),
        ("a: 1\nb: 99999999999999999999\n", "too large (integers must fit in 64 bits)"),
        ("a: 1\nb: " + "9" * 5000 + "\n", "more than 64 characters"),
        ("a: 1\nb: 1\nb: 2\n", "duplicate key 'b'"),
        ("a: 1\nb: \x07\n", "control characters are not allowed"),
    ],
)
def test_refusals_are_located_on_their_line(tmp_path: Path, text: str, needle: str) -> None:
    line, message = yaml_problem(tmp_path, text)
    assert needle in message
    assert line in (2, 3)


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    line, message = yaml_problem(tmp_path, b"a: 1\nb: \xff\xfe\n")
    assert (line, message) == (2, "not UTF-8 text (byte 0xff)")


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 975, 5000])
def test_deep_nesting_is_refused(tmp_path: Path, depth: int) -> None:
    flow = "a: " + "[" * depth + "]" * depth + "\n"
    line, message = yaml_problem(tmp_path, flow)
    assert line == 1 and ("nested more than" in message or "nesting depth" in message)
    block = "".join(" " * i + "k:\n" for i in range(min(depth, 1500)))
    _, message = yaml_problem(tmp_path, block)
    assert "nested more than" in message or "nesting depth" in message


def test_depth_through_aliases_is_counted(tmp_path: Path) -> None:
    half = MAX_DEPTH // 2 + 2
    text = "a: &deep " + "[" * half + "]" * half + "\n" + "b: " + "[" * half + "*deep" + "]" * half + "\n"
    line, message = yaml_problem(tmp_path, text)
    assert line == 2 and "nested more than" in message


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(b"# " + b"x" * MAX_FILE_BYTES + b"\n")
    with pytest.raises(InvalidFile, match="larger than"):
        load_yaml(path)


def test_the_json_data_model_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text(
        "on: yes\n1: 0x1F\nd: 2025-13-01\nf: 1_000.5\nn: ~\nt: !!timestamp 2025-01-01\n"
        "base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\ns: !!str 12\ne: !!float 1\n",
        encoding="utf-8",
    )
    data: Any = load_yaml(path).data
    assert data == {
        "on": True,
        "1": 31,
        "d": "2025-13-01",
        "f": 1000.5,
        "n": None,
        "t": "2025-01-01",
        "base": {"x": 1, "y": 2},
        "m": {"x": 1, "y": 3},
        "s": "12",
        "e": 1.0,
    }


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ('{\n "a": 1,\n "a": 2\n}', 3, 'duplicate key "a"'),
        ('{\n "a": NaN\n}', 2, "NaN is not a finite number"),
        ('{\n "a": -Infinity\n}', 2, "Infinity is not a finite number"),
        ('{\n "a": 1e999\n}', 2, "1e999 is not a finite number"),
        ('{\n "a": ' + "1" * 5000 + "\n}", 2, "more than 64 characters"),
        ('{\n "a": 99999999999999999999\n}', 2, "too large"),
        ('{\n "a": [1,\n}', 3, "not valid JSON"),
        ("[" * 100 + "]" * 100, 1, "nested more than"),
        ("[" * 100_000 + "]" * 100_000, 1, "nested more than"),
    ],
)
def test_json_refusals_are_located(tmp_path: Path, text: str, line: int, needle: str) -> None:
    assert json_problem(tmp_path, text)[0] == line
    assert needle in json_problem(tmp_path, text)[1]


def test_json_not_utf8_and_fine_json(tmp_path: Path) -> None:
    assert json_problem(tmp_path, b'{"a":\n "\xff"}') == (2, "not UTF-8 text (byte 0xff)")
    path = tmp_path / "ok.json"
    path.write_text('{"a": [1, 2.5, true, null, "x"]}', encoding="utf-8")
    loaded = load_json(path)
    assert loaded.data == {"a": [1, 2.5, True, None, "x"]}
    assert loaded.position(["a", 1]) == (1, 11)
