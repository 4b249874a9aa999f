"""Which state store a feature uses: $PLATFORM_STATE_URL, spec.state.url, or the SQLite default."""

from __future__ import annotations

from pathlib import Path

import pytest

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


def _with_state(full_text: str, repo: Path, url: str, secrets: str = "") -> Path:
    text = full_text.replace('"sqlite:///.platform/state.db"', f'"{url}"')
    if secrets:
        text = text.replace("  secrets:\n", "  secrets:\n" + secrets, 1)
    path = repo / "ai-feature.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_whole_url_reference_reads_the_variable(full_text: str, repo: Path) -> None:
    manifest = load_manifest(_with_state(full_text, repo, "${TEAM_STATE_URL}"))
    pg = "postgresql://app:s3cret@db.internal:5432/features"
    assert resolve_state_url(manifest, env={"TEAM_STATE_URL": pg}) == pg


def test_a_reference_inside_the_userinfo_is_percent_encoded(full_text: str, repo: Path) -> None:
    """A password with @ or / cannot move the URL to another host."""
    url = "postgresql://app:${STATE_DB_PASSWORD}@db.internal:5432/features"
    manifest = load_manifest(_with_state(full_text, repo, url))
    resolved = resolve_state_url(manifest, env={"STATE_DB_PASSWORD": "p@ss/word:x"})
    assert resolved == "postgresql://app:p%40ss%2Fword%3Ax@db.internal:5432/features"


def test_an_unset_reference_names_the_line_and_what_to_set_never_a_value(full_text: str, repo: Path) -> None:
    from platform_cli.errors import UserError

    manifest = load_manifest(_with_state(full_text, repo, "${PLATFORM_STATE_URL}"))
    with pytest.raises(UserError) as caught:
        resolve_state_url(manifest, env={"UNRELATED": "postgresql://x:leak@h/d"})
    message = str(caught.value)
    assert "ai-feature.yaml:" in message and "${PLATFORM_STATE_URL}, which is not set" in message
    assert "repository secret PLATFORM_STATE_URL" in message and "leak" not in message


def test_a_reference_to_a_declared_secret_is_read_from_its_backend(full_text: str, repo: Path) -> None:
    """`${NAME}` declared in spec.secrets is read like the provider keys, here from its env-file backend."""
    from platform_cli.prompts.config import settings_for
    from platform_cli.secrets import state_url_secrets

    declared = (
        "    - {name: STATE_DB_PASSWORD, backend: env-file, path: .env, rotation_days: 90,"
        " owner: team-support-ai}\n"
    )
    url = "postgresql://app:${STATE_DB_PASSWORD}@db.internal:5432/features"
    manifest = load_manifest(_with_state(full_text, repo, url, declared))
    (repo / ".env").write_text("STATE_DB_PASSWORD=from-the-backend\n", encoding="utf-8")
    (repo / ".env").chmod(0o600)
    settings = settings_for(manifest, state_url_secrets(manifest))
    assert settings.state_url == "postgresql://app:from-the-backend@db.internal:5432/features"
    # without the reader, only the environment is consulted
    with pytest.raises(Exception, match="STATE_DB_PASSWORD"):
        resolve_state_url(manifest, env={})


def test_the_schema_accepts_references_and_refuses_other_schemes(full_text: str, repo: Path) -> None:
    from platform_cli.errors import InvalidFile

    load_manifest(_with_state(full_text, repo, "${PLATFORM_STATE_URL}"))
    with pytest.raises(
        InvalidFile, match=r"starting with sqlite:/// or postgresql://, or a \$\{NAME\} reference"
    ):
        load_manifest(_with_state(full_text, repo, "mysql://app@db/features"))
