"""Org-wide scan: find every feature repo below some directories and check them in parallel."""

from __future__ import annotations

import datetime as dt
import gc
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from platform_cli.errors import PlatformError, UserError
from platform_cli.readiness.check import check_repo, repo_display
from platform_cli.readiness.model import Level, Rule
from platform_cli.readiness.rules import load_rules
from platform_cli.readiness.scorecard import ScanResult
from platform_cli.readiness.waivers import max_days
from platform_cli.repo import MANIFEST_NAME

__all__ = ["ScanResult", "find_repos", "scan", "scan_repos"]

SKIP_DIRS = frozenset({".git", ".venv", "node_modules"})
Progress = Callable[[int, int], None]

# Repos per task in a parallel scan: about BATCHES_PER_WORKER tasks per worker (so the progress bar moves
# and a slow repo does not hold up a worker's whole share), at most MAX_BATCH repos each.
BATCHES_PER_WORKER = 16
MAX_BATCH = 16


class _Job(NamedTuple):
    """What every repo's check in a scan is given (set in this process, and in each worker at its start)."""

    rules: tuple[Rule, ...]
    level: Level | None
    today: dt.date | None
    waiver_max_days: int | None  # read once for the scan; None: each check reads it (and reports it)
    extra_policy_dirs: tuple[Path, ...]


_job = _Job((), None, None, None, ())


def find_repos(dirs: Iterable[Path]) -> list[Path]:
    """Every directory holding ai-feature.yaml at or below `dirs`, sorted, each once.

    Skips .git, .venv and node_modules everywhere and a found repo's own .platform (state, caches);
    keeps descending into a found repo otherwise, so monorepos with several features are found.
    """
    found: set[Path] = set()
    for top in dirs:
        if not top.exists():
            raise UserError(f"{top}: no such directory (scan takes directories that contain feature repos)")
        if not top.is_dir():
            raise UserError(f"{top}: not a directory (scan takes directories that contain feature repos)")
        found.update(Path(os.path.realpath(repo)) for repo in _walk(os.fspath(top)))
    return sorted(found)


def _walk(top: str) -> list[str]:
    """The directories at or below `top` that hold MANIFEST_NAME, walked as os.walk(top) would (a symlink
    to a directory is not entered, an unreadable directory is skipped), with one scandir per directory and
    no lstat per sub-directory: the directory entry already says whether it is a symlink."""
    repos: list[str] = []
    pending = [top]
    while pending:
        current = pending.pop()
        subdirs: list[str] = []
        is_repo = False
        try:
            with os.scandir(current) as entries:
                for entry in entries:
                    try:
                        is_dir = entry.is_dir()
                    except OSError:
                        is_dir = False
                    if not is_dir:
                        is_repo = is_repo or entry.name == MANIFEST_NAME
                    elif not entry.is_symlink():
                        subdirs.append(entry.name)
        except OSError:
            continue  # os.walk skips a directory it cannot list (or finish listing)
        if is_repo:
            repos.append(current)
        pending.extend(
            os.path.join(current, name)
            for name in subdirs
            if name not in SKIP_DIRS and not (is_repo and name == ".platform")
        )
    return repos


def scan(
    dirs: Sequence[Path],
    *,
    workers: int | None = None,
    progress: Progress | None = None,
    level: Level | None = None,
    extra_policy_dirs: Sequence[Path] = (),
    today: dt.date | None = None,
    rules: Sequence[Rule] | None = None,
) -> list[ScanResult]:
    """Check every repo below `dirs` (in parallel when there are several) and return one result each.

    Rules are loaded once, here (unless given): a bad rule file stops the scan (InvalidFile, exit 2).
    A repo that cannot be checked (bad manifest or waivers, unreadable files) becomes a result carrying
    the error text.
    `progress(done, total)` is called after each repo.
    Raises UserError (exit 2) when a directory does not exist or no repo is found below them: a scan
    of nothing is a wrong path, not an org where every repo is ready.
    """
    repos = find_repos(dirs)
    if not repos:
        where = ", ".join(str(d) for d in dirs)
        raise UserError(
            f"no {MANIFEST_NAME} found below {where} (give the directories that hold the feature repos; "
            f"{', '.join(sorted(SKIP_DIRS))} are not searched)"
        )
    return scan_repos(
        repos,
        workers=workers,
        progress=progress,
        level=level,
        extra_policy_dirs=extra_policy_dirs,
        today=today,
        rules=rules,
    )


def scan_repos(
    repos: Sequence[Path],
    *,
    workers: int | None = None,
    progress: Progress | None = None,
    level: Level | None = None,
    extra_policy_dirs: Sequence[Path] = (),
    today: dt.date | None = None,
    rules: Sequence[Rule] | None = None,
) -> list[ScanResult]:
    """Check each of `repos` (feature repo roots), in parallel when there are several; see `scan`."""
    active = tuple(rules) if rules is not None else tuple(load_rules(extra_policy_dirs))
    dirs = tuple(extra_policy_dirs)
    job = _Job(active, level, today, _waiver_limit(dirs), dirs)
    total = len(repos)
    if progress is not None:
        progress(0, total)
    count = max(1, min(workers or os.cpu_count() or 1, total))
    results: list[ScanResult] = []
    if count == 1:
        _set_job(job)
        for done, repo in enumerate(repos, start=1):
            results.append(_check_one(repo))
            if progress is not None:
                progress(done, total)
    else:
        # The first repo is checked here: that imports what the checks need (and fills the per-process
        # caches) once, before the workers are forked from this process, instead of once in every worker.
        _set_job(job)
        results.append(_check_one(repos[0]))
        if progress is not None:
            progress(1, total)
        # Batches, not one task per repo: a task's round trip costs more than a small repo's check, and
        # a batch's results travel in one pickle, so the rules every finding names are sent once per batch.
        size = max(1, min(MAX_BATCH, total // (count * BATCHES_PER_WORKER)))
        batches = [repos[start : start + size] for start in range(1, total, size)]
        with ProcessPoolExecutor(max_workers=count, initializer=_start_worker, initargs=(job,)) as pool:
            futures = [pool.submit(_check_batch, batch) for batch in batches]
            # after the submits: the workers are forked by then and keep this process's collector setting
            with _no_collections():
                for future in as_completed(futures):
                    results.extend(future.result())
                    if progress is not None:
                        progress(len(results), total)
    return sorted(results, key=lambda r: r.path)


@contextmanager
def _no_collections() -> Iterator[None]:
    """No garbage collection while a parallel scan's results arrive. They are unpickled here, thousands
    of small objects per batch and none in a reference cycle, so every collection of the oldest generation
    walked all the results received so far for nothing (a third of a 1,000-repo scan's CPU time in this
    process); the collector runs again, as before, once they are all in."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _waiver_limit(extra_policy_dirs: tuple[Path, ...]) -> int | None:
    """The platform's waiver limit, read once for the whole scan (every repo's check reads the same
    platform files, the given packs' included: they may lower it), or None when it cannot be read: then
    each repo's check reads it again and reports the problem as its own result, as it would without this."""
    try:
        return max_days(extra_policy_dirs)
    except PlatformError:
        return None


def _set_job(job: _Job) -> None:
    global _job
    _job = job


def _start_worker(job: _Job) -> None:
    """A forked worker's start: what it inherited (modules, rules, memos) is moved out of the garbage
    collector's way, so its collections only walk what its own checks allocate."""
    gc.freeze()
    _set_job(job)


def _check_batch(repos: Sequence[Path]) -> list[ScanResult]:
    return [_check_one(repo) for repo in repos]


def _check_one(repo: Path) -> ScanResult:
    """Check one repo in a worker; every failure becomes text (exceptions do not cross processes well)."""
    path = repo_display(repo)
    job = _job
    try:
        report = check_repo(
            repo,
            level=job.level,
            today=job.today,
            rules=job.rules,
            waiver_max_days=job.waiver_max_days,
            extra_policy_dirs=job.extra_policy_dirs,
        )
    except PlatformError as error:
        return ScanResult(path=path, error=str(error))
    except Exception as error:  # one broken repo must not abort an org-wide scan
        return ScanResult(path=path, error=f"internal error while checking: {type(error).__name__}: {error}")
    return ScanResult(path=path, report=report)
