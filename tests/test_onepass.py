"""onepass: inside a pass a path is resolved once and memo entries live until the pass ends; outside a
pass (or in another thread) nothing is remembered."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from platform_cli.onepass import once, one_pass, resolved


def test_outside_a_pass_every_call_asks_the_file_system(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "a")
    assert resolved(link) == (tmp_path / "a").resolve()
    link.unlink()
    link.symlink_to(tmp_path / "b")
    assert resolved(link) == (tmp_path / "b").resolve()
    made: list[int] = []
    assert [once("anything", "k", lambda: made.append(1) or len(made)) for _ in range(2)] == [1, 2]


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


def test_answers_belong_to_their_pass_and_thread_and_failures_are_not_kept() -> None:
    calls: list[str] = []

    def make(answer: str) -> str:
        calls.append(answer)
        return answer

    seen: list[str] = []
    with one_pass():
        assert once("kind", "key", lambda: make("first")) == "first"
        assert once("kind", "key", lambda: make("second")) == "first"  # the first answer stands
        assert once("other", "key", lambda: make("other")) == "other"  # kinds are apart
        thread = threading.Thread(target=lambda: seen.append(once("kind", "key", lambda: make("thread"))))
        thread.start()
        thread.join()

        def broken() -> str:
            calls.append("broken")
            raise ValueError("no")

        for _ in range(2):
            with pytest.raises(ValueError):
                once("kind", "bad", broken)
    assert seen == ["thread"]  # another thread is outside this pass
    assert calls == ["first", "other", "thread", "broken", "broken"]
    with one_pass():
        assert once("kind", "key", lambda: make("new pass")) == "new pass"
