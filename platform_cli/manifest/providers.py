"""Manifest checks on spec.providers that read platform_cli.models: the kind is one platform-cli knows, and
the model is not one the model table lists for another vendor (an alias or an unlisted id is the readiness
gate's business: model-pinned)."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from platform_cli.errors import PlatformError, Problem
from platform_cli.models import ModelTable, judge, kind_names, load_model_table
from platform_cli.yamlfile import LoadedYaml


def provider_problems(loaded: LoadedYaml, providers: list[tuple[int, Mapping[str, Any]]]) -> list[Problem]:
    problems: list[Problem] = []
    table: ModelTable | None = None
    loaded_table = False  # the table is loaded on first need; it stays None when it cannot be read
    known = kind_names()
    for index, provider in providers:
        kind, model = provider.get("kind"), provider.get("model")
        if not isinstance(kind, str):
            continue
        if kind not in known:
            close = difflib.get_close_matches(kind, known, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'? " if close else ""
            problems.append(
                _problem(
                    loaded,
                    (index, "kind"),
                    f"'{kind}' is not an allowed value",
                    hint + f"allowed: {', '.join(known)}",
                )
            )
            continue
        if not isinstance(model, str):
            continue
        if not loaded_table:
            table, loaded_table = _table(), True
        if table is None:
            continue  # a broken table is reported by readiness; it must not make every manifest invalid
        base_url = provider.get("base_url")
        verdict = judge(table, kind, model, base_url if isinstance(base_url, str) else None)
        if verdict.status == "other-vendor":
            problems.append(
                _problem(
                    loaded, (index, "model"), verdict.explain(table), "set a model of the provider's vendor"
                )
            )
    return problems


def _table() -> ModelTable | None:
    try:
        return load_model_table()
    except PlatformError:
        return None


def _problem(loaded: LoadedYaml, where: tuple[int, str], message: str, hint: str) -> Problem:
    return loaded.problem(("spec", "providers", *where), message, hint)
