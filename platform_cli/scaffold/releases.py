"""Template releases: every version a template has published, readable offline from the installed package.

Two stores behind one interface:
- **archives**, for the templates shipped with platform-cli and any template directory with a `releases/`
  folder: `releases/<version>.tar.gz` holds the template directory exactly as released. A release adds one
  new file and never rewrites one, so concurrent branches cannot conflict over release records, and the
  wheel carries every version (copier's three-way update needs the old version's render).
- **git tags**, for a platform team's template kept in its own git repository: `v<version>` tags, which is
  what copier itself reads.

Copier updates only from git, so `history_repo()` turns the archives into a small git repository with one
tagged commit per release, built once per set of archives and cached under the user cache directory.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

from platform_cli.config import cache_dir
from platform_cli.errors import UserError

RELEASES_DIR = "releases"
CHANGES_DIR = "changes"
CHANGELOG = "CHANGELOG.md"
METADATA = "template.yaml"
# Never part of a release: the release records themselves, pending change notes, and caches.
NOT_RELEASED = frozenset({RELEASES_DIR, CHANGES_DIR, ".git", "__pycache__", ".pytest_cache"})
_MAX_ARCHIVE_BYTES = 64 * 1024 * 1024  # unpacked; a template is a few hundred KiB
_ARCHIVE = re.compile(r"^(\d+\.\d+\.\d+(?:[-.+][0-9A-Za-z.+-]+)?)\.tar\.gz$")
_GIT_ENV = {
    "GIT_AUTHOR_NAME": "platform-cli",
    "GIT_AUTHOR_EMAIL": "platform-cli@localhost",
    "GIT_COMMITTER_NAME": "platform-cli",
    "GIT_COMMITTER_EMAIL": "platform-cli@localhost",
    "GIT_AUTHOR_DATE": "2000-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2000-01-01T00:00:00Z",
    "GIT_CONFIG_NOSYSTEM": "1",
}


@dataclass(frozen=True)
class Release:
    """One published version: its archive (archive store) or its tag (git store)."""

    version: Version
    archive: Path | None = None
    tag: str | None = None

    @property
    def ref(self) -> str:
        """What generated repos record as `_commit` and copier checks out: `v<version>`."""
        return self.tag or f"v{self.version}"


def parse_version(text: str, where: str = "version") -> Version:
    """`1.2.3` or `v1.2.3` as a PEP 440 version; bad input is a clear exit 2."""
    try:
        return Version(str(text).strip().removeprefix("v"))
    except InvalidVersion as error:
        raise UserError(f"{where}: {text!r} is not a version (expected e.g. 1.2.0 or v1.2.0)") from error


def _git(args: list[str], cwd: Path, check: bool = True) -> str:
    env = {**os.environ, **_GIT_ENV}
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise UserError(f"{cwd}: git {' '.join(args[:2])} failed: {(done.stderr or done.stdout).strip()}")
    return done.stdout.strip()


def is_git_toplevel(directory: Path) -> bool:
    """True when `directory` is the top of its own git work tree (a team's template repository)."""
    if not (directory / ".git").exists():
        return False
    top = _git(["rev-parse", "--show-toplevel"], directory, check=False)
    return bool(top) and Path(top).resolve() == directory.resolve()


def uses_tags(template_dir: Path) -> bool:
    """Git-tag store: a template that is its own git repository and keeps no archives."""
    return not (template_dir / RELEASES_DIR).is_dir() and is_git_toplevel(template_dir)


def archive_releases(template_dir: Path) -> list[Release]:
    """The archive store's releases, oldest first."""
    found = []
    folder = template_dir / RELEASES_DIR
    if folder.is_dir():
        for path in folder.iterdir():
            match = _ARCHIVE.match(path.name)
            if match and path.is_file():
                found.append(Release(parse_version(match.group(1), str(path)), archive=path))
    return sorted(found, key=lambda r: r.version)


def tag_releases(repo: Path) -> list[Release]:
    """The git store's releases (tags that parse as versions), oldest first."""
    found = []
    for tag in _git(["tag", "--list"], repo).splitlines():
        try:
            found.append(Release(Version(tag.strip().removeprefix("v")), tag=tag.strip()))
        except InvalidVersion:
            continue
    return sorted(found, key=lambda r: r.version)


def releases(template_dir: Path) -> list[Release]:
    """Every release of the template in `template_dir`, oldest first (archives, else git tags)."""
    if uses_tags(template_dir):
        return tag_releases(template_dir)
    return archive_releases(template_dir)


def find_release(template_dir: Path, version: str) -> Release:
    wanted = parse_version(version, "--to")
    available = releases(template_dir)
    for release in available:
        if release.version == wanted:
            return release
    shown = ", ".join(str(r.version) for r in available) or "none"
    raise UserError(f"{template_dir.name}: no release {wanted} (released: {shown})")


# ---- the archive format ---------------------------------------------------------------------------


def content_files(template_dir: Path) -> dict[str, bytes]:
    """The template's released content: every file except release records, change notes and caches."""
    files: dict[str, bytes] = {}
    for path in sorted(template_dir.rglob("*")):
        rel = path.relative_to(template_dir)
        if rel.parts[0] in NOT_RELEASED or "__pycache__" in rel.parts or path.suffix == ".pyc":
            continue
        if path.is_symlink():
            raise UserError(
                f"{path}: templates may not contain symlinks (they would point outside a release)"
            )
        if path.is_file():
            files[rel.as_posix()] = path.read_bytes()
    return files


def write_archive(files: dict[str, bytes], target: Path) -> None:
    """A deterministic .tar.gz of `files` (sorted, no owners, fixed times), written atomically."""
    import gzip
    import io
    import tarfile

    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(files):
            info = tarfile.TarInfo(name)
            info.size = len(files[name])
            info.mode = 0o644
            info.mtime = 0
            tar.addfile(info, io.BytesIO(files[name]))
    packed = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=packed, mtime=0, compresslevel=9) as handle:
        handle.write(raw.getvalue())
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        tmp.write_bytes(packed.getvalue())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def read_archive(archive: Path) -> dict[str, bytes]:
    """Files of a release archive. Only plain files with relative, non-escaping names are accepted."""
    import tarfile  # archives are read when a template is rendered or updated, not when versions are listed

    files: dict[str, bytes] = {}
    total = 0
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            for member in tar:
                name = member.name
                parts = Path(name).parts
                if member.isdir():
                    continue
                if not member.isfile() or name.startswith("/") or ".." in parts or not parts:
                    raise UserError(
                        f"{archive}: unsafe entry {name!r} (only plain relative files are allowed)"
                    )
                total += member.size
                if total > _MAX_ARCHIVE_BYTES:
                    raise UserError(f"{archive}: unpacks to more than {_MAX_ARCHIVE_BYTES} bytes; refusing")
                handle = tar.extractfile(member)
                files[Path(name).as_posix()] = handle.read() if handle else b""
    except (tarfile.TarError, OSError, EOFError) as error:
        raise UserError(f"{archive}: not a readable release archive ({error})") from error
    return files


def _write_tree(files: dict[str, bytes], root: Path) -> None:
    for name, data in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _digest(archives: list[Release]) -> str:
    sha = hashlib.sha256()
    for release in archives:
        assert release.archive is not None
        sha.update(f"{release.version}\0".encode())
        sha.update(hashlib.sha256(release.archive.read_bytes()).digest())
    return sha.hexdigest()[:20]


def _cached(kind: str, name: str, digest: str, build: Callable[[Path], None]) -> Path:
    """A directory built once per content digest; concurrent builders race harmlessly (first rename wins)."""
    import shutil
    import tempfile

    root = cache_dir() / kind
    final = root / f"{name}-{digest}"
    if final.is_dir():
        return final
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=root))
    try:
        build(work)
        try:
            os.replace(work, final)
        except OSError:
            if not final.is_dir():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return final


def extract_release(template_dir: Path, release: Release) -> Path:
    """A directory holding the template as released (cached; treat it as read-only)."""
    if release.archive is None:
        raise UserError(f"{template_dir}: release {release.version} is a git tag, not an archive")
    digest = hashlib.sha256(release.archive.read_bytes()).hexdigest()[:20]
    files = read_archive(release.archive)
    return _cached(
        "template-releases", f"{template_dir.name}-{release.version}", digest, lambda w: _write_tree(files, w)
    )


def history_repo(template_dir: Path) -> Path:
    """A git repository with one commit per archived release, tagged `v<version>` (what copier reads)."""
    archives = archive_releases(template_dir)
    if not archives:
        raise UserError(
            f"{template_dir}: has no releases ({RELEASES_DIR}/ is empty); "
            f"cut one with `platform templates release {template_dir}`"
        )

    def build(work: Path) -> None:
        import shutil

        _git(["init", "-q", "-b", "main"], work)
        _git(["config", "commit.gpgsign", "false"], work)
        for release in archives:
            for child in work.iterdir():
                if child.name != ".git":
                    shutil.rmtree(child) if child.is_dir() else child.unlink()
            assert release.archive is not None
            _write_tree(read_archive(release.archive), work)
            _git(["add", "-A"], work)
            _git(["commit", "-q", "--allow-empty", "--no-verify", "-m", f"Release {release.ref}"], work)
            _git(["tag", release.ref], work)

    return _cached("template-history", template_dir.name, _digest(archives), build)


# ---- what changed since the last release ----------------------------------------------------------


@dataclass(frozen=True)
class Unreleased:
    """How a template directory differs from its latest release."""

    latest: Release | None
    changed: list[str]  # files added, removed or edited since the latest release (CHANGELOG.md aside)

    @property
    def dirty(self) -> bool:
        return bool(self.changed)


def unreleased(template_dir: Path) -> Unreleased:
    """Files that differ from the latest archived release (the changelog is not content)."""
    archives = archive_releases(template_dir)
    latest = archives[-1] if archives else None
    current = {k: v for k, v in content_files(template_dir).items() if k != CHANGELOG}
    if latest is None or latest.archive is None:
        return Unreleased(None, sorted(current))
    released = {k: v for k, v in read_archive(latest.archive).items() if k != CHANGELOG}
    changed = sorted(name for name in set(current) | set(released) if current.get(name) != released.get(name))
    return Unreleased(latest, changed)
