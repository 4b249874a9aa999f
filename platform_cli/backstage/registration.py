"""Register, inspect and unregister a feature repo's catalog entity: the steps behind `platform catalog`.

Registration validates the file locally, then asks the catalog for a dry run (Backstage's own validation,
and proof that the location really holds this entity), then registers. A location that is already
registered (409) counts as success and is refreshed, so re-running `register` after editing
catalog-info.yaml brings the catalog up to date.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platform_cli.backstage.client import CatalogClient, CatalogError, as_dict
from platform_cli.backstage.entity import CATALOG_FILE, CatalogEntity, validate_repo
from platform_cli.errors import UserError
from platform_cli.manifest import load_manifest
from platform_cli.repo import MANIFEST_NAME

POLL_S = 1.0


@dataclass(frozen=True)
class Target:
    """A catalog location: `url` (what most catalogs allow) or `file` (a path on the catalog's machine)."""

    type: str
    target: str

    @classmethod
    def parse(cls, text: str | None, root: Path) -> Target:
        """`--target`: an http(s) URL, else a path; default the repo's catalog-info.yaml as a file."""
        if text is None:
            return cls("file", str((root / CATALOG_FILE).resolve()))
        if text.startswith(("http://", "https://")):
            return cls("url", text)
        return cls("file", str(Path(text).expanduser().resolve()))

    def as_dict(self) -> dict[str, str]:
        return {"type": self.type, "target": self.target}


@dataclass
class Outcome:
    """What a catalog command did, for text and JSON output."""

    action: str  # registered | already-registered | dry-run | found | not-found | processing | ...
    entity_ref: str
    target: Target | None = None
    location_id: str | None = None
    entity: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "entity_ref": self.entity_ref,
            "location": None if self.target is None else {**self.target.as_dict(), "id": self.location_id},
            "entity": self.entity,
            "notes": self.notes,
        }


def local_entity(root: Path) -> CatalogEntity:
    """The repo's catalog-info.yaml after Backstage's rules and the manifest agreed with it (else exit 2)."""
    manifest = load_manifest(root / MANIFEST_NAME, display=MANIFEST_NAME)
    return validate_repo(root, manifest)


def register(client: CatalogClient, root: Path, target: Target, *, dry_run: bool = False) -> Outcome:
    entity = local_entity(root)
    preview = client.add_location(target.target, type=target.type, dry_run=True)
    refs = {_ref_of(e) for e in preview.get("entities", []) if isinstance(e, dict)}
    if entity.ref not in refs:
        found = ", ".join(sorted(r for r in refs if not r.startswith("location:"))) or "no entities"
        raise UserError(
            f"{target.type} location {target.target} holds {found} according to Backstage, not "
            f"{entity.ref} from {CATALOG_FILE}; point --target at this repo's {CATALOG_FILE}"
        )
    if dry_run:
        outcome = Outcome("dry-run", entity.ref, target)
        if preview.get("exists"):
            outcome.notes.append("the location is already registered")
        return outcome
    try:
        created = client.add_location(target.target, type=target.type)
    except CatalogError as error:
        if error.status != 409:
            raise
        try:
            client.refresh(entity.ref)
            note = "asked the catalog to refresh the entity from its location"
        except CatalogError as refresh_error:
            if refresh_error.status != 404:
                raise
            # Registered moments ago: the catalog reads the current file when it ingests the entity.
            note = "the catalog has not ingested it yet; it will read the current file when it does"
        location = client.location_of("component", entity.namespace, entity.name or "")
        return Outcome(
            "already-registered",
            entity.ref,
            target,
            location_id=None if location is None else str(location.get("id")),
            notes=[note],
        )
    location = as_dict(created.get("location"))
    return Outcome("registered", entity.ref, target, location_id=str(location.get("id")))


def status(
    client: CatalogClient,
    root: Path,
    target: Target,
    *,
    wait_s: float = 0.0,
    sleep: Callable[[float], None] = time.sleep,
    until: Callable[[dict[str, Any]], bool] | None = None,
) -> Outcome:
    """The entity as the catalog serves it. While its location is registered but the entity is not there
    yet (the catalog ingests in the background) -- or `until(entity)` is false -- poll for `wait_s`."""
    entity = local_entity(root)
    deadline = time.monotonic() + wait_s
    while True:
        served = client.entity("component", entity.namespace, entity.name or "")
        if served is not None and (until is None or until(served)):
            location = client.location_of("component", entity.namespace, entity.name or "")
            return Outcome(
                "found",
                entity.ref,
                target,
                location_id=None if location is None else str(location.get("id")),
                entity=served,
            )
        registered = served is not None or _registered(client, target)
        if not registered:
            return Outcome(
                "not-found", entity.ref, target, notes=["not registered: run `platform catalog register`"]
            )
        if time.monotonic() >= deadline:
            note = "registered; the catalog has not ingested it yet" if served is None else "not updated yet"
            return Outcome("processing", entity.ref, target, entity=served, notes=[note])
        sleep(POLL_S)


def unregister(client: CatalogClient, root: Path, target: Target, *, dry_run: bool = False) -> Outcome:
    """Remove the location that registered the entity (and so the entity). Nothing registered: a no-op."""
    entity = local_entity(root)
    location = client.location_of("component", entity.namespace, entity.name or "")
    if location is None:
        location = next((loc for loc in client.locations() if _same(loc, target)), None)
    if location is None:
        return Outcome("not-registered", entity.ref, target, notes=["nothing to remove"])
    found = Target(str(location.get("type")), str(location.get("target")))
    location_id = str(location.get("id"))
    if dry_run:
        return Outcome("dry-run", entity.ref, found, location_id=location_id, notes=["would remove it"])
    client.delete_location(location_id)
    return Outcome("unregistered", entity.ref, found, location_id=location_id)


def _registered(client: CatalogClient, target: Target) -> bool:
    return any(_same(loc, target) for loc in client.locations())


def _same(location: dict[str, Any], target: Target) -> bool:
    return location.get("type") == target.type and location.get("target") == target.target


def _ref_of(entity: dict[str, Any]) -> str:
    metadata = as_dict(entity.get("metadata"))
    kind = str(entity.get("kind", "")).lower()
    return f"{kind}:{metadata.get('namespace') or 'default'}/{metadata.get('name')}"
