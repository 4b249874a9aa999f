"""onepass: inside a pass a path is resolved once and memo entries live until the pass ends; outside a
pass (or in another thread) nothing is remembered."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from platform_cli.onepass import memo, one_pass, resolved


def test_outside_a_pass_every_call_asks_the_file_system(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "a")
    assert resolved(link) == (tmp_path / "a").resolve()
    link.unlink()
    link.symlink_to(tmp_path / "b")
    assert resolved(link) == (tmp_path / "b").resolve()
    assert memo("anything") is None


def test_inside_a_pass_the_first_answer_stands_until_the_pass_ends(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "a")
    with one_pass():
        assert resolved(link) == (tmp_path / "a").resolve()
        link.unlink()
        link.symlink_to(tmp_path / "b")
        assert resolved(link) == (tmp_path / "a").resolve()  # one snapshot per pass
        with one_pass():  # a nested pass starts afresh and leaves the outer one as it was
            assert resolved(link) == (tmp_path / "b").resolve()
        assert resolved(link) == (tmp_path / "a").resolve()
    assert resolved(link) == (tmp_path / "b").resolve()


def test_a_relative_path_is_never_remembered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "one" / "x").mkdir(parents=True)
    (tmp_path / "two" / "x").mkdir(parents=True)
    with one_pass():
        monkeypatch.chdir(tmp_path / "one")
        assert resolved(Path("x")) == (tmp_path / "one" / "x").resolve()
        monkeypatch.chdir(tmp_path / "two")
        assert resolved(Path("x")) == (tmp_path / "two" / "x").resolve()


def test_memo_entries_belong_to_their_pass_and_thread() -> None:
    seen: list[object] = []
    with one_pass():
        entries = memo("kind")
        assert entries is not None
        entries["key"] = "value"
        assert memo("kind") == {"key": "value"}
        assert memo("other") == {}
        thread = threading.Thread(target=lambda: seen.append(memo("kind")))
        thread.start()
        thread.join()
    assert seen == [None]
    with one_pass():
        assert memo("kind") == {}
