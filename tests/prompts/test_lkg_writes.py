"""Last-known-good copies are written when what they hold changes, and only then (each write fsyncs)."""

from __future__ import annotations

from pathlib import Path

from test_resolver import _publish_two_versions, _resolver

from platform_cli.prompts.labels import promote
from platform_cli.prompts.portfolio import allocate
from platform_cli.store import Store


def _files(directory: Path) -> dict[str, tuple[int, int]]:
    """Each copy's (inode, mtime): an atomic rewrite gives the file a new inode."""
    return {p.relative_to(directory).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in sorted(directory.rglob("*.json"))}  # fmt: skip


def test_a_refresh_that_changes_nothing_rewrites_no_copy(repo: Path, store: Store, state: str) -> None:
    _publish_two_versions(store, repo)
    promote(store, "summarize", 1, "production", author="jane", reason="launch")
    allocate(store, "summarize", {"v2": 2500}, author="jane")
    resolver = _resolver(state, repo, ttl_s=0.0)  # every resolve goes back to the store
    resolver.resolve("summarize", key="user-1")
    lkg = resolver.lkg.directory
    before = _files(lkg)
    kinds = {name.split("/")[-1].split(".")[0] for name in before}
    assert "allocation" in kinds and kinds & {"label", "version"}  # v2 (a version) or control (the label)

    for _ in range(3):
        resolver.resolve("summarize", key="user-1")
    assert _files(lkg) == before

    fresh = _resolver(state, repo, ttl_s=0.0)  # a restarted process finds the same copies on disk
    fresh.resolve("summarize", key="user-1")
    assert _files(lkg) == before


def test_a_copy_follows_a_label_that_moves_away_and_back(repo: Path, store: Store, state: str) -> None:
    _publish_two_versions(store, repo)
    resolver = _resolver(state, repo, ttl_s=0.0)
    for version in (1, 2, 1):
        promote(store, "summarize", version, "production", author="jane", reason=f"to v{version}")
        assert resolver.resolve("summarize").version == version
        saved = resolver.lkg.load_label("summarize", "production")
        assert saved is not None and saved[0] == version


def test_a_changed_allocation_is_saved(repo: Path, store: Store, state: str) -> None:
    _publish_two_versions(store, repo)
    promote(store, "summarize", 1, "production", author="jane", reason="launch")
    resolver = _resolver(state, repo, ttl_s=0.0)
    allocate(store, "summarize", {"v2": 2500}, author="jane")
    resolver.resolve("summarize", key="user-1")
    allocate(store, "summarize", {"v2": 5000}, author="jane")
    resolver.resolve("summarize", key="user-1")
    saved = resolver.lkg.load_allocation("summarize", "*")
    assert saved is not None and "5000" in (saved[2] or "")
