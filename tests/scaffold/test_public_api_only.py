"""A generated repo depends on `platform_cli.api` only, so moving platform-cli's internals cannot break it.

Proved two ways: statically (every import of platform_cli in the generated code names the public module),
and by running the generated repo's own tests against a copy of platform-cli whose runtime package and
fake provider module were moved and renamed, as an internal refactoring would. Repos generated from an
older release of the template (every one since the public API) keep passing their own tests against this
platform-cli too: a product team does not have to update its template to take a compatible release.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

import platform_cli
from platform_cli.resources import templates_dir
from platform_cli.scaffold import new_feature
from platform_cli.scaffold.releases import releases

PUBLIC = "platform_cli.api"
FIRST_PUBLIC_RELEASE = Version("1.1.0")  # the first ai-feature release whose code imports only PUBLIC
# internal module -> where the refactoring below moves it
MOVES = {
    "platform_cli.runtime": "platform_cli.serving_moved",
    "platform_cli.providers.fake": "platform_cli.providers.offline_moved",
}


def platform_imports(root: Path) -> dict[str, set[str]]:
    """Every platform_cli module imported by a Python file under `root`, by repo-relative file."""
    found: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        if ".venv" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if (
                    node.module == "platform_cli"
                ):  # `from platform_cli import x` imports module platform_cli.x
                    names |= {f"platform_cli.{alias.name}" for alias in node.names}
                else:
                    names.add(node.module)
        platform = {n for n in names if n == "platform_cli" or n.startswith("platform_cli.")}
        if platform:
            found[path.relative_to(root).as_posix()] = platform
    return found


def test_the_static_check_sees_every_import_form(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(
        "import platform_cli.store\nfrom platform_cli import runtime\nfrom platform_cli.api import Feature\n"
        "import os\nfrom . import sibling\n"
    )
    assert platform_imports(tmp_path) == {
        "a.py": {"platform_cli.store", "platform_cli.runtime", "platform_cli.api"}
    }


def _moved_copy(dest: Path) -> Path:
    """A copy of this checkout's package with MOVES applied (files moved, every reference rewritten)."""
    source = Path(platform_cli.__file__).resolve().parent.parent
    for name in ("templates", "policies"):
        shutil.copytree(source / name, dest / name)
    shutil.copy2(source / "pyproject.toml", dest / "pyproject.toml")
    package = dest / "platform_cli"
    shutil.copytree(source / "platform_cli", package, ignore=shutil.ignore_patterns("__pycache__"))
    for old, new in MOVES.items():
        old_path = dest.joinpath(*old.split("."))
        new_path = dest.joinpath(*new.split("."))
        if old_path.is_dir():
            old_path.rename(new_path)
        else:
            old_path.with_suffix(".py").rename(new_path.with_suffix(".py"))
    pattern = re.compile("|".join(rf"\b{re.escape(old)}\b" for old in MOVES))
    for path in package.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        path.write_text(pattern.sub(lambda m: MOVES[m.group(0)], text), encoding="utf-8")
    return dest


def _env(tmp_path: Path, pythonpath: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLATFORM_")}
    env.update(
        PYTHONDONTWRITEBYTECODE="1", PYTHONPATH=str(pythonpath), PLATFORM_LOG_DIR=str(tmp_path / "logs")
    )
    return env


@pytest.mark.slow
def test_a_generated_repo_imports_only_the_public_module_and_survives_internal_moves(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    new_feature(
        repo, {"name": "Api Only", "eval_owner": "jane@example.com", "fallback_provider": "anthropic"}
    )

    imports = platform_imports(repo)
    assert imports, "the generated repo should use platform-cli"
    assert {file: names - {PUBLIC} for file, names in imports.items() if names - {PUBLIC}} == {}

    # a compatible-release bound: later patch releases are accepted, an incompatible series is not
    (dependency,) = re.findall(r'"(platform-cli[^"]*)"', (repo / "pyproject.toml").read_text())
    requirement = Requirement(dependency)
    assert requirement.name == "platform-cli"
    assert [spec.operator for spec in requirement.specifier] == ["~="]
    assert requirement.specifier.contains(platform_cli.__version__.split("+")[0])

    moved = _moved_copy(tmp_path / "moved")
    # pytest runs in-process so that, afterwards, the wrapper can list every platform_cli module the
    # generated tests loaded and where from (an editable install could otherwise fill in a missing module)
    tests = subprocess.run(
        [sys.executable, "-c", RUN_AND_REPORT, str(moved)],
        cwd=repo, env=_env(tmp_path, moved), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert " passed" in tests.stdout
    loaded = tests.stdout.split(REPORT, 1)[1].split()
    assert "platform_cli.api" in loaded and "platform_cli.serving_moved.feature" in loaded
    assert not [name for name in loaded if name.startswith(tuple(MOVES))], "an old internal name was loaded"


def _public_releases() -> list[str]:
    shipped = releases(templates_dir() / "ai-feature")
    return [str(r.version) for r in shipped if Version(str(r.version)) >= FIRST_PUBLIC_RELEASE]


def test_the_older_releases_are_found() -> None:
    """The parametrized test below would pass vacuously if the shipped releases were not found."""
    assert str(FIRST_PUBLIC_RELEASE) in _public_releases()


@pytest.mark.slow
@pytest.mark.parametrize("version", _public_releases())
def test_a_repo_from_an_older_release_passes_its_tests_against_this_platform_cli(
    tmp_path: Path, version: str
) -> None:
    repo = tmp_path / "repo"
    result = new_feature(repo, {"name": "Older Release", "eval_owner": "jane@example.com"}, vcs_ref=version)
    assert result.template.version == version
    assert f"_commit: v{version}\n" in (repo / ".copier-answers.yml").read_text(encoding="utf-8")
    imports = platform_imports(repo)
    assert imports and {file: names - {PUBLIC} for file, names in imports.items() if names - {PUBLIC}} == {}

    checkout = Path(platform_cli.__file__).resolve().parent.parent
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=repo, env=_env(tmp_path, checkout), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert " passed" in tests.stdout and " failed" not in tests.stdout


REPORT = "--- platform_cli modules loaded ---"
RUN_AND_REPORT = f"""
import sys, pytest
from pathlib import Path
code = pytest.main(["-q", "-p", "no:cacheprovider"])
moved = Path(sys.argv[1]).resolve()
ours = {{n: m for n, m in sys.modules.items() if n.split(".")[0] == "platform_cli"}}
outside = sorted(n for n, m in ours.items()
                 if getattr(m, "__file__", None) and not Path(m.__file__).resolve().is_relative_to(moved))
print({REPORT!r})
print("\\n".join(sorted(ours)))
if outside:
    print("loaded from outside the moved copy:", outside, file=sys.stderr)
sys.exit(code or (5 if outside else 0))
"""
