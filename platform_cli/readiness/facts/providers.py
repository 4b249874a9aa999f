"""The `providers` fact: vendor, pinning and retirement of every declared model, plus the fallback chain."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from platform_cli.errors import PlatformError
from platform_cli.readiness.facts.base import Fact, RepoContext
from platform_cli.readiness.facts.lifecycle import LifecycleTable, load_lifecycle
from platform_cli.readiness.facts.support import MANIFEST_FILE, line_of, manifest_or_missing, today

_DASHED = re.compile(r"-(\d{4})-(\d{2})-(\d{2})$")  # gpt-4o-2024-08-06, fake-chat-2025-01-01
_COMPACT = re.compile(r"-(\d{4})(\d{2})(\d{2})$")  # claude-sonnet-4-5-20250929
_OPENAI_LEGACY = re.compile(r"^gpt-(?:3\.5|4)[a-z0-9.-]*-(\d{2})(\d{2})(?:-preview)?$")  # gpt-4-0613
_KNOWN_HOSTS = {"api.openai.com": "openai", "api.anthropic.com": "anthropic"}

# kind -> (accepted date styles, how to write a pinned id)
PIN_RULES: dict[str, tuple[tuple[str, ...], str]] = {
    "openai": (("dashed", "openai-legacy"), "OpenAI snapshots end in -YYYY-MM-DD, e.g. gpt-4o-2024-08-06"),
    "anthropic": (("compact",), "Anthropic snapshots end in -YYYYMMDD, e.g. claude-sonnet-4-5-20250929"),
    "fake": (
        ("dashed", "compact"),
        "fake models end in a date like real snapshots, e.g. fake-chat-2025-01-01",
    ),
    "openai-compatible": (
        ("dashed", "compact"),
        "end the id in the snapshot's release date (-YYYY-MM-DD or -YYYYMMDD), "
        "e.g. llama-3.1-8b-instruct-2024-07-23",
    ),
}


def _valid_date(year: str, month: str, day: str) -> dt.date | None:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def snapshot_date(kind: str, model: str) -> str | None:
    """The snapshot date a pinned model id carries (YYYY-MM-DD, or --MM-DD for OpenAI's year-less legacy
    ids like gpt-4-0613), or None when `model` is a floating alias for `kind`."""
    if "latest" in model.lower():
        return None
    styles = PIN_RULES.get(kind, (("dashed", "compact"), ""))[0]
    found: dt.date | None = None
    dated = ("dashed" in styles and _DASHED.search(model)) or ("compact" in styles and _COMPACT.search(model))
    if dated:
        found = _valid_date(*dated.groups())
    elif "openai-legacy" in styles and (m := _OPENAI_LEGACY.match(model)):
        month, day = m.groups()
        return f"--{month}-{day}" if _valid_date("2024", month, day) else None
    return found.isoformat() if found else None


def vendor_of(kind: str, base_url: str | None) -> str:
    """Who actually serves the model: the kind, or for openai-compatible the base_url's host."""
    if kind != "openai-compatible":
        return kind
    host = (urlsplit(base_url).hostname or "") if base_url else ""
    if not host:
        return "openai-compatible"
    return _KNOWN_HOSTS.get(host, f"openai-compatible:{host}")


def _retirement(table: LifecycleTable | None, model: str, now: dt.date) -> dict[str, Any]:
    entry = table.lookup(model) if table else None
    if entry is None:
        return {"retires": None, "days_to_retirement": None, "replacement": None, "lifecycle_source": None}
    return {
        "retires": entry.retires.isoformat() if entry.retires else None,
        "days_to_retirement": (entry.retires - now).days if entry.retires else None,
        "replacement": entry.replacement,
        "lifecycle_source": entry.source,
    }


class ProvidersCollector:
    """`providers`: {count, primary, primary_vendor, vendors, providers, fallbacks, lifecycle}.

    item: {name, index, role (primary|fallback), kind, vendor, model, base_url, offline, pinned,
    snapshot_date, pin_hint, retires, days_to_retirement, replacement, lifecycle_source, oncall_owner,
    api_key_secret, file, line (of the model value)}; fallback items add different_vendor (vs. the primary).
    `days_to_retirement` is negative once retired and None when the table lists no date for the model.
    ctx.extra: "today" (date or YYYY-MM-DD) and "model_lifecycle" (path of another table) for tests.
    """

    name = "providers"

    def collect(self, ctx: RepoContext) -> Fact:
        manifest, missing = manifest_or_missing(ctx, self.name)
        if missing is not None:
            return missing
        try:
            override = ctx.extra.get("model_lifecycle")
            table: LifecycleTable | None = load_lifecycle(Path(override) if override else None)
        except PlatformError as exc:
            return Fact.missing(self.name, f"cannot read the model lifecycle table: {exc}")
        now = today(ctx)
        items: list[dict[str, Any]] = []
        for spec in manifest.providers:
            date = snapshot_date(spec.kind, spec.model)
            item = {
                "name": spec.name,
                "index": spec.index,
                "role": "primary" if spec.index == 0 else "fallback",
                "kind": spec.kind,
                "vendor": vendor_of(spec.kind, spec.base_url),
                "model": spec.model,
                "base_url": spec.base_url,
                "offline": spec.kind == "fake",  # the deterministic test double serves no real traffic
                "pinned": date is not None,
                "snapshot_date": date,
                "pin_hint": PIN_RULES.get(spec.kind, ((), ""))[1],
                **_retirement(table, spec.model, now),
                "oncall_owner": spec.oncall_owner,
                "api_key_secret": spec.api_key_secret,
                "file": MANIFEST_FILE,
                "line": line_of(manifest, "spec", "providers", spec.index, "model"),
            }
            items.append(item)
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
                "as_of": table.as_of.isoformat() if table else None,
                "today": now.isoformat(),
            },
            "direct_calls": _direct_calls(ctx),
        }
        return Fact(self.name, value, file=MANIFEST_FILE, line=line_of(manifest, "spec", "providers"))


def _direct_calls(ctx: RepoContext) -> list[dict[str, Any]]:
    """Model calls in the source that bypass the runtime, hence the pinned models (the shared source scan)."""
    from platform_cli.readiness.facts.files import repo_texts
    from platform_cli.readiness.facts.scans import shared_prompt_scan

    try:
        texts = repo_texts(ctx)
    except OSError as error:  # cannot be shown free of direct calls: an item, so the rule fails
        return [{"kind": "unscanned", "file": ".", "reason": f"cannot read the repository's files: {error}"}]
    return [call.as_dict() for call in shared_prompt_scan(ctx, texts).vendor_calls]
