"""Readiness annotations written into catalog-info.yaml: values change, everything else stays as written."""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path

import pytest
import yaml

from platform_cli.backstage.annotate import (
    CHECKED_AT,
    FAILING,
    LEVEL,
    readiness_annotations,
    set_annotations,
    write_annotations,
)
from platform_cli.backstage.entity import entity_problems, load_entity
from platform_cli.errors import UserError

WHEN = dt.datetime(2026, 11, 27, 9, 30, 5, 123456, tzinfo=dt.timezone.utc)
VALUES = readiness_annotations("silver", ["soak-window", "model-pinned", "soak-window"], WHEN)

COMMENTED = """\
# The catalog entry. Keep it in step with ai-feature.yaml.
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: support-summarizer   # the slug
  annotations:
    # where the manifest is
    platform.dev/manifest: ai-feature.yaml
    backstage.io/techdocs-ref: 'dir:.'  # docs live next to the code

  tags: [ai-feature]
spec:
  type: service
  lifecycle: experimental
  owner: team-support-ai
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "catalog-info.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _changed_lines(before: str, after: str) -> list[str]:
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def test_values_are_the_level_a_utc_time_and_sorted_unique_rule_ids() -> None:
    assert VALUES == {
        LEVEL: "silver",
        CHECKED_AT: "2026-11-27T09:30:05Z",
        FAILING: "model-pinned,soak-window",
    }
    assert readiness_annotations(None, [], WHEN)[LEVEL] == "none"
    assert readiness_annotations(None, [], WHEN)[FAILING] == ""


def test_new_annotations_are_added_as_lines_and_comments_stay(tmp_path: Path) -> None:
    path = _write(tmp_path, COMMENTED)
    assert write_annotations(path, VALUES)
    after = path.read_text()
    assert _changed_lines(COMMENTED, after) == [
        '+    platform.dev/readiness-level: "silver"',
        '+    platform.dev/readiness-checked-at: "2026-11-27T09:30:05Z"',
        '+    platform.dev/readiness-failing: "model-pinned,soak-window"',
    ]
    assert (
        "backstage.io/techdocs-ref: 'dir:.'  # docs live next to the code\n    platform.dev/readiness"
        in after
    )
    assert entity_problems(load_entity(path)) == []


def test_annotating_again_replaces_values_in_place(tmp_path: Path) -> None:
    path = _write(tmp_path, COMMENTED)
    write_annotations(path, VALUES)
    first = path.read_text()
    later = readiness_annotations("gold", [], WHEN + dt.timedelta(days=1))
    assert write_annotations(path, later)
    second = path.read_text()
    assert _changed_lines(first, second) == [
        '-    platform.dev/readiness-level: "silver"',
        '-    platform.dev/readiness-checked-at: "2026-11-27T09:30:05Z"',
        '-    platform.dev/readiness-failing: "model-pinned,soak-window"',
        '+    platform.dev/readiness-level: "gold"',
        '+    platform.dev/readiness-checked-at: "2026-11-28T09:30:05Z"',
        '+    platform.dev/readiness-failing: ""',
    ]
    assert not write_annotations(path, later)  # nothing to change: the file is not rewritten


@pytest.mark.parametrize(
    ("annotations", "expected_data"),
    [
        ("", {}),  # no annotations key at all
        ("  annotations:\n", {}),  # an empty (null) annotations
        ("  annotations: {}\n", {}),
        ("  annotations: {a.example/x: 'y'}\n", {"a.example/x": "y"}),
        ("  annotations:\n    a.example/doc: |\n      two\n      lines\n", {"a.example/doc": "two\nlines\n"}),
    ],
)
def test_every_shape_of_annotations_gets_the_values(
    tmp_path: Path, annotations: str, expected_data: dict[str, str]
) -> None:
    text = (
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\n"
        + annotations
        + "spec:\n  type: service\n  lifecycle: experimental\n  owner: team-x\n"
    )
    path = _write(tmp_path, text)
    write_annotations(path, VALUES)
    data = yaml.safe_load(path.read_text())
    assert data["metadata"]["annotations"] == {**expected_data, **VALUES}
    assert data["spec"] == {"type": "service", "lifecycle": "experimental", "owner": "team-x"}
    assert entity_problems(load_entity(path)) == []


def test_a_block_scalar_value_is_replaced_without_eating_the_next_line(tmp_path: Path) -> None:
    text = COMMENTED.replace(
        "platform.dev/manifest: ai-feature.yaml\n",
        "platform.dev/readiness-failing: >\n      old-rule\n",
    )
    path = _write(tmp_path, text)
    write_annotations(path, VALUES)
    data = yaml.safe_load(path.read_text())
    assert data["metadata"]["annotations"]["platform.dev/readiness-failing"] == "model-pinned,soak-window"
    assert data["metadata"]["annotations"]["backstage.io/techdocs-ref"] == "dir:."
    assert "# where the manifest is" in path.read_text()


def test_a_file_that_cannot_be_annotated_is_left_alone(tmp_path: Path) -> None:
    text = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: x}\nspec: {}\n"
    path = _write(tmp_path, text)
    with pytest.raises(UserError, match="flow mapping"):
        set_annotations(path, VALUES)
    assert path.read_text() == text
    path.write_text("- just\n- a list\n")
    with pytest.raises(UserError, match="no metadata mapping"):
        set_annotations(path, VALUES)
