"""usercache.keep: the one writer of user-cache entries (YAML loads, rule files, verdicts)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from platform_cli.usercache import keep


def test_an_entry_is_written_whole_in_a_private_directory(tmp_path: Path) -> None:
    entry = tmp_path / "cache" / "yaml" / "ab" / "cdef.json"
    assert keep(str(entry), '{"data": 1}')
    assert entry.read_text(encoding="utf-8") == '{"data": 1}'
    assert stat.S_IMODE(entry.parent.stat().st_mode) & 0o077 == 0
    assert sorted(os.listdir(entry.parent)) == ["cdef.json"]  # no temporary file left beside it


def test_a_cache_that_cannot_be_written_costs_nothing_but_the_entry(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file-where-the-cache-would-be"
    blocked.write_text("not a directory\n")
    assert not keep(str(blocked / "rules" / "x.json"), "{}")
    assert blocked.read_text() == "not a directory\n"


def test_text_utf8_cannot_hold_writes_nothing_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    entry = tmp_path / "verdicts" / "x.json"
    assert not keep(str(entry), '{"message": "\udcff"}')  # a lone surrogate, from an escape in a file
    assert not entry.exists()
    assert os.listdir(entry.parent) == []
