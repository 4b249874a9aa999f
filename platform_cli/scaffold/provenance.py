"""What a generated repo records about its template, and where that template's releases are found.

copier repos record `_src_path` and `_commit` in `.copier-answers.yml`; cookiecutter repos record the
template, commit and answers in `.cruft.json` (cruft's format, so repos made with cruft work too). A shipped
template is recorded as `platform-cli:templates/<name>`, which resolves to the installed package's copy and
its archived releases, offline.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from platform_cli.errors import PlatformError, UserError
from platform_cli.resources import templates_dir
from platform_cli.scaffold.catalog import is_git_url
from platform_cli.scaffold.releases import Release, archive_releases, is_git_toplevel, tag_releases

COPIER_ANSWERS = (".copier-answers.yml", ".copier-answers.yaml")
CRUFT_FILE = ".cruft.json"
SHIPPED_PREFIX = "platform-cli:templates/"


@dataclass(frozen=True)
class Provenance:
    """The template a repo was generated from, as the repo records it."""

    engine: str  # copier | cookiecutter
    record: str  # the file that records it (repo-relative)
    src: str  # as recorded: platform-cli:templates/NAME, a path or a git URL
    ref: str | None  # recorded version tag or commit
    answers: dict[str, Any] = field(default_factory=dict)
    directory: str | None = None  # cookiecutter: template sub-directory inside the source


@dataclass(frozen=True)
class TemplateSource:
    """Where a recorded template's releases live: archives in a directory, or tags in a git repository."""

    kind: str  # archive | git
    location: str  # directory (archive) or git URL / local repository path (git)
    name: str
    shipped: bool

    @property
    def directory(self) -> Path:
        return Path(self.location)


def find_generated_repo(start: Path) -> Path:
    """The nearest directory at or above `start` that records a template (copier answers or .cruft.json)."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if any((candidate / name).is_file() for name in (*COPIER_ANSWERS, CRUFT_FILE)):
            return candidate
        if (candidate / ".git").exists():
            break
    raise UserError(
        f"{start}: not a generated repository (no .copier-answers.yml or .cruft.json here or above up to "
        "the git root); run this inside a repo made by `platform scaffold`, or pass --repo PATH"
    )


def _load_mapping(path: Path) -> dict[str, Any]:
    from platform_cli.jsonfile import load_json
    from platform_cli.yamlfile import load_yaml

    if path.suffix == ".json":
        loaded: Any = load_json(path, display=path.name, what="template record (restore it from git)").data
    else:
        loaded = load_yaml(path, display=path.name, what="template answers").data
    if not isinstance(loaded, dict):
        raise UserError(f"{path.name}:1: expected a mapping; restore it from git")
    return loaded


def read_provenance(repo: Path) -> Provenance:
    """What `repo` records about its template; exit 2 when it records nothing usable."""
    for name in COPIER_ANSWERS:
        path = repo / name
        if path.is_file():
            data = _load_mapping(path)
            src = data.get("_src_path")
            if not isinstance(src, str) or not src:
                raise UserError(
                    f"{name}: no _src_path, so the template this repo came from is unknown; add "
                    "`_src_path: <template path or git URL>` and `_commit: <version tag>`"
                )
            ref = data.get("_commit")
            answers = {k: v for k, v in data.items() if isinstance(k, str) and not k.startswith("_")}
            return Provenance("copier", name, src, str(ref) if ref else None, answers)
    path = repo / CRUFT_FILE
    if path.is_file():
        data = _load_mapping(path)
        context = (
            data.get("context", {}).get("cookiecutter", {}) if isinstance(data.get("context"), dict) else {}
        )
        src = data.get("template")
        if not isinstance(src, str) or not src or not isinstance(context, dict):
            raise UserError(f"{CRUFT_FILE}: needs `template` and `context.cookiecutter` (cruft's format)")
        commit = data.get("commit")
        directory = data.get("directory")
        answers = {k: v for k, v in context.items() if not str(k).startswith("_")}
        return Provenance(
            "cookiecutter", CRUFT_FILE, src, str(commit) if commit else None, answers,
            str(directory) if directory else None,
        )  # fmt: skip
    raise UserError(f"{repo}: not a generated repository (no .copier-answers.yml or {CRUFT_FILE})")


def resolve_source(src: str, repo: Path | None = None) -> TemplateSource:
    """Where the releases of the recorded template `src` are (a relative path is taken from `repo`)."""
    if src.startswith(SHIPPED_PREFIX):
        name = src[len(SHIPPED_PREFIX) :]
        directory = templates_dir() / name
        if "/" in name or not directory.is_dir():
            raise UserError(
                f"{src}: this platform-cli has no template {name!r}; upgrade platform-cli or "
                "ask the platform team where it went"
            )
        return TemplateSource("archive", str(directory), name, shipped=True)
    if is_git_url(src):
        return TemplateSource("git", src, src.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git"), False)
    path = Path(src).expanduser()
    if not path.is_absolute() and repo is not None:
        path = (repo / path).resolve()
    if archive_releases(path):
        from platform_cli.scaffold.catalog import resolve_template

        return TemplateSource("archive", str(path), resolve_template(str(path)).name, shipped=False)
    if path.is_dir() and is_git_toplevel(path):
        return TemplateSource("git", str(path), path.name, shipped=False)
    raise UserError(
        f"{src}: the recorded template has no release history here (no releases/ archives and not a git "
        "repository with version tags), so the version this repo came from cannot be re-rendered; restore "
        "the template at that path, or record its git URL as _src_path"
    )


# One look-up per template URL per process (readiness scans many repos); commands that act on the answer
# (update, check) call forget_remote_tags() first so they always see the tags as they are now.
@functools.lru_cache(maxsize=256)
def _remote_tags(url: str) -> list[Release]:
    try:
        done = subprocess.run(
            ["git", "ls-remote", "--tags", "--refs", url],
            capture_output=True, text=True, check=False, timeout=60,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as error:
        raise UserError(f"{url}: cannot list the template's tags ({error})") from error
    if done.returncode != 0:
        raise UserError(f"{url}: cannot list the template's tags: {done.stderr.strip()}")
    found = []
    for line in done.stdout.splitlines():
        tag = line.rsplit("refs/tags/", 1)[-1].strip()
        try:
            found.append(Release(Version(tag.removeprefix("v")), tag=tag))
        except InvalidVersion:
            continue
    return sorted(found, key=lambda r: r.version)


def forget_remote_tags() -> None:
    _remote_tags.cache_clear()


def source_releases(source: TemplateSource) -> list[Release]:
    """Every release of the source, oldest first."""
    if source.kind == "archive":
        return archive_releases(source.directory)
    if Path(source.location).is_dir():
        return tag_releases(Path(source.location))
    return _remote_tags(source.location)


def recorded_version(provenance: Provenance) -> Version | None:
    """The recorded ref as a version (`v1.2.0` -> 1.2.0), None for a commit or a describe string."""
    if not provenance.ref:
        return None
    try:
        return Version(provenance.ref.removeprefix("v"))
    except InvalidVersion:
        return None


def safe_provenance(repo: Path) -> Provenance | None:
    try:
        return read_provenance(repo)
    except PlatformError:
        return None


def write_cruft_record(
    staging: Path, source: str, template_dir: Path, answers: dict[str, Any], vcs_ref: str | None, version: str
) -> None:
    """Record a cookiecutter render as cruft does (`.cruft.json`), so `platform template update` can
    re-render this exact version later: the git commit of the template, or its release tag."""
    commit: str | None = None
    if not is_git_url(source) and archive_releases(Path(source)):
        commit = f"v{version}"
    elif is_git_url(source) or is_git_toplevel(template_dir):
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=template_dir, capture_output=True, text=True, check=False
        )
        commit = done.stdout.strip() or None
    location = source if is_git_url(source) else str(Path(source).resolve())
    record: dict[str, Any] = {
        "template": location,
        "commit": commit,
        "checkout": vcs_ref,
        "context": {"cookiecutter": {**answers, "_template": location}},
        "directory": None,
        "skip": [],
    }
    (staging / CRUFT_FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
