"""Imports point down: every import in platform_cli/ goes to its own package or a lower layer, with no cycles.

LAYERS is the architecture (ARCHITECTURE.md explains it). Every import is read from the source, imports
inside functions included, so a lazy import cannot hide an upward dependency. The unit of a module is its
top-level package (`platform_cli.runtime.chat` -> `runtime`) or top-level module (`yamlfile`).
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import platform_cli

PACKAGE = Path(platform_cli.__file__).resolve().parent

# Lowest first. A unit may import units of its own layer or below, never above (and see the cycle tests).
LAYERS: tuple[tuple[str, ...], ...] = (
    ("__init__", "errors", "fsutil", "resources", "repo", "config", "errorlog", "yamlbuild", "yamlfile",
     "yamlschema", "schemacache", "entrypoints", "jsonfile", "httpclient", "httptransport", "secretvalue",
     "lazynames", "clock", "dataclass_methods", "keptcode", "jinjacode", "usercache", "yamlmemo",
     "onepass", "boundedmemo", "interrupts"),
    ("manifest", "store", "scanners", "models"),
    ("providers", "prompts", "cost"),
    ("secrets",),
    ("runtime",),
    ("api",),
    ("scaffold", "evals", "backstage", "rollback", "rollout"),
    ("readiness",),
    ("cli", "__main__"),
)  # fmt: skip
LAYER = {unit: rank for rank, units in enumerate(LAYERS) for unit in units}
MAX_LINES = 420  # "about 400": a module past it is split by what its parts are for

# Known exceptions, each being removed by a change in flight; an exception that no longer occurs fails the
# tests below, so this list can only shrink.
UPWARD_PENDING: set[tuple[str, str]] = set()
OVERSIZED_PENDING: set[str] = set()


@dataclass(frozen=True)
class Import:
    source: str  # dotted name of the importing module
    target: str  # dotted name of the imported platform_cli module
    line: int
    type_checking: bool  # inside `if TYPE_CHECKING:` (never runs)


def unit_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def modules(package: Path = PACKAGE) -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports_in(source: str, text: str, *, is_package: bool, known: Mapping[str, object]) -> Iterator[Import]:
    """The platform_cli imports of module `source` whose code is `text`."""
    tree = ast.parse(text)
    guarded: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                guarded.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    package = source if is_package else source.rpartition(".")[0]
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            # `from pkg import sub` imports the module pkg.sub when there is one
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        for target in targets:
            if target == "platform_cli" or target.startswith("platform_cli."):
                yield Import(source, target, node.lineno, node.lineno in guarded)


def all_imports() -> list[tuple[Path, Import]]:
    known = modules()
    return [
        (path, found)
        for name, path in known.items()
        for found in imports_in(name, path.read_text(encoding="utf-8"), is_package=path.name == "__init__.py",
                                known=known)
    ]  # fmt: skip


def cycles(edges: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one member (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_every_unit_has_a_layer() -> None:
    unknown = sorted({unit_of(m) for m in modules()} - set(LAYER))
    assert unknown == [], f"add {unknown} to LAYERS in tests/test_layers.py and to ARCHITECTURE.md"


def test_no_import_points_up_a_layer() -> None:
    found = [
        (path, i)
        for path, i in all_imports()
        if LAYER.get(unit_of(i.target), -1) > LAYER.get(unit_of(i.source), -1)
    ]
    upward = [
        f"{path.relative_to(PACKAGE.parent)}:{i.line}: {unit_of(i.source)} (layer "
        f"{LAYER[unit_of(i.source)]}) imports {i.target} (layer {LAYER[unit_of(i.target)]})"
        for path, i in found
        if (i.source, i.target) not in UPWARD_PENDING
    ]
    assert upward == []
    assert {(i.source, i.target) for _, i in found} >= UPWARD_PENDING, "remove what no longer occurs"


def test_no_two_units_import_each_other() -> None:
    edges: dict[str, set[str]] = defaultdict(set)
    for _, i in all_imports():
        if unit_of(i.source) != unit_of(i.target) and (i.source, i.target) not in UPWARD_PENDING:
            edges[unit_of(i.source)].add(unit_of(i.target))
    assert cycles(edges) == []


def test_no_import_cycle_between_modules() -> None:
    """Edges into a package's __init__ are left out (it re-exports its own modules by design), and so are
    imports under `if TYPE_CHECKING:` (they never run)."""
    known = modules()
    packages = {name for name, path in known.items() if path.name == "__init__.py"}
    edges: dict[str, set[str]] = defaultdict(set)
    for _, i in all_imports():
        if not i.type_checking and i.target in known and i.target not in packages and i.target != i.source:
            edges[i.source].add(i.target)
    assert cycles(edges) == []


def test_no_module_is_over_about_400_lines() -> None:
    sizes = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in modules().items()}
    over = {name for name, n in sizes.items() if n > MAX_LINES}
    assert over - OVERSIZED_PENDING == set(), {name: sizes[name] for name in over}
    assert over >= OVERSIZED_PENDING, "remove what is no longer over the limit from OVERSIZED_PENDING"


def test_architecture_md_shows_these_layers() -> None:
    """ARCHITECTURE.md's layer table names the same units in the same layers (docs cannot drift)."""
    text = (PACKAGE.parent / "ARCHITECTURE.md").read_text(encoding="utf-8")
    documented = {}
    for line in text.splitlines():
        row = re.match(r"^\| (\d+) \| (.+?) \|", line)
        if row:
            documented[int(row.group(1))] = {
                name.strip().strip("`/") for name in row.group(2).split(",") if name.strip()
            }
    assert documented == {rank: set(units) - {"__init__"} for rank, units in enumerate(LAYERS)}


def test_the_reader_sees_lazy_relative_and_guarded_imports() -> None:
    """If the reader above missed an import form, the layer tests would pass without proving anything."""
    text = (
        "from typing import TYPE_CHECKING\n"
        "def f():\n    from platform_cli.readiness.facts import files\n"
        "from ..readiness import check\n"
        "from platform_cli import api\n"
        "import platform_cli.store.sql as sql\n"
        "if TYPE_CHECKING:\n    from platform_cli.cli.main import run\n"
    )
    known = {"platform_cli.api": None, "platform_cli.readiness.check": None}
    found = [(i.target, i.line, i.type_checking) for i in imports_in(
        "platform_cli.providers.probe", text, is_package=False, known=known
    )]  # fmt: skip
    assert sorted(found) == [
        ("platform_cli.api", 5, False),
        ("platform_cli.cli.main", 8, True),
        ("platform_cli.readiness.check", 4, False),
        ("platform_cli.readiness.facts", 3, False),
        ("platform_cli.store.sql", 6, False),
    ]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
