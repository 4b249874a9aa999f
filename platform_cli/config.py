"""User-level configuration (~/.config/platform-cli/config.yaml): trusted templates, extra policy packs,
the Backstage catalog to register features in."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from platform_cli.errors import UserError


def cache_dir() -> Path:
    """The per-user cache directory: $XDG_CACHE_HOME/platform-cli (default ~/.cache/platform-cli)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "platform-cli"


def config_path() -> Path:
    override = os.environ.get("PLATFORM_CONFIG")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "platform-cli" / "config.yaml"


@dataclass(frozen=True)
class UserConfig:
    trusted_templates: tuple[str, ...] = ()
    policy_dirs: tuple[str, ...] = ()
    backstage_url: str | None = None
    backstage_token: str | None = field(default=None, repr=False)  # a credential: never shown


def load_config() -> UserConfig:
    """Read the user config; a missing file is an empty config, a broken one is a clear error."""
    path = config_path()
    env_trusted = tuple(p for p in os.environ.get("PLATFORM_TRUSTED_TEMPLATES", "").split(os.pathsep) if p)
    if not path.is_file():
        return UserConfig(trusted_templates=env_trusted)
    from platform_cli.yamlfile import load_yaml

    data = load_yaml(path, what="platform-cli config").data or {}
    if not isinstance(data, dict):
        raise UserError(f"{path}:1: expected a mapping with keys trusted_templates, policy_dirs, backstage")
    trusted = data.get("trusted_templates", []) or []
    policies = data.get("policy_dirs", []) or []
    if not isinstance(trusted, list) or not all(isinstance(t, str) for t in trusted):
        raise UserError(f"{path}: trusted_templates must be a list of strings (paths or URL prefixes)")
    if not isinstance(policies, list) or not all(isinstance(t, str) for t in policies):
        raise UserError(f"{path}: policy_dirs must be a list of directory paths")
    url, token = _backstage_section(path, data.get("backstage"))
    return UserConfig(
        trusted_templates=env_trusted + tuple(trusted),
        policy_dirs=tuple(policies),
        backstage_url=url,
        backstage_token=token,
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
