"""Load ai-feature.yaml: YAML syntax, the JSON Schema, then cross-field checks, all reported together."""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from platform_cli.errors import InvalidFile, Problem
from platform_cli.manifest.model import Manifest, build_manifest
from platform_cli.manifest.providers import provider_problems
from platform_cli.yamlfile import LoadedYaml, load_yaml
from platform_cli.yamlschema import load_schema, schema_problems

WHAT = "AIFeature manifest"
SCHEMA_NAME = "ai-feature"


def load_manifest(path: Path, *, display: str | None = None) -> Manifest:
    """Load and validate a manifest; raise InvalidFile listing every problem (UserError if unreadable)."""
    loaded = load_yaml(path, display=display, what=WHAT)
    problems = manifest_problems(loaded)
    if problems:
        raise InvalidFile(loaded.display, problems, WHAT)
    return build_manifest(loaded)


def manifest_problems(loaded: LoadedYaml) -> list[Problem]:
    """Schema problems plus the cross-field checks a schema cannot express, sorted by line."""
    problems = schema_problems(loaded, load_schema(SCHEMA_NAME))
    problems.extend(semantic_problems(loaded))
    problems.sort(key=lambda p: (p.line or 0, p.column or 0, p.path, p.message))
    return problems


def semantic_problems(loaded: LoadedYaml) -> list[Problem]:
    """Unique provider and secret names; every api_key_secret declared in spec.secrets (when present);
    budget.on_exhausted: fallback:<provider> names a declared provider;
    every provider kind known (platform_cli.models) and no model the model table lists for another vendor.

    Written defensively: it runs on data that may also have schema problems, and checks only what is
    well-formed enough to check.
    """
    data = loaded.data
    spec = data.get("spec") if isinstance(data, Mapping) else None
    if not isinstance(spec, Mapping):
        return []
    providers = _mappings(spec.get("providers"))
    secrets = _mappings(spec.get("secrets"))
    problems = _duplicates(loaded, "providers", providers, "provider name")
    problems += _duplicates(loaded, "secrets", secrets, "secret name")
    problems += provider_problems(loaded, providers)
    if isinstance(spec.get("secrets"), list):
        declared = [s["name"] for _, s in secrets if isinstance(s.get("name"), str)]
        for index, provider in providers:
            wanted = provider.get("api_key_secret")
            if isinstance(wanted, str) and wanted not in declared:
                problems.append(_undeclared_secret(loaded, index, wanted, declared))
    problems += _exhausted_fallback(
        loaded, spec, [p["name"] for _, p in providers if isinstance(p.get("name"), str)]
    )
    if isinstance(spec.get("rollout"), Mapping):
        problems += _rollout_problems(loaded, spec["rollout"])
    return problems


def _rollout_problems(loaded: LoadedYaml, rollout: Mapping[str, Any]) -> list[Problem]:
    """Steps only widen (sticky cohorts only grow); step_days has one entry per step below 100%."""
    steps = rollout.get("steps")
    if not isinstance(steps, list) or not all(isinstance(s, int) for s in steps):
        return []
    problems = []
    if any(later <= earlier for earlier, later in itertools.pairwise(steps)):
        line, column = loaded.locate(("spec", "rollout", "steps")) or (None, None)
        problems.append(
            Problem(loaded.display, line, column, "$.spec.rollout.steps",
                    f"steps {steps} must increase: a rollout only ever widens (e.g. [1, 5, 25, 100])")
        )  # fmt: skip
    days = rollout.get("step_days")
    holding = [s for s in steps if s < 100]
    if isinstance(days, list) and len(days) != len(holding):
        line, column = loaded.locate(("spec", "rollout", "step_days")) or (None, None)
        problems.append(
            Problem(loaded.display, line, column, "$.spec.rollout.step_days",
                    f"{len(days)} entr{'y' if len(days) == 1 else 'ies'} for {len(holding)} step(s) below "
                    f"100% ({holding})",
                    "give one hold in days per step below 100%; reaching 100% completes the rollout")
        )  # fmt: skip
    return problems


def _exhausted_fallback(loaded: LoadedYaml, spec: Mapping[str, Any], names: list[str]) -> list[Problem]:
    budget = spec.get("budget")
    action = budget.get("on_exhausted") if isinstance(budget, Mapping) else None
    if not isinstance(action, str) or not action.startswith("fallback:"):
        return []
    wanted = action.partition(":")[2]
    if wanted in names:
        return []
    return [
        loaded.problem(
            ("spec", "budget", "on_exhausted"),
            f"on_exhausted names provider '{wanted}', which spec.providers does not declare",
            f"use fallback:<one of {', '.join(names) or 'the declared providers'}>, or block",
        )
    ]


def _mappings(value: Any) -> list[tuple[int, Mapping[str, Any]]]:
    if not isinstance(value, list):
        return []
    return [(index, item) for index, item in enumerate(value) if isinstance(item, Mapping)]


def _duplicates(
    loaded: LoadedYaml, section: str, items: list[tuple[int, Mapping[str, Any]]], noun: str
) -> list[Problem]:
    problems = []
    first_seen: dict[str, int] = {}
    for index, item in items:
        name = item.get("name")
        if not isinstance(name, str):
            continue
        if name in first_seen:
            json_path = ("spec", section, index, "name")
            first_line = loaded.line_of(("spec", section, first_seen[name], "name"))
            problems.append(
                loaded.problem(
                    json_path,
                    f"{noun} '{name}' is already used by spec.{section}[{first_seen[name]}]"
                    + (f" (line {first_line})" if first_line else ""),
                    f"give each entry of spec.{section} its own name",
                )
            )
        else:
            first_seen[name] = index
    return problems


def _undeclared_secret(loaded: LoadedYaml, index: int, wanted: str, declared: list[str]) -> Problem:
    json_path = ("spec", "providers", index, "api_key_secret")
    close = difflib.get_close_matches(wanted, declared, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'? " if close else ""
    hint += (
        f"declare it under spec.secrets (declared: {', '.join(declared)})"
        if declared
        else "declare it under spec.secrets with its name, backend and path"
    )
    return loaded.problem(
        json_path,
        f"secret '{wanted}' is not declared in spec.secrets",
        hint,
    )
