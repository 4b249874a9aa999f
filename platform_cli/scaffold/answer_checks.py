"""Answer checks a JSON Schema cannot express alone, as keywords a template's answers.schema.json opts into.

They read the one list of provider kinds and the model table (platform_cli.models), so a template never
carries its own copy of either:

    "primary_provider": {"x-provider-kind": {"also": ["none"]}}
    "x-models": {"roles": [{"provider": "primary_provider", "model": "primary_model",
                            "base_url": "primary_base_url"}, ...], "distinct_vendors": true}

`x-models` refuses a model the table lists for another vendor, an alias, a retired snapshot and (unless
the scaffold was told to allow it) an id the table does not list; with `distinct_vendors`, two roles
served by the same vendor (a fallback must survive its primary's outage).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator

from platform_cli.clock import utc_today
from platform_cli.models import ModelTable, judge, kind_names, load_model_table, suggest, vendor_of

KEYWORDS = ("x-provider-kind", "x-models")
ALLOW_FLAG = "--allow-unknown-model"


@dataclass
class ModelPolicy:
    """How strict `x-models` is, and what it noticed while being lenient (notes for the user)."""

    allow_unknown: bool = False
    notes: list[str] = field(default_factory=list)
    table: ModelTable | None = None

    def model_table(self) -> ModelTable:
        if self.table is None:
            self.table = load_model_table()
        return self.table


def answers_validator(schema: Mapping[str, Any], policy: ModelPolicy) -> Validator:
    """A Draft 2020-12 validator for `schema` that also understands KEYWORDS."""

    def provider_kind(
        validator: Validator, spec: Any, instance: Any, schema: Mapping[str, Any]
    ) -> Iterator[ValidationError]:
        also = list(spec.get("also", [])) if isinstance(spec, Mapping) else []
        allowed = [*kind_names(), *also]
        if isinstance(instance, str) and instance not in allowed:
            yield ValidationError(f"must be one of: {', '.join(allowed)}")

    def models(
        validator: Validator, spec: Any, instance: Any, schema: Mapping[str, Any]
    ) -> Iterator[ValidationError]:
        if not isinstance(instance, Mapping) or not isinstance(spec, Mapping):
            return
        yield from _model_errors(instance, spec, policy)

    keywords = {"x-provider-kind": provider_kind, "x-models": models}
    cls = validators.extend(Draft202012Validator, keywords)  # type: ignore[no-untyped-call]
    validator: Validator = cls(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return validator


def _model_errors(
    answers: Mapping[str, Any], spec: Mapping[str, Any], policy: ModelPolicy
) -> Iterator[ValidationError]:
    known = set(kind_names())
    seen: dict[str, str] = {}  # vendor -> the provider answer that chose it
    for role in spec.get("roles", []):
        provider_key, model_key = role.get("provider"), role.get("model")
        kind, model = answers.get(provider_key), answers.get(model_key)
        if not isinstance(kind, str) or kind not in known or not isinstance(model, str):
            continue  # no provider in this role (none), or a bad kind x-provider-kind reports
        base_url = answers.get(role.get("base_url", ""))
        base_url = base_url if isinstance(base_url, str) else None
        yield from _one_model(policy, kind, model, base_url, model_key)
        vendor = vendor_of(kind, base_url)
        if spec.get("distinct_vendors") and vendor in seen:
            yield _error(
                provider_key,
                f"is {vendor}, the same vendor as {seen[vendor]}: a fallback must be a different vendor, "
                "so that it still answers when the primary's vendor is down; pick another one, or none",
            )
        seen.setdefault(vendor, provider_key)


def _one_model(
    policy: ModelPolicy, kind: str, model: str, base_url: str | None, key: str
) -> Iterator[ValidationError]:
    table = policy.model_table()
    verdict = judge(table, kind, model, base_url)
    if verdict.status == "unknown":
        if policy.allow_unknown:
            policy.notes.append(
                f"{key} {model!r} is not in the model table ({table.describe()}); allowed by "
                f"{ALLOW_FLAG}: the readiness rules model-pinned and model-not-retiring report it as "
                "unknown until the platform team adds it"
            )
            return
        yield _error(key, f"{verdict.explain(table)}; or pass {ALLOW_FLAG} if you are sure")
    elif verdict.status in ("other-vendor", "alias"):
        fix = "" if verdict.status == "other-vendor" else f"; {suggest(table, kind, verdict.vendor)}"
        yield _error(key, verdict.explain(table) + fix)
    elif verdict.entry is not None and verdict.entry.retires and verdict.entry.retires <= utc_today():
        replacement = verdict.entry.replacement or suggest(table, kind, verdict.vendor)
        retired = verdict.entry.retires
        yield _error(key, f"'{model}' was retired on {retired}: requests to it fail; use {replacement}")


def _error(key: str, message: str) -> ValidationError:
    return ValidationError(message, path=deque([key]))
