"""Where the configured policy packs are: what rule loading and the platform's waiver limit both read.

Kept apart from `rules` so that the waiver limit (read by the secret scan's allowlist judgement, a fact) does
not import rule loading, which imports the fact registry.
"""

from __future__ import annotations

import os
from pathlib import Path

POLICIES_ENV = "PLATFORM_POLICIES"


def configured_policy_dirs() -> list[Path]:
    """Extra packs from `$PLATFORM_POLICIES` (os.pathsep-separated), then the user config's `policy_dirs`
    (relative entries there are relative to the config file)."""
    from platform_cli.config import config_path, load_config

    from_env = [Path(p) for p in os.environ.get(POLICIES_ENV, "").split(os.pathsep) if p]
    base = config_path().parent
    return from_env + [base / Path(p).expanduser() for p in load_config().policy_dirs]
