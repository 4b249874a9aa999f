"""`readiness scan --from-catalog`: the org's features are the catalog's AI-feature Components.

The catalog says WHICH features exist (every Component carrying the `platform.dev/manifest` annotation
the golden path writes); the check itself always runs on a checkout, never on annotations the catalog
holds (a gate is not passed by what a file says about itself). A feature registered as a `file` location
is checked where that file is; any other is looked up by name among the repos below the given
directories; a feature with no checkout is listed as an error row saying where to clone it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from platform_cli.backstage.client import CatalogClient, as_dict
from platform_cli.errors import PlatformError, UserError
from platform_cli.readiness.scan import find_repos
from platform_cli.readiness.scorecard import ScanResult
from platform_cli.repo import MANIFEST_NAME

FEATURE_FILTER = "kind=component,metadata.annotations.platform.dev/manifest"
LOCATION_ANNOTATION = "backstage.io/managed-by-location"


def catalog_features(client: CatalogClient) -> list[dict[str, Any]]:
    """Every AI-feature Component in the catalog."""
    return list(client.query(FEATURE_FILTER))


def resolve_checkouts(
    entities: Sequence[dict[str, Any]], dirs: Sequence[Path]
) -> tuple[list[Path], list[ScanResult]]:
    """(repo roots to check, error rows for features with no checkout), each feature once."""
    by_name = _repos_by_name(find_repos(dirs)) if dirs else {}
    repos: list[Path] = []
    missing: list[ScanResult] = []
    for entity in entities:
        metadata = as_dict(entity.get("metadata"))
        name = str(metadata.get("name"))
        ref = f"component:{metadata.get('namespace') or 'default'}/{name}"
        location = str(as_dict(metadata.get("annotations")).get(LOCATION_ANNOTATION, ""))
        root = _file_location_repo(location) or by_name.get(name)
        if root is None:
            where = f" below {', '.join(map(str, dirs))}" if dirs else " (give the directories to look in)"
            missing.append(
                ScanResult(
                    path=ref,
                    error=f"in the catalog (registered from {location or 'an unknown location'}) but no "
                    f"checkout with {MANIFEST_NAME} named {name!r} was found{where}: clone it there",
                )
            )
        elif root not in repos:
            repos.append(root)
    return repos, missing


def _file_location_repo(location: str) -> Path | None:
    """The repo of a `file:/.../catalog-info.yaml` location, when it is a readable feature repo here."""
    if not location.startswith("file:"):
        return None
    root = Path(location[len("file:") :]).parent
    return root.resolve() if (root / MANIFEST_NAME).is_file() else None


def _repos_by_name(repos: Sequence[Path]) -> dict[str, Path]:
    """Repos below the scanned directories by their manifest's metadata.name (unreadable ones skipped:
    they cannot be matched to a catalog entry, and a plain directory scan reports them)."""
    from platform_cli.yamlfile import load_yaml

    found: dict[str, Path] = {}
    for root in repos:
        try:
            data = load_yaml(root / MANIFEST_NAME, what="manifest").data
        except PlatformError:
            continue
        name = as_dict(as_dict(data).get("metadata")).get("name")
        if isinstance(name, str):
            found.setdefault(name, root)
    return found


def require_features(entities: Sequence[dict[str, Any]], url: str) -> None:
    if not entities:
        raise UserError(
            f"the catalog at {url} lists no AI-feature Components (Components annotated "
            "platform.dev/manifest, as generated repos are); register one with `platform catalog register`"
        )
