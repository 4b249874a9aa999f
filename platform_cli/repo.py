"""Find the feature repository a command acts on: `--repo`, else the nearest parent with `ai-feature.yaml`."""

from __future__ import annotations

from pathlib import Path

from platform_cli.errors import UserError

MANIFEST_NAME = "ai-feature.yaml"


def find_repo(start: Path | None = None, explicit: Path | None = None) -> Path:
    """Return the feature repository root or raise a UserError that says how to point at one."""
    if explicit is not None:
        root = explicit.resolve()
        if not (root / MANIFEST_NAME).is_file():
            raise UserError(
                f"{root}: no {MANIFEST_NAME} here (--repo must point at a feature repository; "
                "create one with `platform scaffold new-ai-feature`)"
            )
        return root
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / MANIFEST_NAME).is_file():
            return candidate
    raise UserError(
        f"no {MANIFEST_NAME} in {here} or any parent directory "
        "(run inside a feature repository, pass --repo PATH, or create one with "
        "`platform scaffold new-ai-feature`)"
    )
