"""The `ownership` and `oncall` facts: who owns the feature, who owns its evals, who is paged for it."""

from __future__ import annotations

import re
from typing import Any

from platform_cli.readiness.facts.base import Fact, RepoContext
from platform_cli.readiness.facts.support import MANIFEST_FILE, first_line, manifest_or_missing

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HANDLE = re.compile(r"^@?[A-Za-z0-9][A-Za-z0-9._-]*$")
# Tokens that name a group of people, not one person (`ai-team@x.com`, `@org/ml-squad`, `all-eng`).
TEAM_WORDS = frozenset(
    {
        "team",
        "teams",
        "squad",
        "group",
        "groups",
        "guild",
        "crew",
        "all",
        "everyone",
        "oncall",
        "owners",
        "list",
        "dl",
        "staff",
        "devs",
        "engineers",
    }
)


def owner_kind(value: Any, team: str | None) -> str:
    """person | team | list | missing | invalid: what `metadata.eval_owner` names."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "missing"
    if isinstance(value, list):
        return "list"
    if not isinstance(value, str):
        return "invalid"
    text = value.strip()
    if team and text.lstrip("@").lower() == team.lstrip("@").lower():
        return "team"
    if "/" in text:
        return "team"  # @org/team-name is a GitHub team
    local = text.split("@")[0] if _EMAIL.match(text) else text.lstrip("@")
    if not (_EMAIL.match(text) or _HANDLE.match(text)):
        return "invalid"
    if any(token in TEAM_WORDS for token in re.split(r"[._+-]", local.lower())):
        return "team"
    return "person"


class OwnershipCollector:
    """`ownership`: {owner, eval_owner (as written: string or list), eval_owner_kind, eval_owner_count,
    file, line}. eval_owner_kind is person | team | list | missing | invalid (see `owner_kind`)."""

    name = "ownership"

    def collect(self, ctx: RepoContext) -> Fact:
        manifest, missing = manifest_or_missing(ctx, self.name)
        if missing is not None:
            return missing
        meta = manifest.data.get("metadata") or {}
        owner = meta.get("owner")
        eval_owner = meta.get("eval_owner")
        value = {
            "owner": owner,
            "eval_owner": eval_owner,
            "eval_owner_kind": owner_kind(eval_owner, owner if isinstance(owner, str) else None),
            "eval_owner_count": len(eval_owner) if isinstance(eval_owner, list) else int(bool(eval_owner)),
        }
        line = first_line(manifest, ("metadata", "eval_owner"), ("metadata", "owner"), ("metadata",))
        return Fact(self.name, value, file=MANIFEST_FILE, line=line)


class OncallCollector:
    """`oncall`: {rotation, escalation, providers: [{name, kind, oncall_owner, file, line}], file, line}."""

    name = "oncall"

    def collect(self, ctx: RepoContext) -> Fact:
        manifest, missing = manifest_or_missing(ctx, self.name)
        if missing is not None:
            return missing
        providers = [
            {
                "name": spec.name,
                "kind": spec.kind,
                "oncall_owner": spec.oncall_owner,
                "file": MANIFEST_FILE,
                "line": first_line(
                    manifest,
                    ("spec", "providers", spec.index, "oncall_owner"),
                    ("spec", "providers", spec.index, "name"),
                ),
            }
            for spec in manifest.providers
        ]
        value = {
            "rotation": manifest.oncall_rotation,
            "escalation": manifest.oncall_escalation,
            "providers": providers,
        }
        line = first_line(manifest, ("spec", "oncall", "rotation"), ("spec", "oncall"), ("spec",))
        return Fact(self.name, value, file=MANIFEST_FILE, line=line)
