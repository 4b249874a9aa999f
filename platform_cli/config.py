"""User-level configuration (~/.config/platform-cli/config.yaml): trusted templates, extra policy packs."""

from __future__ import annotations

import os
from dataclasses import dataclass
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


def load_config() -> UserConfig:
    """Read the user config; a missing file is an empty config, a broken one is a clear error."""
    path = config_path()
    env_trusted = tuple(p for p in os.environ.get("PLATFORM_TRUSTED_TEMPLATES", "").split(os.pathsep) if p)
    if not path.is_file():
        return UserConfig(trusted_templates=env_trusted)
    from platform_cli.yamlfile import load_yaml

    data = load_yaml(path, what="platform-cli config").data or {}
    if not isinstance(data, dict):
        raise UserError(f"{path}:1: expected a mapping with keys trusted_templates, policy_dirs")
    trusted = data.get("trusted_templates", []) or []
    policies = data.get("policy_dirs", []) or []
    if not isinstance(trusted, list) or not all(isinstance(t, str) for t in trusted):
        raise UserError(f"{path}: trusted_templates must be a list of strings (paths or URL prefixes)")
    if not isinstance(policies, list) or not all(isinstance(t, str) for t in policies):
        raise UserError(f"{path}: policy_dirs must be a list of directory paths")
    return UserConfig(trusted_templates=env_trusted + tuple(trusted), policy_dirs=tuple(policies))


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
