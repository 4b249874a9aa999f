"""Template discovery: shipped templates by name, local paths, and git URLs."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from platform_cli.errors import UserError
from platform_cli.resources import templates_dir
from platform_cli.scaffold.engines import engine_name
from platform_cli.yamlfile import load_yaml

GIT_URL = re.compile(r"^(https?://|git@|ssh://|git\+|gh:|gl:|file://)|\.git/?$")
METADATA_FILE = "template.yaml"


@dataclass(frozen=True)
class TemplateInfo:
    """A template the CLI can render, with what `platform scaffold list` shows about it."""

    name: str
    source: str  # local directory or git URL
    engine: str  # copier | cookiecutter | unknown (for git URLs until fetched)
    description: str
    version: str
    shipped: bool  # comes with this package, hence trusted


def is_git_url(source: str) -> bool:
    return bool(GIT_URL.search(source))


def _search_dirs() -> list[tuple[Path, bool]]:
    dirs: list[tuple[Path, bool]] = [(templates_dir(), True)]
    for extra in os.environ.get("PLATFORM_TEMPLATES_PATH", "").split(os.pathsep):
        if extra:
            dirs.append((Path(extra), False))
    return dirs


def _read_info(directory: Path, shipped: bool) -> TemplateInfo | None:
    engine = engine_name(directory)
    if engine is None:
        return None
    meta: dict[str, object] = {}
    meta_file = directory / METADATA_FILE
    if meta_file.is_file():
        loaded = load_yaml(meta_file, what="template metadata").data
        if isinstance(loaded, dict):
            meta = loaded
    return TemplateInfo(
        name=str(meta.get("name", directory.name)),
        source=str(directory.resolve()),
        engine=engine,
        description=str(meta.get("description", "")).strip(),
        version=str(meta.get("version", "")),  # unknown without template.yaml; git refs speak for themselves
        shipped=shipped,
    )


def list_templates() -> list[TemplateInfo]:
    """Every template in the shipped directory and in $PLATFORM_TEMPLATES_PATH, by name."""
    found: dict[str, TemplateInfo] = {}
    for directory, shipped in _search_dirs():
        if not directory.is_dir():
            continue
        for child in sorted(directory.iterdir()):
            if child.is_dir():
                info = _read_info(child, shipped)
                if info is not None and info.name not in found:
                    found[info.name] = info
    return list(found.values())


def resolve_template(spec: str) -> TemplateInfo:
    """A template by shipped name, local directory, or git URL."""
    if is_git_url(spec):
        return TemplateInfo(
            name=spec.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git"),
            source=spec,
            engine="unknown",
            description="",
            version="",
            shipped=False,
        )
    path = Path(spec).expanduser()
    if path.is_dir():
        info = _read_info(path, shipped=False)
        if info is None:
            raise UserError(f"{path}: not a template (expected copier.yml or cookiecutter.json in it)")
        shipped_root = templates_dir().resolve()
        if path.resolve().parent == shipped_root:
            info = TemplateInfo(**{**info.__dict__, "shipped": True})
        return info
    for info in list_templates():
        if info.name == spec:
            return info
    names = ", ".join(t.name for t in list_templates()) or "none"
    raise UserError(
        f"unknown template {spec!r}: not a template name ({names}), a local directory, or a git URL "
        "(see `platform scaffold list`)"
    )


def local_template(spec: str) -> TemplateInfo:
    """A template the platform team edits and releases: a shipped name or a local directory."""
    if is_git_url(spec):
        raise UserError(
            f"{spec}: releases are cut in a template's working copy; clone it and pass the directory"
        )
    return resolve_template(spec)
