"""The `template` fact: which template (and release) the repo was generated from, and how far behind it is."""

from __future__ import annotations

from typing import Any

from platform_cli.errors import PlatformError
from platform_cli.readiness.facts.base import Fact, RepoContext

ANSWERS_FILE = ".copier-answers.yml"
CRUFT_FILE = ".cruft.json"


class TemplateCollector:
    """`template`: {present, engine, source, version, answers, latest, behind_by, majors_behind, error}.

    From copier's answers file (`_src_path`, `_commit`) or cruft's `.cruft.json` (cookiecutter repos).
    `latest`/`behind_by`/`majors_behind` compare the recorded version with the template's releases (the
    installed package's archives for shipped templates, offline; tags for git templates); when they cannot
    be read, they are null and `error` says why. `present` is False for a repo not generated from a template;
    an unreadable answers file makes the fact unknown.
    """

    name = "template"

    def collect(self, ctx: RepoContext) -> Fact:
        copier = ctx.root / ANSWERS_FILE
        cruft = ctx.root / CRUFT_FILE
        if not copier.is_file() and not cruft.is_file():
            empty: dict[str, Any] = {
                "present": False,
                "engine": None,
                "source": None,
                "version": None,
                "answers": {},
                "latest": None,
                "behind_by": None,
                "majors_behind": None,
                "error": None,
            }
            return Fact(self.name, empty)
        record = ANSWERS_FILE if copier.is_file() else CRUFT_FILE
        try:
            data: Any = _load(ctx, record)
        except PlatformError as exc:
            return Fact.missing(self.name, f"cannot read {record}: {exc}", file=record)
        if not isinstance(data, dict):
            return Fact.missing(self.name, f"{record} is not a mapping of answers", file=record)
        if record == ANSWERS_FILE:
            source, version = data.get("_src_path"), data.get("_commit")
            answers = {k: v for k, v in data.items() if isinstance(k, str) and not k.startswith("_")}
        else:
            context = data.get("context")
            context = context.get("cookiecutter") if isinstance(context, dict) else None
            source, version = data.get("template"), data.get("commit")
            answers = {k: v for k, v in (context or {}).items() if not str(k).startswith("_")}
        value: dict[str, Any] = {
            "present": True,
            "engine": "copier" if record == ANSWERS_FILE else "cookiecutter",
            "source": source,
            "version": version,
            "answers": answers,
            **_drift(ctx, record, source, version, answers),
        }
        return Fact(self.name, value, file=record, line=1)


def _load(ctx: RepoContext, record: str) -> Any:
    from platform_cli.jsonfile import load_json
    from platform_cli.yamlfile import load_yaml

    if record == CRUFT_FILE:
        return load_json(ctx.root / record, display=record, what="cruft record").data

    return load_yaml(ctx.root / record, display=record, what="copier answers").data


def _drift(
    ctx: RepoContext, record: str, source: Any, version: Any, answers: dict[str, Any]
) -> dict[str, Any]:
    """latest / behind_by / majors_behind against the template's releases (null + error when unknown)."""
    unknown: dict[str, Any] = {"latest": None, "behind_by": None, "majors_behind": None}
    if not isinstance(source, str) or not source:
        return {**unknown, "error": f"{record} records no template source"}
    from platform_cli.scaffold.drift import status_for
    from platform_cli.scaffold.provenance import Provenance

    engine = "copier" if record == ANSWERS_FILE else "cookiecutter"
    prov = Provenance(engine, record, source, str(version) if version else None, answers)
    try:
        status = status_for(ctx.root, prov, with_changelog=False)
    except PlatformError as error:
        return {**unknown, "error": str(error)}
    return {
        "latest": status.latest,
        "behind_by": status.behind_by,
        "majors_behind": status.majors_behind,
        "error": None,
    }
