"""Kept dataclass methods: a class made with the kept code objects is the class `dataclass` would make."""

from __future__ import annotations

import dataclasses
import inspect
import os
import subprocess
import sys
from importlib.util import MAGIC_NUMBER
from pathlib import Path
from typing import Any

import pytest

from platform_cli import dataclass_methods
from platform_cli.keptcode import KeptCodes

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> KeptCodes:
    """Fresh kept codes in a file under tmp_path, and the stdlib's own compiling until a test installs."""
    kept = KeptCodes(str(tmp_path / "dataclass_methods.py"))
    monkeypatch.setattr(dataclass_methods, "KEPT", kept)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.delattr(dataclasses, "exec", raising=False)  # the stdlib's own compiling, whatever ran before
    return kept


def make(kind: str) -> type:
    """A frozen dataclass with defaults, a factory, a keyword-only field and a ClassVar."""
    namespace: dict[str, Any] = {}
    exec(  # the class statement as a module would write it (no __future__ annotations)
        "import dataclasses\n"
        "from typing import ClassVar\n"
        "@dataclasses.dataclass(frozen=True, order=True)\n"
        f"class {kind}:\n"
        "    name: str\n"
        "    size: int = 3\n"
        "    tags: tuple[str, ...] = dataclasses.field(default_factory=tuple)\n"
        "    note: str | None = dataclasses.field(default=None, kw_only=True)\n"
        "    KIND: ClassVar[str] = 'x'\n",
        namespace,
    )
    return namespace[kind]  # type: ignore[no-any-return]


def behaviour(cls: type) -> dict[str, Any]:
    one, two = cls("a"), cls("a", 4, ("t",), note="n")
    try:
        one.name = "b"
        frozen = False
    except dataclasses.FrozenInstanceError:
        frozen = True
    methods = ("__init__", "__repr__", "__eq__", "__hash__", "__lt__", "__setattr__", "__delattr__")
    return {
        "signature": str(inspect.signature(cls)),
        "annotations": {k: str(v) for k, v in cls.__init__.__annotations__.items()},
        "repr": (repr(one), repr(two)),
        "eq": (one == cls("a"), one == two, one < two),
        "hash": hash(one) == hash(cls("a")),
        "frozen": frozen,
        "fields": [(f.name, f.kw_only) for f in dataclasses.fields(cls)],
        "code": {m: getattr(cls, m).__code__.co_code for m in methods},
        "qualnames": {m: getattr(cls, m).__qualname__ for m in methods},
    }


def test_a_class_made_from_kept_code_behaves_as_a_compiled_one(
    codes: KeptCodes, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = behaviour(make("Plain"))  # before install: the stdlib compiles every method
    monkeypatch.setattr(dataclasses, "exec", dataclass_methods._exec, raising=False)
    compiled_now = behaviour(make("Plain"))
    assert compiled_now == expected
    assert codes.pending  # the sources were compiled once and are waiting to be written
    codes.write()
    assert Path(codes.path).read_bytes().startswith(MAGIC_NUMBER)
    # A new process: the file is read and nothing is compiled again.
    fresh = KeptCodes(codes.module_file)
    monkeypatch.setattr(dataclass_methods, "KEPT", fresh)
    compiled: list[str] = []
    real_compile = compile

    def counting(source: str, *args: Any, **kwargs: Any) -> Any:
        compiled.append(source)
        return real_compile(source, *args, **kwargs)

    monkeypatch.setattr(dataclass_methods, "compile", counting, raising=False)
    assert behaviour(make("Plain")) == expected
    assert compiled == [] and fresh.pending == 0


def test_the_cli_keeps_the_methods_of_its_dataclasses(tmp_path: Path) -> None:
    """`platform` installs the hook before its first dataclass; the second run compiles nothing."""
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(tmp_path / "pycache"), "PYTHONPATH": str(REPO)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    probe = (
        "import builtins, sys, dataclasses\n"
        "from platform_cli.cli import main\n"
        "import platform_cli.dataclass_methods as m\n"
        "print(dataclasses.exec is m._exec, len(m.KEPT.read()), m.KEPT.pending)\n"
    )
    first = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    installed, kept, new = first.stdout.split()
    assert installed == "True" and kept == "0" and int(new) > 0
    second = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    assert second.stdout.split() == ["True", new, "0"]
