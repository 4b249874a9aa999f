"""A repo's file list read from its git index, without running git, when that answer is certain.

`git ls-files -co --exclude-standard` costs a process per repo (about 2 ms of CPU, more than the rest of
the listing), and an org-wide scan asks it of every repo. Most scanned repos are clean checkouts: every
file in the work tree is in the index. Then the index alone is the answer, and reading it (plus one walk
of the directories it names) gives exactly what git would list. Anything else returns None so the caller
asks git: a file or directory the index does not hold (untracked or ignored: only git knows its ignore
rules), a merge in progress, sparse or skip-worktree entries, a split index, index versions other than 2
and 3, a repo owned by another user, a repository layout or environment that redirects git elsewhere.
Reading is bounded: an index over `MAX_INDEX_BYTES` or with more entries than it can hold is git's.
"""

from __future__ import annotations

import hashlib
import os
import stat
import struct
from pathlib import Path

MAX_INDEX_BYTES = 8 * 1024 * 1024

# Environment that points git at another repository, work tree or index: git itself must answer then.
_REDIRECTING = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_CONFIG_PARAMETERS")
# Repository settings under which the index is not the whole story (or not laid out as read here).
_UNUSUAL_CONFIG = ("worktree", "bare=true", "[extensions", "objectformat", "splitindex", "sparse", "[include")

_HEADER = struct.Struct(">4sLL")
_ENTRY_FIXED = 62  # ctime, mtime, dev, ino, mode, uid, gid, size (4 bytes each), sha-1 (20), flags (2)
_STAGE_MASK = 0x3000
_EXTENDED = 0x4000
_NAME_MASK = 0x0FFF
_SKIP_OR_INTENT = 0x6000  # extended flags: skip-worktree, intent-to-add
_SPLIT_OR_SPARSE = (b"link", b"sdir")
_CHECKSUM = 20


def index_listing(root: Path) -> tuple[list[str], set[str]] | None:
    """(every file, the tracked ones) as `git ls-files -t -co --exclude-standard` run in `root` would give
    them, limited to files that exist; None when only git can say (see the module docstring)."""
    if any(name in os.environ for name in _REDIRECTING):
        return None
    git_dir = os.path.join(root, ".git")
    try:
        info = os.lstat(git_dir)
        if not stat.S_ISDIR(info.st_mode) or {info.st_uid, os.stat(root).st_uid} != {os.geteuid()}:
            return None
        with open(os.path.join(git_dir, "config"), "rb") as handle:
            config = handle.read(65537)
        with open(os.path.join(git_dir, "index"), "rb") as handle:
            data = handle.read(MAX_INDEX_BYTES + 1)
    except OSError:
        return None
    compact = config.decode("utf-8", "replace").lower().replace(" ", "").replace("\t", "")
    if len(config) > 65536 or len(data) > MAX_INDEX_BYTES or any(w in compact for w in _UNUSUAL_CONFIG):
        return None
    names = _index_names(data)
    if names is None:
        return None
    return _matching_work_tree(os.fspath(root), names)


def _index_names(data: bytes) -> list[str] | None:
    """The paths of a version 2 or 3 index whose checksum holds, all at stage 0; None for anything else."""
    if len(data) < _HEADER.size + _CHECKSUM:
        return None
    if hashlib.sha1(data[:-_CHECKSUM], usedforsecurity=False).digest() != data[-_CHECKSUM:]:
        return None  # git refuses a corrupt index (and then the listing is a walk): so must this
    signature, version, count = _HEADER.unpack_from(data)
    if signature != b"DIRC" or version not in (2, 3) or count > len(data) // _ENTRY_FIXED:
        return None
    end = len(data) - _CHECKSUM
    names: list[str] = []
    offset = _HEADER.size
    for _ in range(count):
        start = offset
        if offset + _ENTRY_FIXED > end:
            return None
        (flags,) = struct.unpack_from(">H", data, offset + 60)
        offset += _ENTRY_FIXED
        if flags & _STAGE_MASK:
            return None  # a merge in progress
        if flags & _EXTENDED:
            if version < 3 or offset + 2 > end:
                return None
            (extended,) = struct.unpack_from(">H", data, offset)
            if extended & _SKIP_OR_INTENT:
                return None
            offset += 2
        stop = data.find(b"\0", offset, end)
        if stop < 0 or (flags & _NAME_MASK) not in (stop - offset, _NAME_MASK):
            return None
        raw = data[offset:stop]
        if not raw or raw.startswith(b"/") or b"//" in raw:
            return None
        names.append(raw.decode("utf-8", "surrogateescape"))
        offset = start + ((stop - start) // 8 + 1) * 8  # entries are NUL-padded to a multiple of 8 bytes
    while offset < end:  # extensions: a split or sparse index holds entries elsewhere
        if offset + 8 > end:
            return None
        signature, size = struct.unpack_from(">4sL", data, offset)
        if signature in _SPLIT_OR_SPARSE:
            return None
        offset += 8 + size
    return names if offset == end else None


def _matching_work_tree(root: str, names: list[str]) -> tuple[list[str], set[str]] | None:
    """Walk only the directories the index names; any other entry there (a file git would have to judge
    by its ignore rules, or a directory it does not track) means None."""
    tracked = set(names)
    directories = {""}
    for name in names:
        parts = name.split("/")
        for depth in range(1, len(parts)):
            directories.add("/".join(parts[:depth]))
    existing: list[str] = []
    pending = [""]
    while pending:
        relative = pending.pop()
        where = os.path.join(root, relative) if relative else root
        try:
            entries = list(os.scandir(where))
        except OSError:
            return None
        for entry in entries:
            name = f"{relative}/{entry.name}" if relative else entry.name
            if not relative and entry.name == ".git":
                continue
            if entry.is_dir(follow_symlinks=False):
                if name not in directories:
                    return None
                pending.append(name)
            elif name not in tracked:
                return None
            elif entry.is_file():  # follows a symlink, as the listing always has
                existing.append(name)
    existing.sort()
    return existing, set(existing)
