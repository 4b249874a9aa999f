"""Keep every write of a scaffold inside its destination.

Three checks, for every engine: answers that become file or directory names must be plain relative names
(no absolute path, no `..`); a rendered tree may not hold a symlink that leads out of it; and a write into
an existing DEST (`--force`, later `template update`) resolves each target and refuses to follow a symlink
(a symlinked directory included) that leads out of DEST. Each refusal happens before anything is written.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from platform_cli.errors import InvalidFile, Problem, Refused

_SKIP_DIRS = frozenset({".git", "hooks"})
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def path_variables(template_dir: Path, engine: str) -> set[str]:
    """Names of the answers a template uses in its file and directory names."""
    from jinja2 import Environment, TemplateSyntaxError, meta, nodes

    env = Environment()
    found: set[str] = set()
    for _current, dirs, files in os.walk(template_dir):
        dirs[:] = [d for d in dirs if d not in _SKIP_DIRS]
        for name in (*dirs, *files):
            if "{{" not in name and "{%" not in name:
                continue
            try:
                tree = env.parse(name)
            except TemplateSyntaxError:
                continue  # the engine reports it when it renders
            if engine == "cookiecutter":
                for attr in tree.find_all(nodes.Getattr):
                    if isinstance(attr.node, nodes.Name) and attr.node.name == "cookiecutter":
                        found.add(attr.attr)
                for item in tree.find_all(nodes.Getitem):
                    key = item.arg.value if isinstance(item.arg, nodes.Const) else None
                    if isinstance(item.node, nodes.Name) and item.node.name == "cookiecutter" and key:
                        found.add(str(key))
            else:
                found |= meta.find_undeclared_variables(tree)
    return found


def unsafe_path_reason(value: str) -> str | None:
    """Why `value` cannot be used as (part of) a path inside DEST, or None when it can."""
    if not value.strip():
        return "it is empty"
    if _CONTROL.search(value):
        return "it holds a control character or a line break"
    if "\\" in value:
        return "it holds a backslash"
    if value.startswith(("/", "~")) or _DRIVE.match(value):
        return "it is an absolute path"
    if ".." in PurePosixPath(value).parts:
        return "it climbs out with '..'"
    return None


def check_path_answers(template_dir: Path, engine: str, answers: Mapping[str, Any], source: str) -> None:
    """Refuse (exit 2) answers that the template turns into paths when they would leave DEST."""
    used = path_variables(template_dir, engine)
    problems = []
    for key in sorted(used & set(answers)):
        value = answers[key]
        if not isinstance(value, str):
            continue
        reason = unsafe_path_reason(value)
        if reason:
            problems.append(
                Problem(
                    source,
                    None,
                    None,
                    key,
                    f"{value!r} names a file or directory of the result, and {reason}",
                    "use a plain relative name (letters, digits, '-', '_', '.'; '/' for sub-directories) "
                    f"with --data {key}=NAME",
                )
            )
    if problems:
        raise InvalidFile(source, problems, what="template answers")


def check_rendered_tree(root: Path) -> None:
    """Refuse (exit 4) a rendered tree with a symlink that points outside it (absolute or via '..')."""
    real_root = root.resolve()
    for current, dirs, files in os.walk(root):
        for name in (*dirs, *files):
            path = Path(current, name)
            if not path.is_symlink():
                continue
            target = (path.parent / os.readlink(path)).resolve()
            if not _inside(target, real_root):
                rel = path.relative_to(root).as_posix()
                raise Refused(
                    f"the template produced a symlink {rel} -> {os.readlink(path)} that leads outside the "
                    "destination; nothing was written (fix the template)"
                )


def confined_target(dest: Path, rel: str) -> Path:
    """`dest / rel`, refusing (exit 4) when `rel` or a symlink on its way leads out of `dest`."""
    pure = PurePosixPath(rel)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise Refused(f"{rel!r}: refusing to write outside {dest}")
    real_dest = dest.resolve()
    current = dest
    for index, part in enumerate(pure.parts):
        current = current / part
        if current.is_symlink():
            resolved = current.resolve()
            if not _inside(resolved, real_dest):
                shown = PurePosixPath(*pure.parts[: index + 1]).as_posix()
                raise Refused(
                    f"{dest}: {shown} is a symlink to {resolved}, outside the destination; writing "
                    f"{rel} would follow it. Replace the symlink with a directory (or remove it) and run "
                    "again; nothing was written"
                )
    return dest / rel


def check_writes(dest: Path, names: Iterable[str]) -> None:
    """Check every repo-relative name a run will write under `dest` before writing any of them."""
    for name in names:
        confined_target(dest, name)


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents
