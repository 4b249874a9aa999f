"""The `providers` and `models` facts: vendor, pinning and retirement of every declared model (all from the
model table, platform_cli.models), plus the fallback chain."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from platform_cli.errors import PlatformError
from platform_cli.models import ModelEntry, ModelTable, get_kind, is_offline, judge, load_model_table
from platform_cli.readiness.facts.base import Fact, RepoContext
from platform_cli.readiness.facts.support import MANIFEST_FILE, line_of, manifest_or_missing, today


def _retirement(entry: ModelEntry | None, now: dt.date) -> dict[str, Any]:
    if entry is None:
        return {"retires": None, "days_to_retirement": None, "replacement": None, "lifecycle_source": None}
    return {
        "retires": entry.retires.isoformat() if entry.retires else None,
        "days_to_retirement": (entry.retires - now).days if entry.retires else None,
        "replacement": entry.replacement,
        "lifecycle_source": entry.source,
    }


class ProvidersCollector:
    """`providers`: {count, primary, primary_vendor, vendors, providers, fallbacks, lifecycle,
    feature_lifecycle, unknown_models}.

    item: {name, index, role (primary|fallback), kind, vendor, model, base_url, offline, model_status
    (snapshot | alias | other-vendor | unknown, from the model table), pinned (True for a snapshot, False
    for an alias, None when the table does not list the id), points_to, pin_hint, retires,
    days_to_retirement, replacement, lifecycle_source, oncall_owner, api_key_secret, file, line (of the
    model value)}; fallback items add different_vendor (vs. the primary).
    `days_to_retirement` is negative once retired and None when the table lists no date for the model.
    `lifecycle` is the model table's {as_of, today, table}; `feature_lifecycle` is spec.lifecycle.
    ctx.extra: "today" (date or YYYY-MM-DD) and "model_lifecycle" (path of another table) for tests.
    """

    name = "providers"

    def collect(self, ctx: RepoContext) -> Fact:
        return _providers(ctx)

    def _collect(self, ctx: RepoContext) -> Fact:
        manifest, missing = manifest_or_missing(ctx, self.name)
        if missing is not None:
            return missing
        try:
            table = model_table(ctx)
        except PlatformError as exc:
            return Fact.missing(self.name, f"cannot read the model table: {exc}")
        now = today(ctx)
        items: list[dict[str, Any]] = []
        unknown: list[str] = []
        for spec in manifest.providers:
            verdict = judge(table, spec.kind, spec.model, spec.base_url)
            kind = get_kind(spec.kind)
            entry = verdict.entry if verdict.status in ("snapshot", "alias") else None
            item = {
                "name": spec.name,
                "index": spec.index,
                "role": "primary" if spec.index == 0 else "fallback",
                "kind": spec.kind,
                "vendor": verdict.vendor,
                "model": spec.model,
                "base_url": spec.base_url,
                "offline": is_offline(spec.kind),  # the deterministic test double serves no real traffic
                "model_status": verdict.status,
                "pinned": verdict.pinned,
                "points_to": entry.points_to if entry else None,
                "pin_hint": kind.pin_hint if kind else "use a snapshot id the model table lists",
                **_retirement(entry, now),
                "oncall_owner": spec.oncall_owner,
                "api_key_secret": spec.api_key_secret,
                "file": MANIFEST_FILE,
                "line": line_of(manifest, "spec", "providers", spec.index, "model"),
            }
            items.append(item)
            if verdict.status != "snapshot" and verdict.status != "alias":
                unknown.append(f"provider {spec.name} ({spec.kind}): {verdict.explain(table)}")
        primary = items[0] if items else None
        fallbacks = [
            {**item, "different_vendor": primary is not None and item["vendor"] != primary["vendor"]}
            for item in items[1:]
        ]
        value = {
            "count": len(items),
            "primary": primary["name"] if primary else None,
            "primary_vendor": primary["vendor"] if primary else None,
            "vendors": sorted({item["vendor"] for item in items}),
            "providers": items,
            "fallbacks": fallbacks,
            "lifecycle": {
                "as_of": table.as_of.isoformat(),
                "today": now.isoformat(),
                "table": table.describe(),
            },
            "feature_lifecycle": manifest.lifecycle,
            "unknown_models": unknown,
            "direct_calls": _direct_calls(ctx),
        }
        return Fact(self.name, value, file=MANIFEST_FILE, line=line_of(manifest, "spec", "providers"))


class ModelsCollector:
    """`models`: the `providers` fact for the rules that judge the models themselves (model-pinned,
    model-not-retiring), but *unknown* while any declared id is missing from the model table: the table
    cannot say whether it is pinned or when it retires, and an unlisted id must not pass by default."""

    name = "models"

    def collect(self, ctx: RepoContext) -> Fact:
        providers = _providers(ctx)
        if providers.unknown is not None:
            return Fact.missing(self.name, providers.unknown, file=providers.file)
        unknown = providers.value["unknown_models"]
        if unknown:
            return Fact.missing(self.name, "; ".join(unknown), file=providers.file)
        return Fact(self.name, providers.value, file=providers.file, line=providers.line)


def _providers(ctx: RepoContext) -> Fact:
    """The `providers` fact, collected once per check: `models` is the same fact judged by other rules."""
    known = ctx.extra.get("_providers")
    if isinstance(known, Fact):
        return known
    fact = ProvidersCollector()._collect(ctx)
    ctx.extra["_providers"] = fact
    return fact


def model_table(ctx: RepoContext) -> ModelTable:
    """The model table a check reads: the shipped one plus the configured extras (tests may inject one)."""
    override = ctx.extra.get("model_lifecycle")
    return load_model_table(Path(override) if override else None)


def _direct_calls(ctx: RepoContext) -> list[dict[str, Any]]:
    """Model calls in the source that bypass the runtime, hence the pinned models (the shared source scan)."""
    from platform_cli.readiness.facts.files import repo_texts
    from platform_cli.readiness.facts.scans import shared_prompt_scan

    try:
        texts = repo_texts(ctx)
    except OSError as error:  # cannot be shown free of direct calls: an item, so the rule fails
        return [{"kind": "unscanned", "file": ".", "reason": f"cannot read the repository's files: {error}"}]
    return [call.as_dict() for call in shared_prompt_scan(ctx, texts).vendor_calls]
