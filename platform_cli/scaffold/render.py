"""Render a template into a new repository: validate, render off to the side, commit, move into place."""

from __future__ import annotations

import contextlib
import getpass
import os
import re
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
from platform_cli.scaffold import workdirs
from platform_cli.scaffold.answers import check_data, validate_answers
from platform_cli.scaffold.catalog import TemplateInfo, is_git_url, resolve_template
from platform_cli.scaffold.confine import (
    check_path_answers,
    check_rendered_tree,
    check_writes,
    confined_target,
)
from platform_cli.scaffold.engines import RenderRequest, copier_config, detect_engine
from platform_cli.scaffold.force import overwritten_files, refuse_generated_repo, refuse_uncommitted
from platform_cli.scaffold.gitrepo import clone_shallow, git_user_email, initial_commit
from platform_cli.scaffold.install_spec import InstallSpec, install_spec, note_for
from platform_cli.scaffold.provenance import write_cruft_record
from platform_cli.scaffold.releases import archive_releases, extract_release, find_release
from platform_cli.yamlfile import load_yaml

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
    overwritten: list[str] = field(default_factory=list)  # --force: existing files given new content

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
            "overwritten": self.overwritten,
        }


def load_answers_file(path: Path) -> dict[str, Any]:
    """Answers from a YAML/JSON file (a copier answers file works too: its `_` keys are skipped)."""
    loaded = load_yaml(path, what="answers file").data
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise UserError(f"{path}:1: answers file must be a mapping of question: answer")
    return {k: v for k, v in loaded.items() if not k.startswith("_")}


def _check_destination(dest: Path, force: bool) -> None:
    if dest.exists() and not dest.is_dir():
        raise UserError(f"{dest}: exists and is not a directory; choose another destination")
    if dest.is_dir() and any(dest.iterdir()):
        refuse_generated_repo(dest, force)  # --force would revert the team's committed edits
    if dest.is_dir() and any(dest.iterdir()) and not force:
        raise UserError(
            f"{dest}: directory exists and is not empty; choose a new directory, or pass --force "
            "to write the template's files into it (other files are kept; committed files only are "
            "overwritten, and each one is listed)"
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


def _answers_name(template_dir: Path, engine: str) -> str:
    """The answers file a copier template writes (its `_answers_file`, default .copier-answers.yml)."""
    if engine != "copier":
        return COPIER_ANSWERS
    name = copier_config(template_dir).get("_answers_file")
    if (
        not isinstance(name, str)
        or not name
        or "{" in name
        or ".." in Path(name).parts
        or name.startswith("/")
    ):
        return COPIER_ANSWERS
    return name


def _record_provenance(
    staging: Path, info: TemplateInfo, vcs_ref: str | None, name: str = COPIER_ANSWERS
) -> str | None:
    """Point the copier answers file at the template's real source and release, not at a temporary copy.

    Returns the template ref the answers record (tag, commit or given --vcs-ref), if any.
    """
    answers_path = staging / name
    if not answers_path.is_file():
        return vcs_ref
    loaded = load_yaml(answers_path, display=name, what="copier answers").data
    answers = loaded if isinstance(loaded, dict) else {}
    if info.shipped:
        answers["_commit"] = f"v{info.version}"
        answers["_src_path"] = f"platform-cli:templates/{Path(info.source).name}"
    elif is_git_url(info.source):
        answers["_src_path"] = info.source
        if vcs_ref:
            answers["_commit"] = vcs_ref
    elif info.version and archive_releases(Path(info.source)):
        answers["_commit"] = f"v{info.version}"
        answers["_src_path"] = str(Path(info.source).resolve())
    header = "# Changes here will be overwritten by `platform template update`; do not edit by hand.\n"
    answers_path.write_text(header + yaml.safe_dump(answers, sort_keys=True), encoding="utf-8")
    commit = answers.get("_commit")
    return str(commit) if commit else vcs_ref


def _move_into_place(staging: Path, dest: Path) -> None:
    if not dest.exists():
        os.replace(staging, dest)
        return
    if not any(dest.iterdir()):
        dest.rmdir()
        os.replace(staging, dest)
        return
    # --force into a non-empty directory: overwrite the template's files, keep everything else. Every
    # target is resolved first (a symlink in DEST must not carry a write outside it), then written.
    moves = [
        (source, confined_target(dest, source.relative_to(staging).as_posix()))
        for source in sorted(staging.rglob("*"))
    ]
    for source, target in moves:
        if source.is_dir() and not source.is_symlink():
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
    allow_unknown_models: bool = False,
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
    notes: list[str] = []
    spec = install_spec()

    # A dry run renders into the system temp dir and creates nothing next to DEST; a real run renders
    # into a sibling of DEST (same filesystem, so the final move is one atomic rename).
    created_parents = [] if dry_run else _make_parents(dest.parent)
    for stale in workdirs.sweep([dest.parent, Path(tempfile.gettempdir())]):
        notes.append(f"removed {stale}, left behind by an interrupted scaffold run")
    work = _make_workdir(dest, dry_run)
    done = False
    try:
        # git sources are fetched first so trust is checked before any template code could run
        template_dir = (
            clone_shallow(info.source, work / "src", vcs_ref)
            if is_git_url(info.source)
            else Path(info.source)
        )
        if vcs_ref and not is_git_url(info.source) and archive_releases(template_dir):
            # an older release of a template that keeps archives (the shipped ones): render that archive
            release = find_release(template_dir, vcs_ref)
            template_dir = extract_release(template_dir, release)
            info, vcs_ref = replace(info, version=str(release.version)), None
        engine = detect_engine(template_dir)
        info = replace(info, engine=engine.name)
        why = engine.template_code(template_dir, dry_run=dry_run)
        if not trusted and why:
            raise Refused(
                f"{info.source}: refusing to run template code from an untrusted template: {why}. Template "
                "code runs with your permissions on your machine: review it, then pass --trust, or list "
                "the template under `trusted_templates` in ~/.config/platform-cli/config.yaml"
            )
        check_data(template_dir, answers_in, answers_file)
        check_path_answers(template_dir, engine.name, answers_in, str(answers_file or "answers"))
        staging = work / "out"
        staging.mkdir()
        user_defaults, note = _user_defaults()
        answers = engine.render(
            RenderRequest(
                source=str(template_dir),
                dest=staging,
                data={**answers_in, **_context(info, spec)},
                defaults=defaults,
                trusted=trusted,
                run_code=trusted and not dry_run,
                vcs_ref=vcs_ref,
                user_defaults=user_defaults,
            )
        )
        check_rendered_tree(staging)
        answers = {k: v for k, v in answers.items() if k not in _context(info, spec)}
        if (
            note
            and "eval_owner" not in answers_in
            and answers.get("eval_owner") == user_defaults["eval_owner"]
        ):
            notes.append(note)
        notes += validate_answers(
            template_dir, answers, answers_file, allow_unknown_models=allow_unknown_models
        )
        portability = note_for(spec)
        if portability and _mentions(staging, spec.requirement):
            notes.append(portability)
        _validate_generated(staging)
        commit_ref = _record_provenance(staging, info, vcs_ref, _answers_name(template_dir, engine.name))
        if engine.name == "cookiecutter":
            write_cruft_record(staging, info.source, template_dir, answers, vcs_ref, info.version)
        files = _list_files(staging)
        if dest.is_dir():
            check_writes(dest, files)
        overwritten = overwritten_files(staging, dest, files) if dest.is_dir() else []
        refuse_uncommitted(dest, overwritten)
        next_steps = (
            (staging / NEXT_STEPS).read_text(encoding="utf-8") if (staging / NEXT_STEPS).is_file() else ""
        )
        if dry_run:
            done = True
            return ScaffoldResult(dest, info, answers, files, True, None, next_steps, notes, overwritten)
        commit = None
        if git_init:
            if (dest / ".git").exists():
                notes.append(f"{dest} is already a git repository: files written, nothing committed")
            else:
                commit = initial_commit(staging, _commit_message(info, commit_ref))
        _move_into_place(staging, dest)
        done = True
        return ScaffoldResult(dest, info, answers, files, False, commit, next_steps, notes, overwritten)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if not done:
            for directory in reversed(created_parents):
                with contextlib.suppress(OSError):
                    directory.rmdir()


def _make_parents(parent: Path) -> list[Path]:
    """Create the missing parents of DEST; return them outermost first so a failure can remove them."""
    missing = [p for p in (parent, *parent.parents) if not p.exists()]
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError as error:
        raise UserError(f"{parent}: a parent of the destination is a file, not a directory") from error
    except OSError as error:
        raise UserError(f"{parent}: cannot create the destination's directory ({error.strerror})") from error
    return list(reversed(missing))


def _make_workdir(dest: Path, dry_run: bool) -> Path:
    try:
        return workdirs.make_workdir(dest, dry_run)
    except OSError as error:
        raise UserError(
            f"{dest.parent}: cannot write here ({error.strerror}); choose another destination"
        ) from error


def _user_defaults() -> tuple[dict[str, Any], str]:
    """Defaults for questions: the eval owner is the person scaffolding (git email, else their login)."""
    email = git_user_email()
    if email:
        return {"eval_owner": email}, ""
    login = re.sub(r"[^A-Za-z0-9._-]", "", getpass.getuser()) or "owner"
    handle = f"@{login}"
    return {"eval_owner": handle}, (
        f"eval_owner defaulted to {handle} (git has no user.email): set the one accountable person "
        "in ai-feature.yaml, or pass --data eval_owner=you@example.com"
    )


def _context(info: TemplateInfo, spec: InstallSpec) -> dict[str, str]:
    """Extra render context: what a template may print about its own provenance (not questions), and the
    pip requirement that installs this build of platform-cli elsewhere (CI, a fresh clone)."""
    return {
        "template_version": info.version,
        "platform_cli_version": __version__.split("+")[0],
        "platform_cli_spec": spec.requirement,
    }


def _commit_message(info: TemplateInfo, ref: str | None) -> str:
    if info.shipped:
        return f"Scaffold {info.name} v{info.version} with platform-cli {__version__}"
    at = f" at {ref}" if ref else ""
    return f"Scaffold from {info.source}{at} with platform-cli {__version__}"


def new_feature(dest: Path, data: Mapping[str, Any] | None = None, **options: Any) -> ScaffoldResult:
    """Render the golden-path `ai-feature` template (defaults on unless told otherwise)."""
    options.setdefault("defaults", True)
    return scaffold("ai-feature", dest, data=data, **options)


def _validate_generated(staging: Path) -> None:
    """A template that produces a manifest must produce a valid one."""
    manifest = staging / "ai-feature.yaml"
    if manifest.is_file():
        from platform_cli.manifest import load_manifest

        load_manifest(manifest, display="ai-feature.yaml (as the answers would generate it)")


def _mentions(staging: Path, text: str) -> bool:
    """Whether any rendered file contains `text` (the template used the platform-cli spec)."""
    for path in staging.rglob("*"):
        if ".git" in path.parts or not path.is_file():
            continue
        try:
            if text in path.read_text(encoding="utf-8"):
                return True
        except (OSError, UnicodeDecodeError):
            continue
    return False
