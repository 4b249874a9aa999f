"""Which state store a feature uses: $PLATFORM_STATE_URL, spec.state.url, or the SQLite default."""

from __future__ import annotations

from pathlib import Path

from platform_cli.manifest import absolute_sqlite_url, load_manifest, resolve_state_url


def test_relative_sqlite_path_is_made_absolute_against_the_repo(repo: Path) -> None:
    manifest = load_manifest(repo / "ai-feature.yaml")
    expected = f"sqlite:///{(repo.resolve() / '.platform' / 'state.db').as_posix()}"
    assert resolve_state_url(manifest, env={}) == expected
    assert expected.startswith("sqlite:////")


def test_default_when_the_manifest_has_no_state(minimal_text: str, repo: Path) -> None:
    (repo / "ai-feature.yaml").write_text(minimal_text, encoding="utf-8")
    manifest = load_manifest(repo / "ai-feature.yaml")
    assert resolve_state_url(manifest, env={}) == f"sqlite:///{repo.resolve().as_posix()}/.platform/state.db"


def test_environment_wins(repo: Path) -> None:
    manifest = load_manifest(repo / "ai-feature.yaml")
    pg = "postgresql://app@127.0.0.1:5432/features"
    assert resolve_state_url(manifest, env={"PLATFORM_STATE_URL": pg}) == pg
    relative = resolve_state_url(manifest, env={"PLATFORM_STATE_URL": "sqlite:///other/../s.db?mode=rwc"})
    assert relative == f"sqlite:///{repo.resolve().as_posix()}/s.db?mode=rwc"
    # An empty variable is as good as unset.
    assert resolve_state_url(manifest, env={"PLATFORM_STATE_URL": ""}).endswith("/.platform/state.db")


def test_postgres_url_in_the_manifest_is_kept(full_text: str, repo: Path) -> None:
    pg = "postgresql://app@db.internal/features"
    (repo / "ai-feature.yaml").write_text(
        full_text.replace('"sqlite:///.platform/state.db"', pg), encoding="utf-8"
    )
    assert resolve_state_url(load_manifest(repo / "ai-feature.yaml"), env={}) == pg


def test_absolute_and_memory_sqlite_urls_are_unchanged(tmp_path: Path) -> None:
    assert absolute_sqlite_url("sqlite:////var/lib/state.db", tmp_path) == "sqlite:////var/lib/state.db"
    assert absolute_sqlite_url("sqlite:///:memory:", tmp_path) == "sqlite:///:memory:"
