"""Render a template into a new repository: validate, render off to the side, commit, move into place."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from platform_cli import __version__
from platform_cli.config import is_trusted_source, load_config
from platform_cli.errors import Refused, UserError
from platform_cli.scaffold.answers import validate_answers
from platform_cli.scaffold.catalog import TemplateInfo, is_git_url, resolve_template
from platform_cli.scaffold.engines import RenderRequest, detect_engine
from platform_cli.scaffold.gitrepo import clone_shallow, git_user_email, initial_commit

COPIER_ANSWERS = ".copier-answers.yml"
NEXT_STEPS = "NEXT_STEPS.txt"


@dataclass(frozen=True)
class ScaffoldResult:
    dest: Path
    template: TemplateInfo
    answers: dict[str, Any]
    files: list[str]
    dry_run: bool
    commit: str | None = None
    next_steps: str = ""
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "dest": str(self.dest),
            "template": self.template.name,
            "template_version": self.template.version,
            "engine": self.template.engine,
            "answers": self.answers,
            "files": self.files,
            "dry_run": self.dry_run,
            "commit": self.commit,
            "next_steps": self.next_steps,
            "notes": self.notes,
        }


def load_answers_file(path: Path) -> dict[str, Any]:
    """Answers from a YAML/JSON file (a copier answers file works too: its `_` keys are skipped)."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise UserError(f"{path}: answers file not found") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise UserError(f"{where}: answers file is not valid YAML ({error})") from error
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise UserError(f"{path}:1: answers file must be a mapping of question: answer")
    return {str(k): v for k, v in loaded.items() if not str(k).startswith("_")}


def _check_destination(dest: Path, force: bool) -> None:
    if dest.exists() and not dest.is_dir():
        raise UserError(f"{dest}: exists and is not a directory; choose another destination")
    if dest.is_dir() and any(dest.iterdir()) and not force:
        raise UserError(
            f"{dest}: directory exists and is not empty; choose a new directory, or pass --force "
            "to write the template's files into it (other files are kept)"
        )


def _is_trusted(info: TemplateInfo, trust: bool) -> bool:
    return trust or info.shipped or is_trusted_source(info.source, load_config())


def _list_files(root: Path) -> list[str]:
    files = []
    for path in sorted(root.rglob("*")):
        if ".git" in path.relative_to(root).parts:
            continue
        if path.is_file():
            files.append(path.relative_to(root).as_posix())
    return files


def _record_provenance(staging: Path, info: TemplateInfo, vcs_ref: str | None) -> None:
    """Point the copier answers file at the template's real source and release, not at a temporary copy."""
    answers_path = staging / COPIER_ANSWERS
    if not answers_path.is_file():
        return
    answers = yaml.safe_load(answers_path.read_text(encoding="utf-8")) or {}
    if info.shipped:
        answers["_commit"] = f"v{info.version}"
        answers["_src_path"] = f"platform-cli:templates/{Path(info.source).name}"
    elif is_git_url(info.source):
        answers["_src_path"] = info.source
        if vcs_ref:
            answers["_commit"] = vcs_ref
    header = "# Changes here will be overwritten by `platform template update`; do not edit by hand.\n"
    answers_path.write_text(header + yaml.safe_dump(answers, sort_keys=True), encoding="utf-8")


def _move_into_place(staging: Path, dest: Path) -> None:
    if not dest.exists():
        os.replace(staging, dest)
        return
    if not any(dest.iterdir()):
        dest.rmdir()
        os.replace(staging, dest)
        return
    # --force into a non-empty directory: overwrite the template's files, keep everything else
    for source in sorted(staging.rglob("*")):
        target = dest / source.relative_to(staging)
        if source.is_dir():
            target.mkdir(exist_ok=True)
        else:
            os.replace(source, target)
    shutil.rmtree(staging)


def scaffold(
    template: str,
    dest: Path,
    *,
    data: Mapping[str, Any] | None = None,
    answers_file: Path | None = None,
    defaults: bool = False,
    trust: bool = False,
    force: bool = False,
    dry_run: bool = False,
    vcs_ref: str | None = None,
    git_init: bool = True,
) -> ScaffoldResult:
    """Render `template` into `dest`. Nothing is written to `dest` unless every step succeeds."""
    dest = dest.expanduser().resolve()
    info = resolve_template(template)
    _check_destination(dest, force)
    if not defaults and not sys.stdin.isatty():
        raise UserError(
            "the template's questions need a terminal, and stdin is not one: pass --defaults and answer "
            "with --data KEY=VALUE or --answers-file FILE (see --help)"
        )
    answers_in: dict[str, Any] = load_answers_file(answers_file) if answers_file else {}
    answers_in.update(data or {})
    trusted = _is_trusted(info, trust)

    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        # git sources are fetched first so trust is checked before any template code could run
        template_dir = (
            clone_shallow(info.source, work / "src", vcs_ref)
            if is_git_url(info.source)
            else Path(info.source)
        )
        engine = detect_engine(template_dir)
        info = replace(info, engine=engine.name)
        if not trusted and engine.has_template_code(template_dir):
            raise Refused(
                f"{info.source}: refusing to run template code (copier tasks/migrations/extensions or "
                "cookiecutter hooks) from an untrusted template. Template code runs commands on your "
                "machine: review it, then pass --trust, or list the template under `trusted_templates` "
                "in ~/.config/platform-cli/config.yaml"
            )
        staging = work / "out"
        staging.mkdir()
        user_defaults = {"eval_owner": git_user_email()} if git_user_email() else {}
        answers = engine.render(
            RenderRequest(
                source=str(template_dir),
                dest=staging,
                data=answers_in,
                defaults=defaults,
                trusted=trusted,
                vcs_ref=vcs_ref,
                user_defaults=user_defaults,
            )
        )
        validate_answers(template_dir, answers, answers_file)
        _validate_generated(staging)
        _record_provenance(staging, info, vcs_ref)
        files = _list_files(staging)
        next_steps = (
            (staging / NEXT_STEPS).read_text(encoding="utf-8") if (staging / NEXT_STEPS).is_file() else ""
        )
        if dry_run:
            return ScaffoldResult(dest, info, answers, files, True, None, next_steps)
        commit = None
        notes: list[str] = []
        if git_init:
            if (dest / ".git").exists():
                notes.append(f"{dest} is already a git repository: files written, nothing committed")
            else:
                message = f"Scaffold {info.name} v{info.version} with platform-cli {__version__}"
                if not info.shipped:
                    message = f"Scaffold from {info.source} with platform-cli {__version__}"
                commit = initial_commit(staging, message)
        _move_into_place(staging, dest)
        return ScaffoldResult(dest, info, answers, files, False, commit, next_steps, notes)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def new_feature(dest: Path, data: Mapping[str, Any] | None = None, **options: Any) -> ScaffoldResult:
    """Render the golden-path `ai-feature` template (defaults on unless told otherwise)."""
    options.setdefault("defaults", True)
    return scaffold("ai-feature", dest, data=data, **options)


def _validate_generated(staging: Path) -> None:
    """A template that produces a manifest must produce a valid one."""
    manifest = staging / "ai-feature.yaml"
    if manifest.is_file():
        from platform_cli.manifest import load_manifest

        load_manifest(manifest)


def dump_answers(answers: Mapping[str, Any]) -> str:
    return json.dumps(dict(answers), indent=2, default=str)
