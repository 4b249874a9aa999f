"""Secrets facts: `secrets` (what is declared and which provider keys need it) and `secret_rotation` (each
declared secret's age read from its backend's own metadata)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from platform_cli.models import needs_key
from platform_cli.readiness.facts.base import Fact, RepoContext
from platform_cli.readiness.facts.support import MANIFEST_FILE, first_line, manifest_or_missing, today


def declared_secrets(manifest: Any) -> list[dict[str, Any]]:
    """spec.secrets as fact items: {name, backend, path, owner, rotation_days, file, line}."""
    return [
        {
            "name": s.name,
            "backend": s.backend,
            "path": s.path,
            "owner": s.owner,
            "rotation_days": s.rotation_days,
            "file": MANIFEST_FILE,
            "line": first_line(manifest, ("spec", "secrets", s.index, "name")),
        }
        for s in manifest.secrets
    ]


class SecretsCollector:
    """`secrets`: {lifecycle, declared: [secret], referenced: [ref], missing: [name], unreferenced: [name]}.

    secret: {name, backend, path, owner, rotation_days, file, line}.
    ref (one per provider that names an api_key_secret or whose kind needs a key): {name (None when the
    provider names none), provider, provider_kind, declared, backend, owner, rotation_days, file, line};
    the location is the secret's declaration when declared, else the provider's api_key_secret line.
    """

    name = "secrets"

    def collect(self, ctx: RepoContext) -> Fact:
        manifest, missing = manifest_or_missing(ctx, self.name)
        if missing is not None:
            return missing
        declared = declared_secrets(manifest)
        by_name = {s["name"]: s for s in declared}
        referenced: list[dict[str, Any]] = []
        for spec in manifest.providers:
            if spec.api_key_secret is None and not needs_key(spec.kind):
                continue
            secret = by_name.get(spec.api_key_secret) if spec.api_key_secret else None
            provider_line = first_line(
                manifest,
                ("spec", "providers", spec.index, "api_key_secret"),
                ("spec", "providers", spec.index, "name"),
            )
            referenced.append(
                {
                    "name": spec.api_key_secret,
                    "provider": spec.name,
                    "provider_kind": spec.kind,
                    "declared": secret is not None,
                    "backend": secret["backend"] if secret else None,
                    "owner": secret["owner"] if secret else None,
                    "rotation_days": secret["rotation_days"] if secret else None,
                    "file": MANIFEST_FILE,
                    "line": secret["line"] if secret else provider_line,
                }
            )
        used = {r["name"] for r in referenced}
        value = {
            "lifecycle": manifest.lifecycle,
            "declared": declared,
            "referenced": referenced,
            "missing": sorted({r["name"] for r in referenced if r["name"] and not r["declared"]}),
            "unreferenced": [s["name"] for s in declared if s["name"] not in used],
        }
        line = first_line(manifest, ("spec", "secrets"), ("spec", "providers"))
        return Fact(self.name, value, file=MANIFEST_FILE, line=line)


class SecretRotationCollector:
    """`secret_rotation`: {secrets: [item], count}, read from each backend's own metadata (never a value).

    item: the declared secret ({name, backend, path, owner, rotation_days, file, line}) plus {state (ok |
    overdue | missing), exists, age_days, due, overdue, last_rotated, location, rotation_in_progress,
    reason, command}; `command` is what to run to fix it. A backend that cannot be read (not configured,
    unreachable, access denied) makes the whole fact unknown, with the reason per secret.
    """

    name = "secret_rotation"

    def collect(self, ctx: RepoContext) -> Fact:
        manifest, missing = manifest_or_missing(ctx, self.name)
        if missing is not None:
            return missing
        if manifest.secrets:  # the backends are imported only when there is a secret to ask them about
            from platform_cli.secrets.status import describe_secret
        now = dt.datetime.now(dt.timezone.utc)
        if "today" in ctx.extra:  # tests pin the date; keep the time of day
            now = dt.datetime.combine(today(ctx), now.timetz())
        items: list[dict[str, Any]] = []
        unknown: list[str] = []
        for spec, item in zip(manifest.secrets, declared_secrets(manifest), strict=True):
            status = describe_secret(spec, manifest.root, now)
            if status.state == "unknown":
                unknown.append(f"{spec.name}: {status.reason}")
                continue
            found = status.as_dict()
            found.pop("warnings", None)
            items.append({**found, **item, "rotation_days": status.rotation_days})
        line = first_line(manifest, ("spec", "secrets"))
        if unknown:
            return Fact.missing(self.name, "; ".join(unknown), file=MANIFEST_FILE)
        return Fact(self.name, {"secrets": items, "count": len(items)}, file=MANIFEST_FILE, line=line)
