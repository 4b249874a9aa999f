"""Suites and datasets: every problem located at file:line (a JSONL row by its line number), exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eval_repos import generated, write_dataset, write_suite

from platform_cli.cli.main import run
from platform_cli.errors import InvalidFile
from platform_cli.evals.datasets import Dataset, _plainly_valid, _row_problems


@pytest.fixture(scope="module")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated(tmp_path_factory.mktemp("files") / "repo")


def _problems(path: Path) -> list[str]:
    with pytest.raises(InvalidFile) as bad:
        Dataset(path, "evals/datasets/x.jsonl").check()
    return [p.render() for p in bad.value.problems]


def test_bad_rows_are_reported_by_their_line_number(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(
        '{"id": "a", "input": {"t": 1}}\n'
        "\n"
        '{"id": "b", "input": "not an object"}\n'
        '{"id": "c", "input": {}, "segmnt": "billing"}\n'
        "{not json}\n"
        '{"id": "a", "input": {}}\n'
        '{"id": "d", "input": {}, "expected": NaN}\n'
        '{"id": "e", "id": "f", "input": {}}\n'
    )
    problems = _problems(path)
    assert problems[0].startswith(
        "evals/datasets/x.jsonl:3: $.input: 'not an object' is not of type 'object'"
    )
    assert problems[1].startswith("evals/datasets/x.jsonl:4: $: Additional properties are not allowed")
    assert problems[2].startswith("evals/datasets/x.jsonl:5:2: not valid JSON")
    assert problems[3].startswith(
        "evals/datasets/x.jsonl:6: $.id: duplicate case id 'a' (first on evals/datasets/x.jsonl:1)"
    )
    # the platform's JSON loading policy (platform_cli.jsonfile), located at line and column
    assert problems[4].startswith("evals/datasets/x.jsonl:7:38: NaN is not a finite number")
    assert problems[5].startswith('evals/datasets/x.jsonl:8:13: duplicate key "id"')


def test_the_fast_row_check_never_accepts_what_the_schema_refuses() -> None:
    rows: list[object] = [
        {"id": "a", "input": {}}, {"id": "", "input": {}}, {"id": "a", "input": []}, {"id": 1, "input": {}},
        {"id": "a", "input": {}, "segment": "Billing"}, {"id": "a", "input": {}, "segment": None},
        {"id": "a", "input": {}, "tags": ["x", ""]}, {"id": "a", "input": {}, "tags": ["x"] * 51},
        {"id": "a", "input": {}, "extra": 1}, {"id": "x" * 201, "input": {}}, [], "row",
        {"id": "a", "input": {}, "expected": {"k": [1, 2]}, "segment": "billing", "tags": ["smoke"]},
    ]  # fmt: skip
    for row in rows:
        if _plainly_valid(row):
            assert _row_problems(row, "x", 1) == [], row


def test_suite_problems_are_located_and_exit_2(template_repo: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    write_suite(template_repo, "broken", (
        "name: broken\nprompt: summarize\ndataset: ../outside.jsonl\nsegments: [nowhere]\n"
        "scorers:\n  - {type: exakt}\n  - {type: latency}\n  - {type: json-schema}\n"
    ))  # fmt: skip
    try:
        code = run(["--repo", str(template_repo), "eval", "run", "broken", "--dry-run"])
    finally:
        (template_repo / "evals/suites/broken.yaml").unlink()
    err = capsys.readouterr().err
    assert code == 2
    assert "evals/suites/broken.yaml:3:10: $.dataset: '../outside.jsonl' is outside the repository" in err
    assert "evals/suites/broken.yaml:4:" in err and "nowhere" in err
    unknown = "evals/suites/broken.yaml:6:12: $.scorers[0].type: unknown scorer type 'exakt'"
    assert f"{unknown} (did you mean 'exact'?)" in err


def test_undeclared_segment_in_a_dataset_is_located(
    template_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_suite(template_repo, "seg", "name: seg\nprompt: summarize\ndataset: evals/datasets/seg.jsonl\n"
                "scorers: [{type: refusal}]\nsegments: [billing]\n")  # fmt: skip
    rows = [{"id": "1", "input": {"ticket": "t", "segment": "billing"}, "segment": "billing"},
            {"id": "2", "input": {"ticket": "t", "segment": "billing"}, "segment": "payments"}]  # fmt: skip
    write_dataset(template_repo, "seg", rows)
    try:
        code = run(["--repo", str(template_repo), "eval", "run", "seg", "--dry-run", "--format", "json"])
    finally:
        (template_repo / "evals/suites/seg.yaml").unlink()
    err = capsys.readouterr().err
    assert code == 2
    assert "evals/datasets/seg.jsonl:2: $.segment: segment 'payments' is not declared in spec.segments" in err


def test_dry_run_checks_everything_and_calls_nothing(
    template_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(["--repo", str(template_repo), "eval", "run", "smoke", "--dry-run", "--format", "json"])
    plan = json.loads(capsys.readouterr().out)
    assert code == 0 and plan["dry_run"] is True
    assert plan["datasets"] == {"evals/datasets/smoke.jsonl": 10}
    assert not (template_repo / ".platform").exists()  # no store, no run file


def test_segment_counts_are_checks_counts_and_a_clean_content_is_parsed_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The readiness fact counts cases per segment of every repo's datasets; an org-wide scan meets the same
    template datasets in each, so a content checked clean in this process is hashed, not parsed again."""
    from platform_cli.evals import datasets

    rows = ['{"id": "a", "input": {}, "segment": "billing"}', '{"id": "b", "input": {}}']
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text("\n".join(rows) + "\n")
    second.write_text("\n\n".join(rows) + "\r\n")  # other blank lines and line ends, the same rows
    assert Dataset(first, "a.jsonl").segment_counts() == Dataset(first, "a.jsonl").check().per_segment
    assert Dataset(first, "a.jsonl").segment_counts() == {"billing": 1, None: 1}
    parsed: list[int] = []
    real_parse = datasets.parse_row
    monkeypatch.setattr(
        datasets, "parse_row", lambda raw, shown, line: parsed.append(line) or real_parse(raw, shown, line)
    )
    assert Dataset(second, "b.jsonl").segment_counts() == {"billing": 1, None: 1}
    assert parsed == []
    first.write_text(rows[0] + "\n")  # another content is parsed; a bad one raises its problems every time
    assert Dataset(first, "a.jsonl").segment_counts() == {"billing": 1}
    assert parsed == [1]
    first.write_text('{"id": "a"}\n')
    for _ in range(2):
        with pytest.raises(InvalidFile, match="input"):
            Dataset(first, "a.jsonl").segment_counts()
