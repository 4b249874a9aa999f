"""Kept code objects (platform_cli/keptcode.py): compiled once, read back only when sound, kept like .pyc."""

from __future__ import annotations

import marshal
import sys
import types
from collections.abc import Callable
from importlib.util import MAGIC_NUMBER
from pathlib import Path

import pytest

from platform_cli import keptcode
from platform_cli.keptcode import KeptCodes


@pytest.fixture
def kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> KeptCodes:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    return KeptCodes(str(tmp_path / "pkg" / "module.py"))


def compiler(calls: list[str], source: str) -> Callable[[], types.CodeType]:
    def make() -> types.CodeType:
        calls.append(source)
        return compile(source, "<string>", "exec")

    return make


def run(code: types.CodeType) -> object:
    namespace: dict[str, object] = {}
    exec(code, namespace)
    return namespace["value"]


def test_a_key_compiles_once_and_a_later_process_reads_the_code_back(kept: KeptCodes) -> None:
    calls: list[str] = []
    first = kept.code("k1", compiler(calls, "value = 6 * 7"))
    again = kept.code("k1", compiler(calls, "value = 6 * 7"))
    assert run(first) == run(again) == 42 and calls == ["value = 6 * 7"]
    kept.write()
    path = Path(kept.path)
    assert path.parent.name == "__pycache__" and path.name.startswith("module.") and path.suffix == ".codes"
    assert path.read_bytes().startswith(MAGIC_NUMBER)
    later = KeptCodes(kept.module_file)
    assert run(later.code("k1", compiler(calls, "value = 0"))) == 42  # the kept code, not a new compile
    assert calls == ["value = 6 * 7"] and later.pending == 0
    assert run(later.code("k2", compiler(calls, "value = 1"))) == 1  # another key compiles
    later.write()
    assert set(KeptCodes(kept.module_file).read()) == set(later.read()) and len(later.read()) == 2


def test_a_damaged_or_foreign_file_only_means_compile(kept: KeptCodes) -> None:
    path = Path(kept.path)
    path.parent.mkdir(parents=True)
    for content in (
        b"",
        b"garbage",
        MAGIC_NUMBER + b"\x00\x01",
        b"\x00\x00\r\n" + marshal.dumps({}),
        MAGIC_NUMBER,
    ):
        path.write_bytes(content)
        assert KeptCodes(kept.module_file).read() == {}
    path.write_bytes(MAGIC_NUMBER + marshal.dumps({"k": "not bytes", 1: b"x"}))
    assert KeptCodes(kept.module_file).read() == {}
    # an entry that does not unmarshal to a code object is compiled again
    import hashlib

    digest = hashlib.sha256(b"k").hexdigest()
    path.write_bytes(MAGIC_NUMBER + marshal.dumps({digest: b"not marshal", "x": marshal.dumps(5)}))
    calls: list[str] = []
    fresh = KeptCodes(kept.module_file)
    assert run(fresh.code("k", compiler(calls, "value = 3"))) == 3 and calls == ["value = 3"]


def test_nothing_is_written_when_bytecode_writing_is_off(
    kept: KeptCodes, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept.code("k", compiler([], "value = 1"))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    kept.write()
    assert not Path(kept.path).exists() and kept.pending == 1


def test_a_directory_that_cannot_be_made_leaves_no_file_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    (tmp_path / "pkg").write_text("a file where the package directory would be\n")
    kept = KeptCodes(str(tmp_path / "pkg" / "module.py"))
    kept.code("k", compiler([], "value = 1"))
    kept.write()  # no exception: best effort
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pkg"]


def test_the_file_is_bounded(kept: KeptCodes, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keptcode, "MAX_ENTRIES", 3)
    for n in range(3):
        kept.code(f"k{n}", compiler([], f"value = {n}"))
    kept.write()
    later = KeptCodes(kept.module_file)
    later.code("k-new", compiler([], "value = 9"))
    later.write()  # 3 kept + 1 new is past the bound: the file starts again from this run's
    assert len(KeptCodes(kept.module_file).read()) == 1
