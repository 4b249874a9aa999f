"""atomic_write_text: content, permissions like a plain open(), explicit modes, no leftovers on failure."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from platform_cli.fsutil import atomic_write_text


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_file_gets_what_a_plain_open_would(tmp_path: Path, umask_022: None) -> None:
    target = tmp_path / "out" / "readiness.sarif"
    atomic_write_text(target, "{}\n")
    assert target.read_text() == "{}\n"
    assert mode_of(target) == 0o644  # not mkstemp's 0o600: CI artifact upload must read it
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    assert mode_of(target) == mode_of(plain)
    assert sorted(p.name for p in target.parent.iterdir()) == ["readiness.sarif"]  # no temp left


def test_the_umask_still_applies(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        atomic_write_text(tmp_path / "private.txt", "x")
    finally:
        os.umask(old)
    assert mode_of(tmp_path / "private.txt") == 0o600


def test_explicit_mode_wins(tmp_path: Path, umask_022: None) -> None:
    target = tmp_path / ".env"
    atomic_write_text(target, "KEY=value\n", mode=0o600)
    assert mode_of(target) == 0o600


def test_existing_file_keeps_its_mode(tmp_path: Path, umask_022: None) -> None:
    target = tmp_path / "report.json"
    target.write_text("old")
    target.chmod(0o640)
    atomic_write_text(target, "new")
    assert target.read_text() == "new"
    assert mode_of(target) == 0o640


def test_failure_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "a-directory"
    (target / "child").mkdir(parents=True)
    with pytest.raises(OSError):
        atomic_write_text(target, "cannot replace a non-empty directory")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-directory"]


def test_a_secret_is_never_written_to_a_more_readable_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, umask_022: None
) -> None:
    seen: list[int] = []
    real_fdopen = os.fdopen

    def spying_fdopen(fd: int, *args: object, **kwargs: object) -> object:
        seen.append(stat.S_IMODE(os.fstat(fd).st_mode))  # the temp file's mode before any text is in it
        return real_fdopen(fd, *args, **kwargs)  # type: ignore[call-overload]

    # A spy, not a mock: the real fdopen runs; only the mode at that moment is recorded.
    monkeypatch.setattr(os, "fdopen", spying_fdopen)
    atomic_write_text(tmp_path / ".env", "KEY=value\n", mode=0o600)
    assert seen == [0o600]
