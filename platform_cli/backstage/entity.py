"""catalog-info.yaml: Backstage's entity rules for the feature's Component, and agreement with the manifest.

The rules are Backstage's own (catalog-model): the entity and Component kind schemas (apiVersion
backstage.io/v1alpha1 or v1beta1; spec.type, spec.lifecycle and spec.owner non-empty strings) and the
field-format policy (names at most 63 characters of [A-Za-z0-9] separated by -_.; namespaces DNS labels;
annotation and label keys `[dns-subdomain/]name`; tags [a-z0-9:+#] separated by -). The shape is in
policies/schemas/catalog-info.schema.json; key formats, whose lengths are per part, are checked here.

The manifest is the source of truth: name, owner, lifecycle and system must agree, and a mismatch names
both files and lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platform_cli.errors import InvalidFile, Problem
from platform_cli.manifest.model import Manifest
from platform_cli.yamlfile import LoadedYaml, load_yaml, render_path
from platform_cli.yamlschema import load_schema, schema_problems

CATALOG_FILE = "catalog-info.yaml"
SCHEMA = "catalog-info"
DEFAULT_NAMESPACE = "default"
_OBJECT_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_DNS_LABEL = re.compile(r"^[a-z0-9]+(-+[a-z0-9]+)*$")


@dataclass(frozen=True)
class CatalogEntity:
    """A loaded catalog-info.yaml (not necessarily valid): its data and where each value is."""

    loaded: LoadedYaml

    @property
    def data(self) -> dict[str, Any]:
        return self.loaded.data if isinstance(self.loaded.data, dict) else {}

    def _get(self, section: str, key: str) -> Any:
        part = self.data.get(section)
        return part.get(key) if isinstance(part, dict) else None

    @property
    def kind(self) -> str:
        kind = self.data.get("kind")
        return kind if isinstance(kind, str) else "Component"

    @property
    def name(self) -> str | None:
        name = self._get("metadata", "name")
        return name if isinstance(name, str) else None

    @property
    def namespace(self) -> str:
        namespace = self._get("metadata", "namespace")
        return namespace if isinstance(namespace, str) and namespace else DEFAULT_NAMESPACE

    @property
    def ref(self) -> str:
        """The entity reference the catalog knows it by: component:default/support-summarizer."""
        return f"{self.kind.lower()}:{self.namespace}/{self.name}"

    @property
    def annotations(self) -> dict[str, Any]:
        found = self._get("metadata", "annotations")
        return found if isinstance(found, dict) else {}


def load_entity(path: Path, *, display: str | None = None) -> CatalogEntity:
    """Parse catalog-info.yaml (one document). Raises UserError / InvalidFile for unreadable or bad YAML."""
    return CatalogEntity(load_yaml(path, display=display, what="catalog entity"))


def entity_problems(entity: CatalogEntity) -> list[Problem]:
    """Every way the file breaks Backstage's rules for a Component, located, sorted by line."""
    loaded = entity.loaded
    problems = schema_problems(loaded, load_schema(SCHEMA))
    metadata = entity.data.get("metadata")
    if isinstance(metadata, dict):
        for section in ("annotations", "labels"):
            entries = metadata.get(section)
            for key in entries if isinstance(entries, dict) else {}:
                if not is_valid_key(str(key)):
                    path = ("metadata", section, key)
                    line, column = loaded.key_position(path) or loaded.locate(path) or (None, None)
                    problems.append(
                        Problem(
                            loaded.display,
                            line,
                            column,
                            render_path(path),
                            f"{section[:-1]} key {key!r} is not in Backstage's format",
                            "use [prefix/]name: an optional DNS subdomain (e.g. platform.dev) and a name of "
                            "letters and digits separated by '-', '_' or '.', at most 63 characters",
                        )
                    )
    problems.sort(key=lambda p: (p.line or 0, p.column or 0, p.path, p.message))
    return problems


def is_valid_key(key: str) -> bool:
    """Backstage's annotation/label key rule: `name` or `prefix/name` (prefix a DNS subdomain <= 253)."""
    parts = key.split("/")
    if len(parts) > 2:
        return False
    name = parts[-1]
    if not (1 <= len(name) <= 63 and _OBJECT_NAME.match(name)):
        return False
    if len(parts) == 2:
        prefix = parts[0]
        labels = prefix.split(".")
        return 1 <= len(prefix) <= 253 and all(len(x) <= 63 and _DNS_LABEL.match(x) for x in labels)
    return True


def agreement_problems(entity: CatalogEntity, manifest: Manifest) -> list[Problem]:
    """Where catalog-info.yaml disagrees with ai-feature.yaml (name, owner, lifecycle, system)."""
    pairs: list[tuple[tuple[str, str], Any, tuple[str, str], Any]] = [
        (("metadata", "name"), entity.name, ("metadata", "name"), manifest.name),
        (("spec", "owner"), _owner_name(entity._get("spec", "owner")), ("metadata", "owner"), manifest.owner),
        (("spec", "lifecycle"), entity._get("spec", "lifecycle"), ("spec", "lifecycle"), manifest.lifecycle),
        (("spec", "system"), entity._get("spec", "system"), ("metadata", "system"), manifest.system),
    ]
    problems: list[Problem] = []
    loaded = entity.loaded
    for catalog_path, catalog_value, manifest_path, manifest_value in pairs:
        if catalog_value == manifest_value or (catalog_path[1] == "owner" and catalog_value is None):
            continue  # a missing owner is already a rule problem
        where = loaded.locate(catalog_path) or loaded.locate(catalog_path[:1]) or (None, None)
        manifest_line = manifest.line_of(list(manifest_path))
        shown = manifest.path.name  # beside catalog-info.yaml, named as the catalog file is
        there = f"{shown}:{manifest_line}" if manifest_line else shown
        dotted = ".".join(manifest_path)
        ours = "not set" if catalog_value is None else repr(catalog_value)
        theirs = "not set" if manifest_value is None else repr(manifest_value)
        if manifest_value is None:
            hint = f"remove {'.'.join(catalog_path)} here, or set {dotted} in {shown}"
        else:
            hint = f"set {'.'.join(catalog_path)}: {manifest_value} (the manifest is the source of truth)"
        problems.append(
            Problem(
                loaded.display,
                where[0],
                where[1],
                render_path(catalog_path),
                f"{ours} disagrees with {there} ({dotted} is {theirs})",
                hint,
            )
        )
    return problems


def _owner_name(owner: Any) -> Any:
    """`group:default/team-x`, `group:team-x` and `team-x` all name the group team-x."""
    if not isinstance(owner, str):
        return owner
    _, _, rest = owner.rpartition(":") if ":" in owner else ("", "", owner)
    namespace, _, name = rest.rpartition("/")
    return name if namespace in ("", DEFAULT_NAMESPACE) else rest


def validate_repo(root: Path, manifest: Manifest, *, display: str = CATALOG_FILE) -> CatalogEntity:
    """The repo's catalog entity, checked against Backstage's rules and the manifest; InvalidFile if not."""
    entity = load_entity(root / CATALOG_FILE, display=display)
    problems = sorted(
        entity_problems(entity) + agreement_problems(entity, manifest),
        key=lambda p: (p.line or 0, p.column or 0, p.path),
    )
    if problems:
        raise InvalidFile(entity.loaded.display, problems, "catalog entity")
    return entity
