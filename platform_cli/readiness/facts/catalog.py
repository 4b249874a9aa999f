"""The `catalog` fact: is catalog-info.yaml a valid Backstage Component that agrees with the manifest, and,
when a Backstage URL is configured, does the catalog serve it?"""

from __future__ import annotations

from typing import Any

from platform_cli.errors import InvalidFile, PlatformError
from platform_cli.readiness.facts.base import Fact, RepoContext

LOOKUP_TIMEOUT_S = 10.0


class CatalogCollector:
    """`catalog`: {file, present, entity_ref, problems: [{file, line, message}], backstage: {configured,
    url, registered, error}}.

    `problems` holds every Backstage-rule violation and every disagreement with ai-feature.yaml, each
    with its line. `backstage.registered` is None when no catalog is configured (nothing to ask) or when
    it could not be asked (`error` says why); the rule then fails rather than guessing.
    """

    name = "catalog"

    def collect(self, ctx: RepoContext) -> Fact:
        from platform_cli.backstage.entity import (
            CATALOG_FILE,
            agreement_problems,
            entity_problems,
            load_entity,
        )

        path = ctx.root / CATALOG_FILE
        value: dict[str, Any] = {
            "file": CATALOG_FILE,
            "present": path.is_file(),
            "entity_ref": None,
            "problems": [],
            "backstage": {"configured": False, "url": None, "registered": None, "error": None},
        }
        if not value["present"]:
            return Fact(self.name, value, file=CATALOG_FILE)
        try:
            entity = load_entity(path, display=CATALOG_FILE)
        except InvalidFile as error:
            value["problems"] = [_problem(p.file, p.line, p.render()) for p in error.problems]
            return Fact(self.name, value, file=CATALOG_FILE, line=1)
        except PlatformError as error:
            return Fact.missing(self.name, str(error), file=CATALOG_FILE)
        problems = entity_problems(entity) + agreement_problems(entity, ctx.manifest)
        value["problems"] = [_problem(p.file, p.line, p.render()) for p in problems]
        value["entity_ref"] = entity.ref if entity.name else None
        if not problems:
            value["backstage"] = _lookup(entity)
        return Fact(self.name, value, file=CATALOG_FILE, line=1)


def _problem(file: str, line: int | None, message: str) -> dict[str, Any]:
    return {"file": file, "line": line, "message": message}


def _lookup(entity: Any) -> dict[str, Any]:
    """Ask the configured catalog (if any) whether it serves the entity."""
    from platform_cli.backstage.settings import catalog_settings

    result: dict[str, Any] = {"configured": False, "url": None, "registered": None, "error": None}
    try:
        settings = catalog_settings()
    except PlatformError as error:
        result.update(configured=True, error=str(error))
        return result
    if settings is None:
        return result
    result.update(configured=True, url=settings.url)
    from platform_cli.backstage.client import CatalogClient  # the HTTP stack, only when there is a catalog

    client = CatalogClient(settings, timeout_s=LOOKUP_TIMEOUT_S)
    try:
        result["registered"] = client.entity("component", entity.namespace, entity.name) is not None
    except PlatformError as error:
        result["error"] = str(error)
    finally:
        client.close()
    return result
