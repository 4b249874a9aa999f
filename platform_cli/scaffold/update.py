"""`platform template update`: pull a newer template release into a generated repo, keeping local work.

The update never runs in the repo itself. The repo (whose tree must be clean) is cloned to a temporary
directory, copier's three-way update (or, for cookiecutter repos, cruft's re-render-and-merge) runs in the
clone, and only then are the changed files copied into the repo, every write confined to it. So a failure
half way, a --dry-run, or a template that tries to write outside the repo changes nothing.

Local work is never lost: copier's conflicts stay as `<<<<<<< before updating` markers (or `.rej` files);
a file the new release deletes but the team changed is kept and reported; a file the template adds where an
untracked or ignored file already sits is not overwritten. The result is left uncommitted for review.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platform_cli.config import is_trusted_source, load_config
from platform_cli.errors import Refused, UserError
from platform_cli.scaffold.confine import confined_target
from platform_cli.scaffold.gitrepo import run_git
from platform_cli.scaffold.provenance import (
    Provenance,
    TemplateSource,
    find_generated_repo,
    forget_remote_tags,
    read_provenance,
    recorded_version,
    resolve_source,
    source_releases,
)
from platform_cli.scaffold.releases import Release, history_repo, parse_version

MARKER = "<<<<<<< before updating"
CONFLICT_STYLES = ("inline", "rej")


@dataclass(frozen=True)
class Conflict:
    path: str
    reason: str


@dataclass
class UpdateResult:
    repo: Path
    engine: str
    template: str
    from_ref: str | None
    to_ref: str | None
    dry_run: bool
    changes: list[tuple[str, str]] = field(default_factory=list)  # (A|M|D, repo-relative path)
    conflicts: list[Conflict] = field(default_factory=list)
    diff: str = ""

    @property
    def up_to_date(self) -> bool:
        return not self.changes and not self.conflicts

    def as_dict(self) -> dict[str, Any]:
        return {
            "repo": str(self.repo),
            "engine": self.engine,
            "template": self.template,
            "from": self.from_ref,
            "to": self.to_ref,
            "dry_run": self.dry_run,
            "changes": [{"status": s, "path": p} for s, p in self.changes],
            "conflicts": [{"path": c.path, "reason": c.reason} for c in self.conflicts],
            "conflict_count": len(self.conflicts),
            "diff": self.diff if self.dry_run else None,
        }


def git(cwd: Path, *args: str, check: bool = True) -> str:
    """git in the repo or its scratch clone (commits there are authored as platform-cli)."""
    return run_git(cwd, *args, check=check, identity=True)


def _toplevel(repo: Path) -> Path:
    top = git(repo, "rev-parse", "--show-toplevel", check=False).strip()
    if not top:
        raise UserError(
            f"{repo}: not a git repository; an update is a change to review, so the repo must be in git "
            "(git init && git add -A && git commit -m 'before template update')"
        )
    return Path(top).resolve()


def refuse_dirty(top: Path) -> None:
    dirty = [line[3:] for line in git(top, "status", "--porcelain", "--untracked-files=all").splitlines()]
    if dirty:
        shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
        raise Refused(
            f"{top}: {len(dirty)} uncommitted change(s) ({shown}). The update merges into your files and "
            "leaves its result uncommitted for review, so it needs a clean tree to keep the two apart: "
            "commit or stash first (git stash -u), then run it again"
        )


def pick_target(source: TemplateSource, to: str | None) -> Release:
    available = source_releases(source)
    if not available:
        raise UserError(f"{source.location}: the template has no releases (no version tags or archives)")
    if to is None:
        return available[-1]
    wanted = parse_version(to, "--to")
    for release in available:
        if release.version == wanted:
            return release
    shown = ", ".join(str(r.version) for r in available[-10:])
    raise UserError(f"--to {to}: {source.name} has no such release (latest ones: {shown})")


def _trusted(source: TemplateSource, trust: bool) -> bool:
    return trust or source.shipped or is_trusted_source(source.location, load_config())


def update_repo(
    start: Path,
    *,
    to: str | None = None,
    data: Mapping[str, Any] | None = None,
    conflict: str = "inline",
    dry_run: bool = False,
    trust: bool = False,
) -> UpdateResult:
    """Update the generated repo at (or above) `start` to release `to` (default: the latest)."""
    if conflict not in CONFLICT_STYLES:
        raise UserError(f"--conflict {conflict}: use inline or rej")
    repo = find_generated_repo(start)
    forget_remote_tags()
    top = _toplevel(repo)
    refuse_dirty(top)
    prov = read_provenance(repo)
    source = resolve_source(prov.src, repo)
    target = pick_target(source, to) if prov.engine == "copier" or source.kind == "archive" else None
    current = recorded_version(prov)
    result = UpdateResult(repo, prov.engine, source.name, prov.ref, target.ref if target else to, dry_run)
    if target is not None and current is not None:
        if target.version < current:
            raise UserError(
                f"{source.name}: {prov.ref} is newer than {target.ref}; downgrades are not supported"
            )
        if target.version == current and not data:
            return result
    with tempfile.TemporaryDirectory(prefix="platform-update-") as tmp:
        work = Path(tmp) / "repo"
        git(Path(tmp), "clone", "-q", str(top), str(work))
        sub = work / repo.relative_to(top)
        base = git(work, "rev-parse", "HEAD").strip()
        if prov.engine == "copier":
            assert target is not None
            _copier_update(sub, prov, source, target, data or {}, conflict, _trusted(source, trust))
        else:
            from platform_cli.scaffold.merge3 import cookiecutter_update

            result.to_ref = cookiecutter_update(
                sub, prov, source, to, data or {}, conflict, _trusted(source, trust)
            )
        unmerged = git(work, "ls-files", "-u", "-z")  # copier's conflict stages, before `add` clears them
        git(work, "add", "-A")
        result.changes = _changes(work, base)
        record = (repo.relative_to(top) / prov.record).as_posix()
        result.conflicts = _keep_local_deletions(work, base, record, result.changes)
        result.conflicts += _conflicts(work, result.changes, top)
        git(work, "add", "-A")
        result.changes = _changes(work, base)
        if dry_run:
            result.diff = git(work, "diff", "--cached", base)
        else:
            _apply(work, top, result.changes)
            _mark_unmerged(work, top, unmerged, {c.path for c in result.conflicts})
    result.changes = [(s, _rel(p, repo, top)) for s, p in result.changes]
    return result


def _rel(path: str, repo: Path, top: Path) -> str:
    prefix = repo.relative_to(top).as_posix()
    return path[len(prefix) + 1 :] if prefix != "." and path.startswith(prefix + "/") else path


def _set_src(record: Path, src: str) -> None:
    import yaml

    lines = record.read_text(encoding="utf-8").splitlines(keepends=True)
    value = yaml.safe_dump({"_src_path": src}, default_flow_style=False, width=10_000).strip()
    for index, line in enumerate(lines):
        if line.startswith("_src_path:"):
            lines[index] = value + "\n"
    record.write_text("".join(lines), encoding="utf-8")


def _copier_update(
    sub: Path,
    prov: Provenance,
    source: TemplateSource,
    target: Release,
    data: Mapping[str, Any],
    conflict: str,
    trusted: bool,
) -> None:
    from copier import run_update
    from copier.errors import (
        CopierAnswersInterrupt,
        ForbiddenPathError,
        UnsafeTemplateError,
        UserMessageError,
    )
    from jinja2 import TemplateError

    record = sub / prov.record
    local: str | None = None
    if source.kind == "archive":
        # copier updates from git: point the clone's answers at the releases as a tagged git history
        local = str(history_repo(source.directory))
    elif prov.src.startswith("file://"):
        local = prov.src.removeprefix("file://")  # copier reads a local repository by its path only
    if local is not None:
        _set_src(record, local)
        git(sub, "commit", "-q", "--no-verify", "-am", "platform-cli: where the template's releases are")
    try:
        run_update(
            dst_path=sub,
            vcs_ref=target.ref,
            data=dict(data),
            defaults=True,
            overwrite=True,
            conflict="rej" if conflict == "rej" else "inline",
            unsafe=trusted,
            quiet=True,
            answers_file=prov.record,
        )
    except UnsafeTemplateError as error:
        raise Refused(
            f"{prov.src}: refusing to run template code (copier tasks/migrations) from an untrusted template "
            f"({error}); review it, then pass --trust or list it under trusted_templates in "
            "~/.config/platform-cli/config.yaml"
        ) from error
    except ForbiddenPathError as error:  # copier will not write through a symlink leading out
        raise Refused(
            f"{prov.src}: {error}: the update would write through a symlink that leads out of the "
            "repository; replace the symlink with a directory and run again; nothing was written"
        ) from error
    except CopierAnswersInterrupt as error:
        raise KeyboardInterrupt from error
    except (UserMessageError, ValueError) as error:
        raise UserError(f"{prov.src}: {error}") from error
    except TemplateError as error:
        raise UserError(f"{prov.src}: the template failed to render during the update: {error}") from error
    if local is not None:
        _set_src(record, prov.src)


def _changes(work: Path, base: str) -> list[tuple[str, str]]:
    out = git(work, "diff", "--cached", "--name-status", "--no-renames", "-z", base)
    fields = out.split("\0")
    return [(fields[i][0], fields[i + 1]) for i in range(0, len(fields) - 1, 2)]


def _keep_local_deletions(
    work: Path, base: str, record: str, changes: list[tuple[str, str]]
) -> list[Conflict]:
    """Files the new release removes but the team changed since the last generate/update: put back."""
    deleted = [path for status, path in changes if status == "D"]
    if not deleted:
        return []
    last = git(work, "log", "-1", "--format=%H", base, "--", record).strip()
    kept = []
    for path in deleted:
        then = git(work, "rev-parse", "-q", "--verify", f"{last}:{path}", check=False).strip() if last else ""
        now = git(work, "rev-parse", f"{base}:{path}").strip()
        if then != now:
            git(work, "checkout", "-q", base, "--", path)
            kept.append(Conflict(path, "removed by the new template version but changed here: kept"))
    return kept


def _conflicts(work: Path, changes: list[tuple[str, str]], top: Path) -> list[Conflict]:
    found = []
    for status, path in changes:
        if status == "D":
            continue
        if path.endswith(".rej"):
            found.append(Conflict(path, "rejected hunks: apply them by hand, then delete the .rej file"))
            continue
        file = work / path
        if status == "A" and (top / path).exists():
            # an untracked or ignored file of the team's sits where the template now puts one
            git(work, "rm", "-q", "--cached", "--", path)
            file.unlink()
            found.append(Conflict(path, "the template now adds this file; yours (untracked) was kept"))
            continue
        try:
            text = file.read_bytes()
        except OSError:
            continue
        if any(line.rstrip() == MARKER.encode() for line in text.splitlines()):
            found.append(Conflict(path, "conflict markers: keep what you need, remove the markers"))
    return found


def _apply(work: Path, top: Path, changes: list[tuple[str, str]]) -> None:
    """Copy the clone's result into the repo: checked first, then written (each file atomically)."""
    targets = [(status, path, confined_target(top, path)) for status, path in changes]
    real_work = work.resolve()
    for status, path, _ in targets:
        source = work / path
        if status != "D" and source.is_symlink():
            # copied as a link, never followed: a link out of the repo would copy what it points at
            pointed = (source.parent / os.readlink(source)).resolve()
            if pointed != real_work and real_work not in pointed.parents:
                raise Refused(
                    f"the template's update adds a symlink {path} -> {os.readlink(source)} that leads "
                    "outside the repository; nothing was written (fix the template)"
                )
    for status, path, target in targets:
        if status == "D":
            target.unlink(missing_ok=True)
            continue
        source = work / path
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.platform-update")
        shutil.copy2(source, tmp, follow_symlinks=False)
        os.replace(tmp, target)


def _mark_unmerged(work: Path, top: Path, unmerged: str, conflicted: set[str]) -> None:
    """Record copier's conflict stages in the repo's index too, as copier does in place: `git status`
    lists the files as unmerged and `git commit` refuses them until they are resolved and added."""
    stages: dict[str, list[str]] = {}
    for entry in filter(None, unmerged.split("\0")):
        info, _, path = entry.partition("\t")
        if path not in conflicted:
            continue
        mode, sha, stage = info.split()
        blob = subprocess.run(["git", "cat-file", "blob", sha], cwd=work, capture_output=True, check=False)
        stored = subprocess.run(
            ["git", "hash-object", "-w", "--stdin"],
            cwd=top,
            input=blob.stdout,
            capture_output=True,
            check=False,
        )
        if blob.returncode or stored.returncode:
            return  # the markers in the file still say it all; the index is a convenience
        stages.setdefault(path, []).append(f"{mode} {sha} {stage}\t{path}")
    lines = [line for path, entries in stages.items() for line in (f"0 {'0' * 40}\t{path}", *entries)]
    if lines:
        subprocess.run(
            ["git", "update-index", "--index-info"], cwd=top, input="\n".join(lines) + "\n", text=True,
            capture_output=True, check=False,
        )  # fmt: skip
