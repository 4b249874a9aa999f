"""What the model table says about one provider's model: a snapshot, an alias, another vendor's, or unknown.

The table decides (`judge`); the id's shape (`snapshot_date`) is consulted only by the runtime, and only for
ids the table does not list, where nothing else can be checked.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from platform_cli.models.kinds import get_kind, serves, vendor_of
from platform_cli.models.table import ModelEntry, ModelTable

Status = Literal["snapshot", "alias", "other-vendor", "unknown"]

_DASHED = re.compile(r"-(\d{4})-(\d{2})-(\d{2})$")  # gpt-4o-2024-08-06, fake-chat-2025-01-01
_COMPACT = re.compile(r"-(\d{4})(\d{2})(\d{2})$")  # claude-sonnet-4-5-20250929
_OPENAI_LEGACY = re.compile(r"^gpt-(?:3\.5|4)[a-z0-9.-]*-(\d{2})(\d{2})(?:-preview)?$")  # gpt-4-0613


@dataclass(frozen=True)
class ModelVerdict:
    """The table's verdict on `model` as served by a provider of `kind` (vendor: who serves it)."""

    kind: str
    model: str
    vendor: str
    status: Status
    entry: ModelEntry | None

    @property
    def pinned(self) -> bool | None:
        """True for a snapshot, False for an alias, None when the table cannot say."""
        return {"snapshot": True, "alias": False}.get(self.status)

    def explain(self, table: ModelTable) -> str:
        """One sentence for a message: why this model is not a usable snapshot (empty for a snapshot)."""
        shown = f"'{self.model}'"
        if self.status == "alias":
            target = self.entry.points_to if self.entry else None
            now = f" (today it points to {target})" if target else ""
            return f"{shown} is a floating alias the vendor repoints{now}"
        if self.status == "other-vendor":
            assert self.entry is not None
            return (
                f"{shown} is {_a(self.entry.vendor)} model, and {_a(self.kind)} provider cannot serve it; "
                f"{suggest(table, self.kind, self.vendor)}"
            )
        if self.status == "unknown":
            return (
                f"{shown} is not in the model table ({table.describe()}): check the id against the "
                f"vendor's model list; if it is right, the platform team adds it to "
                f"policies/model-lifecycle.yaml (or to a table listed under model_tables in "
                f"~/.config/platform-cli/config.yaml)"
            )
        return ""


def judge(table: ModelTable, kind: str, model: str, base_url: str | None = None) -> ModelVerdict:
    """Classify `model` for a provider of `kind` (at `base_url`) by the table alone."""
    vendor = vendor_of(kind, base_url)
    entry = table.lookup(model)
    if entry is None:
        return ModelVerdict(kind, model, vendor, "unknown", None)
    if not serves(vendor, entry.vendor):
        return ModelVerdict(kind, model, vendor, "other-vendor", entry)
    return ModelVerdict(kind, model, vendor, "alias" if entry.alias else "snapshot", entry)


def suggest(table: ModelTable, kind: str, vendor: str | None = None) -> str:
    """'pick a <kind> snapshot, e.g. <default> (listed: ...)' for messages."""
    listed = table.snapshots(vendor or kind) or table.snapshots(kind)
    default = table.defaults.get(kind) or (listed[0] if listed else None)
    if default is None:
        return f"pick {_a(kind)} snapshot the table lists"
    others = [m for m in listed if m != default][:4]
    more = f" (also listed: {', '.join(others)})" if others else ""
    return f"pick {_a(kind)} snapshot, e.g. {default}{more}"


def _a(word: str) -> str:
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


def _valid_date(year: str, month: str, day: str) -> dt.date | None:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def snapshot_date(kind: str, model: str) -> str | None:
    """The date a dated id carries in its kind's style (YYYY-MM-DD, or --MM-DD for OpenAI's legacy
    gpt-4-0613), else None. Shape only: the runtime's check for ids the table does not list."""
    if "latest" in model.lower():
        return None
    found = get_kind(kind)
    styles = found.date_styles if found else ("dashed", "compact")
    dated = ("dashed" in styles and _DASHED.search(model)) or ("compact" in styles and _COMPACT.search(model))
    if dated:
        date = _valid_date(*dated.groups())
        return date.isoformat() if date else None
    if "openai-legacy" in styles and (legacy := _OPENAI_LEGACY.match(model)):
        month, day = legacy.groups()
        return f"--{month}-{day}" if _valid_date("2024", month, day) else None
    return None
