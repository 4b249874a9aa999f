"""User-level configuration (~/.config/platform-cli/config.yaml): trusted templates, extra policy packs,
the Backstage catalog to register features in, extra model tables, and how generated repos install
platform-cli."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from platform_cli.errors import UserError
from platform_cli.usercache import cache_dir_text as cache_dir_text  # where it lived first


def cache_dir() -> Path:
    """The per-user cache directory: $XDG_CACHE_HOME/platform-cli (default ~/.cache/platform-cli)."""
    return Path(cache_dir_text())


def config_path() -> Path:
    override = os.environ.get("PLATFORM_CONFIG")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "platform-cli" / "config.yaml"


@dataclass(frozen=True)
class UserConfig:
    """The user's config file (trusted template sources, extra policy packs, Backstage, model tables)."""

    trusted_templates: tuple[str, ...] = ()
    policy_dirs: tuple[str, ...] = ()
    backstage_url: str | None = None
    backstage_token: str | None = field(default=None, repr=False)  # a credential: never shown
    model_tables: tuple[str, ...] = ()  # extra model tables merged over policies/model-lifecycle.yaml
    platform_cli_spec: str | None = None  # the pip requirement generated repos install platform-cli with


def load_config() -> UserConfig:
    """Read the user config; a missing file is an empty config, a broken one is a clear error."""
    from platform_cli.onepass import once

    path = config_path()
    trusted_env = os.environ.get("PLATFORM_TRUSTED_TEMPLATES", "")
    # in a pass (a readiness check asks three times), read once
    return once("user-config", (os.fspath(path), trusted_env), lambda: _load_config(path, trusted_env))


def _load_config(path: Path, trusted_env: str) -> UserConfig:
    env_trusted = tuple(p for p in trusted_env.split(os.pathsep) if p)
    if not path.is_file():
        return UserConfig(trusted_templates=env_trusted)
    from platform_cli.yamlfile import load_yaml

    data = load_yaml(path, what="platform-cli config").data or {}
    if not isinstance(data, dict):
        raise UserError(
            f"{path}:1: expected a mapping with keys trusted_templates, policy_dirs, backstage, "
            "model_tables, platform_cli_spec"
        )
    trusted = data.get("trusted_templates", []) or []
    policies = data.get("policy_dirs", []) or []
    tables = data.get("model_tables", []) or []
    spec = data.get("platform_cli_spec")
    if not isinstance(trusted, list) or not all(isinstance(t, str) for t in trusted):
        raise UserError(f"{path}: trusted_templates must be a list of strings (paths or URL prefixes)")
    if not isinstance(policies, list) or not all(isinstance(t, str) for t in policies):
        raise UserError(f"{path}: policy_dirs must be a list of directory paths")
    if not isinstance(tables, list) or not all(isinstance(t, str) for t in tables):
        raise UserError(f"{path}: model_tables must be a list of file paths (model tables in YAML)")
    if spec is not None and (not isinstance(spec, str) or not spec.strip()):
        raise UserError(
            f"{path}: platform_cli_spec must be a pip requirement, e.g. 'platform-cli==0.1.0' or "
            "'platform-cli @ git+https://git.example.com/platform/platform-cli@v0.1.0'"
        )
    url, token = _backstage_section(path, data.get("backstage"))
    return UserConfig(
        trusted_templates=env_trusted + tuple(trusted),
        policy_dirs=tuple(policies),
        backstage_url=url,
        backstage_token=token,
        model_tables=tuple(tables),
        platform_cli_spec=spec.strip() if isinstance(spec, str) else None,
    )


def _backstage_section(path: Path, section: object) -> tuple[str | None, str | None]:
    """`backstage: {url: ..., token: ...}`: where the catalog is and the token to call it with."""
    if section is None:
        return None, None
    if not isinstance(section, dict) or set(section) - {"url", "token"}:
        raise UserError(f"{path}: backstage must be a mapping with keys url and token (both optional)")
    url, token = section.get("url"), section.get("token")
    if url is not None and not isinstance(url, str):
        raise UserError(f"{path}: backstage.url must be a string, e.g. https://backstage.example.com")
    if token is not None and not isinstance(token, str):
        raise UserError(f"{path}: backstage.token must be a string (or set $BACKSTAGE_TOKEN instead)")
    return url or None, token or None


def is_trusted_source(source: str, config: UserConfig) -> bool:
    """A source is trusted when it starts with a configured prefix (a trailing `/` or `*` matches below)."""
    for prefix in config.trusted_templates:
        bare = prefix.rstrip("*")
        if (
            source == prefix
            or (bare != prefix and source.startswith(bare))
            or (prefix.endswith("/") and source.startswith(prefix))
        ):
            return True
    return False
