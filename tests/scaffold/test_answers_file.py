"""A hostile or careless answers file is bad input (exit 2, file:line), never minutes of CPU, gigabytes,
an internal error, or silently accepted data. Each case here did one of those before."""

from __future__ import annotations

from pathlib import Path

import pytest

from platform_cli.cli.main import run


def _laughs(levels: int) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


BASE = "name: Support Summarizer\neval_owner: jane.doe@example.com\n"


@pytest.mark.parametrize(
    ("content", "line", "needle"),
    [
        ("name: x\n" + _laughs(9), 1, "aliases expand to more than"),  # 464 bytes: 85 s and 3.1 GB before
        ("name: x\n" + _laughs(7), 1, "aliases expand to more than"),  # a 34 MB error message before
        (BASE + "name: Again\n", 3, "duplicate key 'name'"),  # silently accepted before
        (BASE + "soak_days: !!int x\n", 3, "'x' is not an integer"),
        (BASE + "monthly_budget_usd: !!float x\n", 3, "'x' is not a number"),
        (BASE + "monthly_budget_usd: .nan\n", 3, "not a finite number"),
        (BASE + "soak_days: " + "9" * 5000 + "\n", 3, "more than 64 characters"),
        (BASE + "segments: " + "[" * 2000 + "]" * 2000 + "\n", 3, "nest"),
        (BASE + "name: !!binary aGk=\n", 3, "!!binary is not allowed"),
        (b"name: caf\xe9\n", 1, "not UTF-8"),
        ("- a\n- list\n", 1, "must be a mapping"),
        (BASE + "soak_days: 99999999999999999999\n", 3, "64 bits"),
    ],
)
def test_bad_answers_files_are_located_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | bytes, line: int, needle: str
) -> None:
    answers = tmp_path / "answers.yml"
    if isinstance(content, bytes):
        answers.write_bytes(content)
    else:
        answers.write_text(content, encoding="utf-8")
    code = run(
        ["scaffold", "new-ai-feature", str(tmp_path / "out"), "--defaults", "--answers-file", str(answers)]
    )
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"answers.yml:{line}" in err and needle in err, err
    assert len(err) < 5000  # an alias bomb is refused by its alias count, not expanded into the message
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ("name:\n", "name"),  # an empty name: exit 3 before
        ("segments: 2025-13-01\n", "segments"),  # a timestamp YAML cannot build: exit 3 before
        ("soak_days: 100000\n", "soak_days"),
        ("monthly_budget_usd: 1.0e+300\n", "monthly_budget_usd"),
    ],
)
def test_answers_that_are_wrong_values_name_their_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: str, needle: str
) -> None:
    answers = tmp_path / "answers.yml"
    text = "eval_owner: jane.doe@example.com\n" + (
        "name: Support Summarizer\n" if "name" not in extra else ""
    )
    answers.write_text(text + extra, encoding="utf-8")
    code = run(
        ["scaffold", "new-ai-feature", str(tmp_path / "out"), "--defaults", "--answers-file", str(answers)]
    )
    err = capsys.readouterr().err
    assert code == 2, err
    last_line = len((text + extra).splitlines())
    assert f"answers.yml:{last_line}" in err and needle in err, err
